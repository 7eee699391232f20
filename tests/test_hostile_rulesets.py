"""Rule files come from an untrusted hand: loading a broken or hostile copy of the rulesets never reads
outside it, hangs or crashes; each problem is one line naming the file, the line and the rule.

Each test breaks a copy of the bundled rulesets (the `rulesets_copy` fixture, seeds beside it). The cases
that hung or exhausted memory before (a billion laughs, a 20 MB value, a FIFO, 6,000-term conditions) load
in a child process under HANG_GUARD seconds and 2 GB of memory, so a regression fails instead of hanging.
"""

from __future__ import annotations

import copy
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import chipcontrol as cc
from chipcontrol import conditions, loader
from chipcontrol.errors import RulebookError

from .test_loader import edit

HANG_GUARD = 30  # seconds: generous, a guard against hangs, not a speed test
MESSAGE_BOUND = 2000  # characters: a message that quotes excerpts only, whatever the size of the value

SRC = Path(cc.__file__).resolve().parents[1]
ONE_PROBLEM = re.compile(r"^[\w./-]+\.yaml(:\d+)?: \S")  # `file:line: ...`, one line
_CHILD = """
import json, sys
import chipcontrol as cc
from chipcontrol.errors import RulebookError
try:
    cc.load_rulebook(sys.argv[1])
    print(json.dumps({"loaded": True}))
except RulebookError as exc:
    print(json.dumps({"loaded": False, "message": str(exc), "problems": exc.problems}))
"""


def problems(rulesets: Path) -> list[str]:
    """The problems loading `rulesets` reports (it must fail), each checked to be one `file:line:` line."""
    with pytest.raises(RulebookError) as info:
        cc.load_rulebook(rulesets)
    assert all(ONE_PROBLEM.match(p) and "\n" not in p for p in info.value.problems), info.value.problems
    return info.value.problems


def load_in_child(rulesets: Path) -> dict:
    """Load `rulesets` in a child process (at most HANG_GUARD seconds, 2 GB of address space)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(rulesets)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        preexec_fn=limit_memory,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The line (1-based) where `needle` occurs for the nth time in a file."""
    numbers = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    return numbers[nth - 1]


def set_condition(rulesets: Path, when: str) -> Path:
    """Give rule 'entity-list-license' the condition `when`; returns its file."""
    path = rulesets / "rules/entity-list.yaml"
    edit(path, "when: buyer.entity_listed and chip.subject_to_ear", f"when: {when}")
    return path


@pytest.fixture(params=["libyaml", "python"])
def yaml_loader(request, monkeypatch):
    """Run the test with libyaml's parser and with the pure-Python one: the checks hold on both."""
    if request.param == "libyaml" and not hasattr(loader, "_CLoader"):
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(loader, "_DataLoader", loader._CLoader if request.param == "libyaml" else loader._PureLoader)


# ------------------------------------------------------------------------------------ 1. duplicate keys


def test_a_repeated_effect_key_is_an_error_naming_file_line_rule_and_key(rulesets_copy, yaml_loader):
    """A second `effect:` in a rule no longer silently wins: the load fails at its line."""
    path = rulesets_copy / "rules/entity-list.yaml"
    edit(path, "    effect: license_required\n", "    effect: license_required\n    effect: permitted\n")
    first = line_of(path, "effect: license_required")
    assert problems(rulesets_copy) == [
        f"rules/entity-list.yaml:{first + 1}: rule 'entity-list-license': key 'effect' appears twice (first at line {first})"
    ]


def test_a_second_rules_block_is_an_error_instead_of_silently_dropping_the_h20_rule(rulesets_copy, yaml_loader):
    """A file with two `rules:` blocks used to keep the second only, losing the H20 notice without a word."""
    path = rulesets_copy / "rules/nvidia-amd-notices-2025-04.yaml"
    text = path.read_text(encoding="utf-8")
    mi308 = text[text.index("  - id: amd-2025-mi308-notice") :]
    path.write_text(text + "\nrules:\n" + mi308, encoding="utf-8")
    second = line_of(path, "rules:", nth=2)
    assert problems(rulesets_copy) == [
        f"rules/nvidia-amd-notices-2025-04.yaml:{second}: key 'rules' appears twice (first at line {line_of(path, 'rules:')})"
    ]


