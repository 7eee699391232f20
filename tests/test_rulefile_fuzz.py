"""Fuzzing the rule files: whatever a pull request does to them, loading either succeeds or raises a
RulebookError of one-line problems, each naming a file of the rulesets folder (and a line inside it), and
naming the damaged file whenever that file is invalid on its own. Never another exception, never a hang.

Each example damages one file of a prepared copy of the bundled rulesets: its parsed YAML (parsed once,
mutated in memory), its text, a condition in it, or the file itself on disk (symlinks, FIFOs, sizes,
article paths). It then loads the copy with `load_rulebook` under TIME_LIMIT seconds, and puts the file
back. EXAMPLES examples for each of the four tests, 200 per run, derandomized: CI runs the same ones.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import chipcontrol as cc
from chipcontrol import conditions, files, loader
from chipcontrol.errors import RulebookError
from chipcontrol.resources import bundled_rulesets, bundled_seeds

EXAMPLES = 50  # per test; four tests: 200 examples per run
TIME_LIMIT = 20  # seconds per example: a guard against hangs (a load takes a fraction of a second)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ROOT = bundled_rulesets()
MODELS = {
    "rulebook.yaml": files.RulebookFile,
    "discrepancies.yaml": files.DiscrepanciesFile,
    "catalog/sources.yaml": files.SourcesFile,
    "catalog/chips.yaml": files.ChipsFile,
    "catalog/parties.yaml": files.PartiesFile,
    "catalog/countries.yaml": files.CountriesFile,
    **{f"rules/{path.name}": files.RuleFile for path in sorted((ROOT / "rules").glob("*.yaml"))},
}
NAMES = sorted(MODELS)
TEXTS = {name: (ROOT / name).read_text(encoding="utf-8") for name in NAMES}
DATA = {name: yaml.safe_load(text) for name, text in TEXTS.items()}
RULES = [(name, i) for name in NAMES if name.startswith("rules/") for i in range(len(DATA[name].get("rules", [])))]
ARTICLES = sorted(s["file"] for s in DATA["catalog/sources.yaml"]["sources"] if s.get("file"))
PROBLEM = re.compile(r"^(?P<file>[^\s:]+\.yaml)(?::(?P<line>\d+))?: \S[^\n]*$")


class TookTooLong(BaseException):
    """A load that ran past TIME_LIMIT (a BaseException: no `except Exception` in the loader swallows it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TookTooLong in whatever runs when `seconds` have passed."""

    def expire(_signum, _frame):
        raise TookTooLong(f"loading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def rulesets(tmp_path_factory) -> Path:
    """One copy of the bundled rulesets (seeds beside it) for all examples; each example restores it."""
    base = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT, base / "rulesets")
    shutil.copytree(bundled_seeds(), base / "seeds")
    return base / "rulesets"


@contextmanager
def damaged(path: Path, make: Callable[[Path], None]) -> Iterator[None]:
    """`path` replaced by what `make(path)` puts there (a file, a symlink, a folder, a FIFO), then restored."""
    original = path.read_bytes()
    path.unlink()
    try:
        make(path)
        yield
    finally:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.write_bytes(original)


def writing(content: str | bytes) -> Callable[[Path], None]:
    data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    return lambda path: path.write_bytes(data)


def check_load(rulesets: Path, name: str | None) -> None:
    """Load under the time limit: it loads (unless file `name` is given: it is invalid on its own), or every
    problem is one line `file[:line]: ...` naming a file of the folder and a line within it, `name` among them."""
    with time_limit(TIME_LIMIT):
        try:
            cc.load_rulebook(rulesets)
        except RulebookError as exc:
            found = exc.problems
        else:
            assert name is None, f"{name} is invalid on its own, yet the rulebook loaded"
            return
    assert found
    for problem in found:
        match = PROBLEM.match(problem)
        assert match, f"not a one-line `file:line: ...` problem: {problem[:300]!r}"
        path = rulesets / match["file"]
        assert match["file"] in MODELS or match["file"].startswith("rules/"), problem[:300]
        if match["line"] and path.is_file() and path.stat().st_size <= loader.MAX_FILE_BYTES:
            lines = len(path.read_bytes().decode("utf-8", "replace").splitlines())  # every YAML line break, and more
            assert 1 <= int(match["line"]) <= lines + 1, problem[:300]
    if name is not None:
        assert any(p.startswith(name + ":") for p in found), (name, [p[:200] for p in found])


class _Permissive(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The plain safe loader (repeated keys, anchors allowed), with dates left as text like the loader's."""

    yaml_implicit_resolvers = loader._Checked.yaml_implicit_resolvers


def invalid_alone(name: str, text: str) -> bool:
    """Whether file `name` with `text` is refused on its own: not YAML even to the plain safe loader, or
    data its format (the pydantic model) refuses. Other files are not looked at."""
    try:
        data = yaml.load(text, Loader=_Permissive)  # noqa: S506 (safe loader)
        MODELS[name].model_validate(data)
    except (yaml.YAMLError, ValueError, ValidationError, RecursionError):  # ValidationError: ValueError
        return True
    return False


def dump(data: object) -> str:
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False)