@pytest.mark.parametrize(
    "file",
    ["rulebook.yaml", "discrepancies.yaml", "catalog/sources.yaml", "catalog/chips.yaml", "catalog/parties.yaml", "catalog/countries.yaml"],
)
def test_a_repeated_key_in_a_catalog_the_rulebook_or_the_discrepancies_is_an_error(rulesets_copy, file):
    """The first `key: value` line of a nested mapping, written twice, fails the load at the second one."""
    path = rulesets_copy / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i, match = next((i, m) for i, line in enumerate(lines) if (m := re.match(r"^\s+(?:- )?([a-z_]+): [^>|\s]", line)))
    indent = " " * (len(lines[i]) - len(lines[i].lstrip()) + (2 if lines[i].lstrip().startswith("- ") else 0))
    lines.insert(i + 1, indent + lines[i].lstrip().removeprefix("- "))
    path.write_text("".join(lines), encoding="utf-8")
    (problem,) = problems(rulesets_copy)
    assert problem.startswith(f"{file}:{i + 2}: ") and f"key {match.group(1)!r} appears twice (first at line {i + 1})" in problem


def test_a_merge_key_is_refused(rulesets_copy, yaml_loader):
    """`<<: {...}` would let a hidden mapping supply keys (and lose to written ones silently): refused."""
    path = rulesets_copy / "rules/entity-list.yaml"
    edit(path, "    effect: license_required\n", "    effect: license_required\n    <<: {effect: permitted}\n")
    (problem,) = problems(rulesets_copy)
    assert problem.startswith(f"rules/entity-list.yaml:{line_of(path, '<<')}: rule 'entity-list-license': merge keys")


# ------------------------------------------------------------------------------------ 2. anchors, aliases


def test_an_anchor_and_an_alias_are_refused_naming_file_and_line(rulesets_copy, yaml_loader):
    """`&name` and `*name` are refused before anything is built (no hidden sharing of values)."""
    path = rulesets_copy / "rules/entity-list.yaml"
    edit(path, "    effect: license_required", "    effect: &e license_required")
    edit(path, "    confidence: secondary", "    confidence: *e")
    assert problems(rulesets_copy) == [
        f"rules/entity-list.yaml:{line_of(path, '&e')}: YAML anchors and aliases (&name, *name) are not allowed: write the value out"
    ]


def test_a_billion_laughs_title_is_refused_at_once_with_a_short_message(rulesets_copy):
    """Nine levels of ten aliases (10**9 strings once expanded) hung the loader at 4 GB: now it stops at the
    first anchor, within the hang guard, with a message of a few lines."""
    laughs = ['a0: &a0 "lol"'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (rulesets_copy / "rules/laughs.yaml").write_text("\n".join(laughs) + "\ntitle: *a9\nrules: []\n", encoding="utf-8")
    result = load_in_child(rulesets_copy)
    assert not result["loaded"] and len(result["message"]) < MESSAGE_BOUND
    assert result["problems"] == ["rules/laughs.yaml:1: YAML anchors and aliases (&name, *name) are not allowed: write the value out"]


# ------------------------------------------------------------------------------------ 3. short excerpts


def test_a_20_mb_value_is_refused_unread_with_a_short_message(rulesets_copy):
    """A rule file of 20 MB is over the file size limit: refused before it is read, quoting nothing."""
    (rulesets_copy / "rules/huge.yaml").write_text("title: " + "x" * 20_000_000 + "\nrules: []\n", encoding="utf-8")
    result = load_in_child(rulesets_copy)
    assert not result["loaded"] and len(result["message"]) < MESSAGE_BOUND
    assert result["problems"] == ["rules/huge.yaml: file is larger than 10 MB, the limit for one file"]


def test_an_8_mb_bad_value_is_quoted_as_an_80_character_excerpt(rulesets_copy):
    """An invalid value of 8 MB (within the size limit) is echoed as 80 characters and its length."""
    path = rulesets_copy / "rules/entity-list.yaml"
    edit(path, "    effect: license_required", "    effect: " + "x" * 8_000_000)
    (problem,) = problems(rulesets_copy)
    assert problem.startswith(f"rules/entity-list.yaml:{line_of(path, 'effect:')}: rule 'entity-list-license': effect: Input should be")
    assert problem.endswith(f"(got {'x' * 80!r}… (8000000 characters))") and len(problem) < 400


def test_a_1_mb_rule_id_is_an_excerpt_wherever_a_message_names_it(rulesets_copy):
    """A valid but enormous id (and an exemption naming an enormous unknown rule) gives short messages."""
    path = rulesets_copy / "rules/entity-list.yaml"
    edit(path, "  - id: entity-list-license", "  - id: " + "e" * 1_000_000)
    edit(path, "    effect: license_required", "    effect: license_required\n    exempts: [" + "z" * 1_000_000 + "]")
    found = problems(rulesets_copy)
    assert any(f"exempts unknown rule {'z' * 80!r}… (1000000 characters)" in p for p in found)
    assert all(len(p) < 500 and f"rule {'e' * 80!r}… (1000000 characters)" in p for p in found)


def test_a_long_yaml_tag_is_shortened_in_the_yaml_error(rulesets_copy):
    """A YAML error quoting a 100,000-character tag quotes its start only."""
    edit(rulesets_copy / "rules/entity-list.yaml", "title: The Entity List", "title: !" + "t" * 100_000 + " The Entity List")
    (problem,) = problems(rulesets_copy)
    assert problem.startswith("rules/entity-list.yaml: not valid YAML at line 1: could not determine a constructor")
    assert "(100" in problem and len(problem) < 400


def test_a_long_string_in_a_condition_is_refused_with_an_excerpt(rulesets_copy):
    """A 100,000-character string literal is refused by the parser, which quotes 20 characters of it."""
    path = set_condition(rulesets_copy, 'chip.id == "' + "h" * 100_000 + '"')
    (problem,) = problems(rulesets_copy)
    assert problem.startswith(f"rules/entity-list.yaml:{line_of(path, 'when:')}: rule 'entity-list-license': condition is not valid")
    assert "100002 characters long (a name, number or string has at most 80)" in problem and len(problem) < 300


# ------------------------------------------------------------------------------------ 4. paths


@pytest.mark.parametrize("file", ["../../../etc/passwd", "/etc/passwd", "../seeds/001_e888722ed7d0647b.txt", "C:/Windows/win.ini"])
def test_an_article_path_that_is_not_inside_the_seeds_folder_is_refused(rulesets_copy, file):
    """`file: ../../../etc/passwd` loaded, and a quote from it was reported verified: now refused."""
    path = rulesets_copy / "catalog/sources.yaml"
    edit(path, "file: 001_e888722ed7d0647b.txt", f"file: {file}")
    (problem,) = problems(rulesets_copy)
    assert problem.startswith(f"catalog/sources.yaml:{line_of(path, 'file: ' + file)}: source 'article-001': file: Value error")
    assert "must be a path inside the seeds folder" in problem


def test_an_article_symlink_leading_outside_the_seeds_folder_is_refused(rulesets_copy, tmp_path):
    """An article in seeds/ that is a symlink to a file outside is not read, even with the same text."""
    article = rulesets_copy.parent / "seeds/001_e888722ed7d0647b.txt"
    outside = tmp_path / "outside.txt"
    outside.write_bytes(article.read_bytes())
    article.unlink()
    article.symlink_to(outside)
    (problem,) = problems(rulesets_copy)
    line = line_of(rulesets_copy / "catalog/sources.yaml", "file: 001_e888722ed7d0647b.txt")
    assert problem == f"catalog/sources.yaml:{line}: source 'article-001': article file '001_e888722ed7d0647b.txt' leads outside seeds/ (files are read from inside it only)"


def test_a_seeds_folder_that_is_a_symlink_is_refused(rulesets_copy, tmp_path):
    """seeds/ beside the rulesets made a symlink (to /etc, say) would let `file: passwd` be read: refused."""
    seeds = rulesets_copy.parent / "seeds"
    seeds.rename(tmp_path / "elsewhere")
    seeds.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RulebookError) as info:
        cc.load_rulebook(rulesets_copy)
    assert info.value.problems == ["../seeds: is a symlink; the seeds folder beside the rulesets must be a real folder"]