# ------------------------------------------------------------------------------------------ data


def nested(depth: int, value: object = None) -> list:
    for _ in range(depth):
        value = [value]
    return value


ODD_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "\x00", "\u202e", "\u200b", "\ufeff", "\u2028", "🙂", "${x}", "'\"", "\t\n", "~", "null"]),
    st.integers(0, 200_000).map(lambda n: "x" * n),
)
PATHS = ["../x.txt", "/etc/passwd", "../../../etc/passwd", "sub/../../x.txt", "C:\\x.txt", "missing.txt", "a\x00b"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    ODD_TEXT,
    st.sampled_from(PATHS + ["2019-13-40", "0x1F", ".nan", "permitted"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.integers(1, 100).map(nested),
)


def containers(value: object, path: tuple = ()) -> Iterator[tuple]:
    """Paths (keys and indices) of every non-empty mapping and list in parsed YAML."""
    if isinstance(value, (dict, list)) and value:
        yield path
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            yield from containers(item, (*path, key))


CONTAINERS = {name: list(containers(data)) for name, data in DATA.items()}


def at(data: object, path: tuple) -> object:
    for key in path:
        data = data[key]
    return data


@st.composite
def data_mutations(draw) -> tuple[str, str]:
    """(file, new text): a key renamed or removed, a value of another type, a value nested deep, or a
    value shared with another place (written as a YAML anchor and alias)."""
    name = draw(st.sampled_from(NAMES))
    data = copy.deepcopy(DATA[name])
    target = at(data, draw(st.sampled_from(CONTAINERS[name])))
    key = draw(st.sampled_from(list(target) if isinstance(target, dict) else range(len(target))))
    operation = draw(st.sampled_from(["rename", "remove", "replace", "nest", "share"]))
    if operation == "rename" and isinstance(target, dict):
        target["~" + draw(ODD_TEXT.filter(lambda t: len(t) < 100))] = target.pop(key)
    elif operation == "remove":
        del target[key]
    elif operation == "nest":
        target[key] = nested(draw(st.integers(1, 100)), target[key])
    elif operation == "share":
        target[key] = at(data, draw(st.sampled_from(CONTAINERS[name])))
    else:
        target[key] = draw(VALUES)
    return name, dump(data)


@given(mutation=data_mutations())
@FUZZ
def test_a_file_with_keys_renamed_removed_or_values_of_another_type_loads_or_names_itself(rulesets, mutation):
    """Data-level damage to any file: loads, or names the file when its own format refuses it."""
    name, text = mutation
    with damaged(rulesets / name, writing(text)):
        check_load(rulesets, name if re.search(r"\*id\d{3}\b", text) or invalid_alone(name, text) else None)


# ------------------------------------------------------------------------------------------ text


def scalar_lines(text: str) -> list[tuple[int, int, int]]:
    """(line, key column, value column) of every `key: value` of a block mapping whose value is a scalar on
    the key's line (0-based)."""
    found = []
    todo = [yaml.compose(text)]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(value, yaml.ScalarNode) and value.style in (None, "'", '"') and not node.flow_style:
                    if key.start_mark.line == value.end_mark.line:
                        found.append((key.start_mark.line, key.start_mark.column, value.start_mark.column))
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return sorted(found)


SCALAR_LINES = {name: scalar_lines(text) for name, text in TEXTS.items()}
SNIPPETS = st.one_of(
    ODD_TEXT.filter(lambda t: len(t) < 1000),
    st.sampled_from(["- ", ": ", "{", "[", "&a ", "*a", "!!python/object:os.system ", "<<: ", "\t", "\r", '"\\ud800"', "\\"]),
)


@st.composite
def text_mutations(draw) -> tuple[str, str, bool]:
    """(file, new text, whether the file is then invalid on its own for certain): a key written twice, an
    anchor or alias, a surrogate escape, a 5,000-digit number, a tag, or a snippet inserted, a slice cut."""
    name = draw(st.sampled_from(NAMES))
    lines = TEXTS[name].splitlines(keepends=True)
    line, key_at, value_at = draw(st.sampled_from(SCALAR_LINES[name]))
    current = lines[line]
    operation = draw(st.sampled_from(["twice", "anchor", "alias", "surrogate", "digits", "tag", "insert", "cut", "crlf"]))
    certain = True
    if operation == "twice":
        lines.insert(line + 1, " " * key_at + current[key_at:])
    elif operation in ("anchor", "alias", "surrogate", "digits", "tag"):
        value = {"anchor": "&a x", "alias": "*a", "surrogate": '"\\udcff"', "digits": "9" * 5000, "tag": "!!python/name:os.system"}
        lines[line] = current[:value_at] + value[operation] + "\n"
    elif operation == "crlf":
        lines = [text.replace("\n", "\r\n") for text in lines]
        certain = False
    else:
        text = "".join(lines)
        start = draw(st.integers(0, len(text)))
        end = start + draw(st.integers(0, 200)) if operation == "cut" else start
        text = text[:start] + ("" if operation == "cut" else draw(SNIPPETS)) + text[end:]
        return name, text, invalid_alone(name, text)
    return name, "".join(lines), certain


@given(mutation=text_mutations())
@FUZZ
def test_a_file_with_odd_text_repeated_keys_or_aliases_loads_or_names_itself(rulesets, mutation):
    """Text-level damage to any file: loads, or names the file when it is invalid on its own."""
    name, text, invalid = mutation
    with damaged(rulesets / name, writing(text)):
        check_load(rulesets, name if invalid else None)


# ------------------------------------------------------------------------------------------ conditions

FACTS = ["chip.tpp", "chip.datacenter", "chip.id", "destination", "buyer.headquarters", "order.claims", "chip.colour"]
TESTS = st.one_of(
    st.builds("{} {} {}".format, st.sampled_from(FACTS), st.sampled_from(["==", "!=", "<", ">="]), st.integers(-5, 5000)),
    st.builds('{} == "{}"'.format, st.sampled_from(FACTS), st.sampled_from(["CN", "nvidia-h20", "x", "é\u202e"])),
    st.builds('{} in group("{}")'.format, st.sampled_from(FACTS), st.sampled_from(["D:5", "A:1", "zz"])),
    st.builds('{} contains "{}"'.format, st.sampled_from(FACTS), st.text("abc", min_size=1, max_size=3)),
    st.builds('term("{}")'.format, st.sampled_from(["3A090-2023", "acs-2023-destination", "missing", "x" * 90])),
    st.sampled_from(FACTS + ["true", "false", "chip.datacenter"]),
)
DEPTHS = st.sampled_from([1, 2, 63, 64, 65, 300, 990])  # nesting: the limit is 64 levels
LENGTHS = st.sampled_from([1, 2, 300, 499, 500, 501, 1000, 3000])  # terms or values: the limit is 2,000 tokens
CONDITIONS = st.one_of(
    st.builds(lambda d, t: "(" * d + t + ")" * d, DEPTHS, TESTS),
    st.builds(lambda d, t: "not " * d + t, DEPTHS, TESTS),
    st.builds(lambda op, n, t: f" {op} ".join([t] * n), st.sampled_from(["or", "and"]), LENGTHS, TESTS),
    st.builds(lambda op, n: f" {op} ".join(f"chip.tpp >= {i}" for i in range(n)), st.sampled_from(["or", "and"]), LENGTHS),
    st.builds(lambda n: "chip.id in [" + ", ".join(f'"c{i}"' for i in range(n)) + "]", LENGTHS),
    st.builds(lambda n: f'chip.id == "{"x" * n}"', st.integers(0, 100_000)),
    st.lists(st.one_of(TESTS, st.sampled_from(["and", "or", "not", "(", ")", "[", "]", ",", "in", "@", "'"])), max_size=30).map(" ".join),
)


@given(where=st.sampled_from(RULES), when=CONDITIONS)
@FUZZ
def test_a_rule_with_a_deep_long_or_garbled_condition_loads_or_names_its_file(rulesets, where, when):
    """A rule's condition replaced by a deep, long or garbled one: loads, or names the rule's file when the
    condition does not parse."""
    name, index = where
    data = copy.deepcopy(DATA[name])
    data["rules"][index]["when"] = when
    try:
        conditions.parse(when)
        unparsable = False
    except conditions.ConditionSyntaxError:
        unparsable = True
    with damaged(rulesets / name, writing(dump(data))):
        check_load(rulesets, name if unparsable else None)


# ------------------------------------------------------------------------------------------ files on disk


def _symlink_to(target: Path | str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as handle:
            handle.truncate(size)

    return make


@st.composite
def disk_mutations(draw, rulesets: Path) -> tuple[Path, Callable[[Path], None], str]:
    """(path, how to replace it, the file the problem must name): a rule, catalog or article file replaced
    by a symlink (outside, to a device, in a loop, dangling), a folder, a FIFO, an empty, oversized or
    non-UTF-8 file, or an article's `file:` in sources.yaml set to a path outside the seeds folder."""
    outside = rulesets.parent / "outside.yaml"
    kinds = {
        "outside": _symlink_to(outside),
        "device": _symlink_to("/dev/zero"),
        "loop": lambda path: path.symlink_to(path),
        "dangling": _symlink_to("no-such-file.yaml"),
        "folder": lambda path: path.mkdir(),
        "fifo": os.mkfifo,
        "empty": writing(b""),
        "oversized": _sparse(loader.MAX_FILE_BYTES + 1),
        "not-utf-8": writing(b"title: \xff\xfe\n"),
    }
    choice = draw(st.sampled_from(["file", "article", "path"]))
    if choice == "path":
        data = copy.deepcopy(DATA["catalog/sources.yaml"])
        article = draw(st.sampled_from([s for s in data["sources"] if s.get("file")]))
        article["file"] = draw(st.sampled_from(PATHS + ["seeds/x.txt", "x" * 300, "."]))
        return rulesets / "catalog/sources.yaml", writing(dump(data)), "catalog/sources.yaml"
    kind = draw(st.sampled_from(sorted(kinds)))
    if choice == "article":
        return rulesets.parent / "seeds" / draw(st.sampled_from(ARTICLES)), kinds[kind], "catalog/sources.yaml"
    name = draw(st.sampled_from(NAMES))
    return rulesets / name, kinds[kind], name


@given(data=st.data())
@FUZZ
def test_a_file_replaced_by_a_symlink_folder_fifo_or_odd_file_loads_or_names_itself(rulesets, data):
    """A rule, catalog or article file replaced on disk, or an article path leading out of the seeds folder:
    never read outside the folders, never blocks, names the file (catalog/sources.yaml for an article)."""
    (rulesets.parent / "outside.yaml").write_text("title: outside\nrules: []\n", encoding="utf-8")
    path, make, name = data.draw(disk_mutations(rulesets))
    with damaged(path, make):
        check_load(rulesets, name)