def test_a_rule_file_symlink_leading_outside_the_rulesets_folder_is_refused(rulesets_copy, tmp_path):
    """rules/*.yaml that is a symlink to a file outside the folder is not read."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("title: from outside\nrules: []\n", encoding="utf-8")
    (rulesets_copy / "rules/outside.yaml").symlink_to(outside)
    assert problems(rulesets_copy) == ["rules/outside.yaml: file leads outside rulesets/ (files are read from inside it only)"]


def test_a_catalog_folder_symlinked_outside_the_rulesets_folder_is_refused(rulesets_copy, tmp_path):
    """A symlinked folder is followed before the check: catalog/ pointing outside is refused file by file."""
    catalog = rulesets_copy / "catalog"
    catalog.rename(tmp_path / "catalog")
    catalog.symlink_to(tmp_path / "catalog")
    found = problems(rulesets_copy)
    assert len(found) == 4 and all(p.endswith("file leads outside rulesets/ (files are read from inside it only)") for p in found)


def test_a_symlink_inside_the_rulesets_folder_is_followed(rulesets_copy):
    """A symlink that stays inside the folder is fine: the check is on where it leads."""
    rules = rulesets_copy / "rules"
    (rulesets_copy / "entity-list.yaml").write_bytes((rules / "entity-list.yaml").read_bytes())
    (rules / "entity-list.yaml").unlink()
    (rules / "entity-list.yaml").symlink_to(rulesets_copy / "entity-list.yaml")
    assert "entity-list-license" in cc.load_rulebook(rulesets_copy).rules


def test_a_rule_file_that_is_a_folder_or_a_fifo_is_refused_without_waiting(rulesets_copy):
    """rules/*.yaml that is a folder or a FIFO (opening which would block) is refused unopened."""
    (rulesets_copy / "rules/folder.yaml").mkdir()
    os.mkfifo(rulesets_copy / "rules/fifo.yaml")
    result = load_in_child(rulesets_copy)
    assert result["problems"] == [
        "rules/fifo.yaml: file is not a regular file",
        "rules/folder.yaml: file is not a regular file",
    ]


def test_a_file_one_byte_over_the_size_limit_is_refused_and_one_at_the_limit_is_read(rulesets_copy):
    """The limit is MAX_FILE_BYTES (10 MB): one byte more is refused unread, the limit itself is read."""
    with (rulesets_copy / "rules/over.yaml").open("wb") as handle:
        handle.truncate(loader.MAX_FILE_BYTES + 1)
    with (rulesets_copy / "rules/at.yaml").open("wb") as handle:
        handle.write(b"title: " + b" " * (loader.MAX_FILE_BYTES - 19) + b"x\nrules: []\n")
    assert (rulesets_copy / "rules/at.yaml").stat().st_size == loader.MAX_FILE_BYTES
    assert problems(rulesets_copy) == ["rules/over.yaml: file is larger than 10 MB, the limit for one file"]


# ------------------------------------------------------------------------------------ 5. nesting


@pytest.mark.parametrize(
    ("when", "position"),
    [("(" * 500 + "chip.subject_to_ear" + ")" * 500, 64), ("not " * 1000 + "chip.subject_to_ear", 256)],
    ids=["1000-parentheses", "1000-nots"],
)
def test_1000_nested_parentheses_or_nots_are_a_clear_error_naming_the_rule(rulesets_copy, when, position):
    """1,000 parentheses raised RecursionError; now the parser stops at MAX_DEPTH levels."""
    path = set_condition(rulesets_copy, when)
    assert problems(rulesets_copy) == [
        f"rules/entity-list.yaml:{line_of(path, 'when:')}: rule 'entity-list-license': condition is not valid: "
        f"nested more than 64 levels deep (parentheses and 'not') at position {position}"
    ]


def test_nesting_up_to_the_depth_limit_parses_and_one_level_more_is_refused():
    """MAX_DEPTH levels of parentheses or `not` parse; one more is a ConditionSyntaxError."""
    depth = conditions.MAX_DEPTH
    assert conditions.parse("(" * depth + "chip.datacenter" + ")" * depth) == conditions.Truthy("chip.datacenter")
    assert conditions.parse("not " * depth + "chip.datacenter")
    for text in ("(" * (depth + 1) + "chip.datacenter" + ")" * (depth + 1), "not " * (depth + 1) + "chip.datacenter"):
        with pytest.raises(conditions.ConditionSyntaxError, match="nested more than 64 levels deep"):
            conditions.parse(text)


def _add_terms(rulesets: Path, terms: dict[str, str]) -> Path:
    """A rule file holding `terms` (name -> condition), with no rules."""
    path = rulesets / "rules/terms.yaml"
    data = {"title": "terms", "terms": [{"name": n, "when": w, "citations": [{"source": "ear-part-744-supp-4"}]} for n, w in terms.items()]}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("order", ["first-used-first", "last-used-first"])
def test_terms_nested_beyond_the_depth_limit_are_a_clear_error_not_a_recursion_error(rulesets_copy, order):
    """200 terms each negating the one before nest 400 levels once expanded: refused, naming the terms,
    whether the limit is met first (terms in order) or Python's recursion limit is (the last term first)."""
    chain = {"t0": "chip.datacenter", **{f"t{i}": f'not term("t{i - 1}")' for i in range(1, 200)}}
    _add_terms(rulesets_copy, chain if order == "first-used-first" else dict(reversed(chain.items())))
    found = problems(rulesets_copy)
    assert len(found) == 200 - 64 and all(re.match(r"rules/terms\.yaml:\d+: term 't\d+': ", p) for p in found)
    assert all(
        re.search(r"(condition is too large: 129 levels deep with its terms expanded|terms inside terms nest too deeply) \(at most 128", p)
        for p in found
    )


def test_terms_that_double_at_every_level_are_refused_before_they_are_expanded(rulesets_copy):
    """40 terms each using the one before twice would expand to 2**40 nodes: the first beyond
    MAX_CONDITION_NODES (d11, 8,189 nodes) is refused, and every term using it (in a child process: expanding
    them would never end)."""
    doubling = {"d0": "chip.datacenter", **{f"d{i}": f'term("d{i - 1}") or term("d{i - 1}")' for i in range(1, 40)}}
    path = _add_terms(rulesets_copy, doubling)
    found = load_in_child(rulesets_copy)["problems"]
    assert len(found) == 40 - 11 and all(p.endswith("condition is too large: 8189 nodes with its terms expanded (at most 5000)") for p in found)
    assert found[0].startswith(f"rules/terms.yaml:{line_of(path, 'name: d11') + 1}: term 'd11': ")


@pytest.mark.parametrize("depth", [100, 10_000])
def test_yaml_nested_deeper_than_the_limit_is_refused(rulesets_copy, yaml_loader, depth):
    """Lists nested 100 deep are refused at MAX_YAML_DEPTH (32); 10,000 deep (a RecursionError in the
    pure-Python composer) too, or by libyaml's own limit (1,000), which scans that far ahead."""
    path = rulesets_copy / "rules/entity-list.yaml"
    edit(path, "    confidence: secondary", "    confidence: " + "[" * depth + "]" * depth)
    line = line_of(path, "confidence:")
    (problem,) = problems(rulesets_copy)
    assert problem == f"rules/entity-list.yaml:{line}: nested more than 32 levels deep" or (
        depth > 1000 and problem == f"rules/entity-list.yaml: not valid YAML at line {line}: exceeded maximum nesting depth"
    )


# ------------------------------------------------------------------------------------ 6. long conditions


@pytest.mark.parametrize(
    "when",
    [
        " or ".join(f"chip.tpp >= {i}" for i in range(6000)),
        " and ".join(f"chip.tpp >= {i}" for i in range(6000)),
        "chip.tpp in [" + ", ".join(str(i) for i in range(6000)) + "]",
    ],
    ids=["6000-or", "6000-and", "6000-in"],
)
def test_a_6000_term_condition_is_refused_at_once_stating_the_limit(rulesets_copy, when):
    """6,000 terms took 30-50 s and 4.5 GB in the durable compiler; the parser now refuses more than 2,000 tokens."""
    path = set_condition(rulesets_copy, when)
    result = load_in_child(rulesets_copy)
    assert not result["loaded"]
    assert result["problems"] == [
        f"rules/entity-list.yaml:{line_of(path, 'when:')}: rule 'entity-list-license': condition is not valid: "
        "the condition is longer than 2000 tokens (names, values, operators)"
    ]


def test_conditions_beyond_the_rulebook_total_are_refused_at_the_rule_that_crosses_it(rulesets_copy):
    """21 rules of 1,001 nodes each pass the per-condition limits but not MAX_RULEBOOK_NODES (20,000) together:
    the rule that crosses it is named, once."""
    rule = yaml.safe_load((rulesets_copy / "rules/entity-list.yaml").read_text(encoding="utf-8"))["rules"][0]
    when = " or ".join(["chip.datacenter"] * 1000)
    rules = [{**copy.deepcopy(rule), "id": f"big-{i:02}", "when": when} for i in range(21)]  # no shared values
    path = rulesets_copy / "rules/0-big.yaml"
    path.write_text(yaml.safe_dump({"title": "big", "rules": rules}, sort_keys=False), encoding="utf-8")
    # rules/0-big.yaml is read first (files in name order): its 20th rule brings the total to 20 * 1,001 nodes
    assert problems(rulesets_copy) == [
        f"rules/0-big.yaml:{line_of(path, 'when:', nth=20)}: rule 'big-19': the conditions of the rules up to this one "
        "have 20020 nodes with their terms expanded (at most 20000 in a rulebook)"
    ]


def test_a_long_condition_within_the_limits_loads(rulesets_copy):
    """A 400-term `or` of distinct thresholds is within every limit and loads (durable compile included)."""
    set_condition(rulesets_copy, "chip.subject_to_ear and (" + " or ".join(f"chip.tpp >= {i}" for i in range(400)) + ")")
    assert load_in_child(rulesets_copy) == {"loaded": True}


# ------------------------------------------------------------------------------------ 7. quotes


@pytest.mark.parametrize("length", [19, 20])
def test_a_quote_shorter_than_20_characters_is_an_error_naming_file_and_rule(rulesets_copy, length):
    """A quote found in the article but shorter than MIN_QUOTE_CHARS pins nothing down: refused; 20 is enough."""
    path = rulesets_copy / "rules/nvidia-notice-2022-08.yaml"
    quote = "Il y a plusieurs mois, le gouvernement américain a interdit à Nvidia de distribuer ses A100 en Chine."
    edit(path, quote, quote[:length])
    if length >= loader.MIN_QUOTE_CHARS:
        assert cc.load_rulebook(rulesets_copy).rules["nvda-2022-notice"]
        return
    citation = line_of(path, "Il y a plusieurs") - 1  # `- source: article-001`, the line above the quote
    assert problems(rulesets_copy) == [
        f"rules/nvidia-notice-2022-08.yaml:{citation}: rule 'nvda-2022-notice': quote "
        "'Il y a plusieurs mo' is too short to pin its source down (at least 20 characters)"
    ]


# ------------------------------------------------------------------------------------ 8. the YAML parser


def test_the_c_yaml_parser_is_used_where_pyyaml_has_it():
    """libyaml parses about ten times faster than the pure-Python parser; it is used when available."""
    assert issubclass(loader._DataLoader, yaml.CSafeLoader) == hasattr(yaml, "CSafeLoader")


def test_both_yaml_parsers_keep_dates_as_text_and_read_the_bundled_rulebook_alike(rb, rulesets_copy, yaml_loader):
    """Dates stay text for the models to check, and the bundled rulebook hashes the same on either parser."""
    assert loader._parse_yaml("effective: 2019-05-16\n")[0] == {"effective": "2019-05-16"}
    assert cc.load_rulebook(rulesets_copy).hash == rb.hash


# ------------------------------------------------------------------------------------ odd text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("    note: a\x00b\n", r"rules/entity-list\.yaml: not valid YAML at line \d+: (special|control) characters are not allowed"),
        ('    note: "\\udcff"\n', r"rules/entity-list\.yaml(: not valid YAML at line \d+: found invalid Unicode|:\d+: text with an unpaired surrogate)"),
        ("    \u202enote: x\n", r"rules/entity-list\.yaml:\d+: rule 'entity-list-license': '\\u202enote': unknown key"),
        ("    scale: " + "1" * 5000 + "\n", r"rules/entity-list\.yaml:\d+: rule 'entity-list-license': value cannot be read: Exceeds the limit"),
    ],
    ids=["nul", "surrogate", "rtl-key", "5000-digits"],
)
def test_odd_text_is_one_line_problem_never_a_crash(rulesets_copy, yaml_loader, text, expected):
    """NUL, an escaped surrogate, an RTL mark in a key, a 5,000-digit integer: each a one-line problem."""
    edit(rulesets_copy / "rules/entity-list.yaml", "    confidence: secondary\n", "    confidence: secondary\n" + text)
    found = problems(rulesets_copy)
    assert any(re.match(expected, p) for p in found), found
