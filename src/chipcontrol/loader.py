"""Reading a rulesets/ folder: YAML into the file models, then every cross-check, each error naming its place.

Layout of a rulesets folder::

    rulebook.yaml                 name and declared coverage           (files.RulebookFile)
    catalog/sources.yaml          articles and instruments             (files.SourcesFile)
    catalog/chips.yaml            chips and their figures              (files.ChipsFile)
    catalog/parties.yaml          buyers, sellers, dated list entries  (files.PartiesFile)
    catalog/countries.yaml        ISO countries and EAR groups         (files.CountriesFile)
    rules/*.yaml                  one file per instrument              (files.RuleFile)

Articles are read from a seeds folder: `<rulesets>/../seeds` when it exists, else the bundled one.

Rule files come from an untrusted hand (a pull request). Loading reads nothing outside the rulesets and
seeds folders (once symlinks are followed; the seeds folder itself may not be one), nothing but regular
files, and no file larger than MAX_FILE_BYTES. It refuses YAML anchors and aliases before anything is
expanded, repeated keys, and nesting deeper than MAX_YAML_DEPTH; it bounds conditions (the parser's limits
in conditions.py, then MAX_CONDITION_NODES, MAX_CONDITION_DEPTH and MAX_RULEBOOK_NODES once terms are
expanded) and refuses quotes shorter than MIN_QUOTE_CHARS. A message quotes at most an excerpt of a value
(errors.excerpt). Each problem is one line, `file:line: rule 'id': what is wrong`, the file relative to the
rulesets folder (a YAML syntax error: `file: not valid YAML at line N: ...`).
"""

from __future__ import annotations

import hashlib
import re
import stat
from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from . import conditions as cond
from .chips import ChipRecord, SystemRecord
from .countries import Country, CountryGroup
from .errors import RulebookError, excerpt, shorten
from .facts import FACT_KINDS
from .names import NameIndex
from .files import ChipsFile, CountriesFile, DiscrepanciesFile, Discrepancy, PartiesFile, RuleExample, RuleFile, RulebookFile, SourcesFile
from .parties import PartyRecord
from .resources import bundled_seeds
from .rules import Effect, Rule, Term
from .sources import CitationSpec, Source, SourceKind, normalise_text

M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES = 10 * 2**20  # any file read (rule, catalog, article); the largest bundled has 42 KB
MAX_YAML_DEPTH = 32  # mappings and lists inside one another in a YAML file; the bundled go 6 deep
MIN_QUOTE_CHARS = 20  # a citation's quote, whitespace-normalised; the shortest bundled has 31
MAX_CONDITION_NODES = 5000  # one rule's or term's condition with its terms expanded; the largest bundled: 67
MAX_CONDITION_DEPTH = 128  # levels of the same; the deepest bundled: 13
MAX_RULEBOOK_NODES = 20_000  # all the rules' conditions together, terms expanded; the bundled: 591
MAX_MESSAGE_CHARS = 200  # a message from YAML, pydantic or the type checker, quoted in a problem

# ------------------------------------------------------------------------------------------ YAML

#: The lists of records in the files: list key -> (kind of record, the key of its id).
_RECORDS = {
    "rules": ("rule", "id"),
    "terms": ("term", "name"),
    "sources": ("source", "id"),
    "chips": ("chip", "id"),
    "systems": ("system", "id"),
    "parties": ("party", "id"),
    "countries": ("country", "code"),
    "groups": ("group", "id"),
    "discrepancies": ("discrepancy", "id"),
    "examples": ("example", "name"),
}


class _Refused(Exception):
    """A YAML construct the loader refuses, at `mark` (a yaml.Mark: 0-based line and column)."""

    def __init__(self, message: str, mark: yaml.Mark):
        super().__init__(message)
        self.mark = mark


class _Checked:
    """What both YAML loaders (libyaml's and the pure-Python one) add to the safe loader: dates stay text
    for the models to check; a repeated key, a merge key (<<) or a value Python cannot hold is refused."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """As the safe loader does, refusing a scalar Python cannot hold (e.g. an integer of 5,000 digits)."""
        try:
            return super().construct_object(node, deep)
        except ValueError as exc:
            raise _Refused(f"value cannot be read: {shorten(str(exc), MAX_MESSAGE_CHARS)}", node.start_mark) from None

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        """As the safe loader does, refusing a key that appears twice (YAML would keep the last silently)."""
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Refused("merge keys (<<) are not allowed: write the keys out", key_node.start_mark)
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    continue  # the safe loader refuses it ("found unhashable key")
                if key in first:
                    raise _Refused(f"key {excerpt(key)} appears twice (first at line {first[key]})", key_node.start_mark)
                first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


class _PureLoader(_Checked, yaml.SafeLoader):
    """The pure-Python safe loader, checked (used where PyYAML was built without libyaml)."""


_DataLoader: type = _PureLoader
if hasattr(yaml, "CSafeLoader"):

    class _CLoader(_Checked, yaml.CSafeLoader):
        """libyaml's safe loader, checked: parsing in C takes a tenth of the pure-Python time."""

    _DataLoader = _CLoader

_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_events(text: str) -> None:
    """Refuse, before anything is built, what YAML could expand or hide: an anchor or alias (a billion
    laughs), nesting deeper than MAX_YAML_DEPTH, and text with surrogates (\\ud800 escapes; no file holds them)."""
    depth = 0
    for event in yaml.parse(text, Loader=_DataLoader):
        if getattr(event, "anchor", None) is not None:
            raise _Refused("YAML anchors and aliases (&name, *name) are not allowed: write the value out", event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _Refused(f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent) and _SURROGATE.search(event.value):
            raise _Refused("text with an unpaired surrogate (\\ud800 to \\udfff) is not allowed", event.start_mark)


def _parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """The data of a one-document YAML text and its node graph (for line numbers)."""
    _check_events(text)
    loader = _DataLoader(text)
    try:
        node = loader.get_single_node()
        try:
            return (loader.construct_document(node) if node is not None else None), node
        except _Refused as exc:
            raise _Refused(_record_at(node, exc.mark) + str(exc), exc.mark) from None
    finally:
        loader.dispose()


def _record_at(root: yaml.Node, mark: yaml.Mark) -> str:
    """"rule 'id': " when `mark` is inside a record of one of the file's lists (see _RECORDS), else ""."""
    at = (mark.line, mark.column)
    for key_node, items in root.value if isinstance(root, yaml.MappingNode) else ():
        if isinstance(key_node, yaml.ScalarNode) and key_node.value in _RECORDS and isinstance(items, yaml.SequenceNode):
            kind, key = _RECORDS[key_node.value]
            for item in items.value:
                if (item.start_mark.line, item.start_mark.column) <= at < (item.end_mark.line, item.end_mark.column):
                    ident = _node_ident(item, key)
                    return f"{kind} {excerpt(ident)}: " if ident is not None else ""
    return ""


def _node_ident(record: yaml.Node, key: str) -> str | None:
    """The id a record's node gives under `key` (its plain text), if any."""
    if isinstance(record, yaml.MappingNode):
        for key_node, value in record.value:
            if key_node.value == key and isinstance(value, yaml.ScalarNode):
                return value.value
    return None


def _yaml_error(exc: yaml.YAMLError, text: str) -> str:
    """A YAML error on one line: where (when known) and what, shortened."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where, what = (f" at line {mark.line + 1}" if mark else ""), exc.problem or exc.context or ""
    elif isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        where, what = f" at line {line}", str(exc.reason)
    else:
        where, what = "", str(exc)
    return f"not valid YAML{where}: {shorten(' '.join(what.split()), MAX_MESSAGE_CHARS)}"


# ------------------------------------------------------------------------------------------ files


class _Unreadable(Exception):
    """A file the loader will not read; the message completes "<the file> ...", e.g. "is missing"."""


def _read_bytes(path: Path, folder: Path) -> bytes:
    """The bytes of `path`, a regular file of at most MAX_FILE_BYTES inside `folder` once every symlink is
    followed; raises _Unreadable saying why not."""
    try:
        real = path.resolve()
        if not real.is_relative_to(folder.resolve()):
            raise _Unreadable(f"leads outside {folder.name}/ (files are read from inside it only)")
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _Unreadable("is not a regular file")
        if info.st_size <= MAX_FILE_BYTES:
            with real.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _Unreadable("is missing") from None
    except (OSError, RuntimeError, ValueError) as exc:  # permissions, a symlink loop, a NUL in the name
        raise _Unreadable(f"cannot be read: {shorten(str(exc), MAX_MESSAGE_CHARS)}") from None
    if info.st_size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
        raise _Unreadable(f"is larger than {MAX_FILE_BYTES // 2**20} MB, the limit for one file")
    return data


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _read(path: Path, model: type[M], root: Path, problems: list[str], nodes: dict[str, yaml.Node]) -> M | None:
    """One YAML file of the rulesets folder, validated by `model`; its node graph goes in `nodes`."""
    name = _rel(path, root)
    try:
        raw = _read_bytes(path, root)
        text = raw.decode("utf-8")
        data, nodes[name] = _parse_yaml(text)
    except _Unreadable as exc:
        problems.append(f"{name}: file {exc}")
        return None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(f"{name}:{line}: not UTF-8 text: {exc.reason} at byte {exc.start}")
        return None
    except _Refused as exc:
        problems.append(f"{name}:{exc.mark.line + 1}: {exc}")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{name}: {_yaml_error(exc, text)}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}: expected a mapping at the top of the file, found {type(data).__name__}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(f"{name}:{_line(nodes[name], error['loc'])}: {_where(data, error['loc'])}: {_message(error)}")
        return None


def _line(node: yaml.Node | None, loc: tuple) -> int:
    """The line (1-based) of the value at `loc` (keys and indices) in a file's node graph, or of the nearest
    enclosing value there is."""
    line = node.start_mark.line if node is not None else 0
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if found is None:
                break
            line, node = found[0].start_mark.line, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _where(data: Any, loc: tuple) -> str:
    """A validation error's place in words: the record (`rule 'id'`) when it is in one, then the key path."""
    head, rest = "", loc
    if len(loc) >= 2 and loc[0] in _RECORDS and isinstance(data.get(loc[0]), list) and isinstance(loc[1], int):
        kind, key = _RECORDS[loc[0]]
        record = data[loc[0]][loc[1]] if loc[1] < len(data[loc[0]]) else None
        ident = record.get(key) if isinstance(record, dict) else None
        head = f"{kind} {excerpt(ident)}" if isinstance(ident, str) else f"{loc[0]}[{loc[1]}]"
        rest = loc[2:]
    path = "".join(f"[{key}]" if isinstance(key, int) else f".{_key_text(key)}" for key in rest).lstrip(".")
    return ": ".join(part for part in (head, path) if part) or "top level"


def _key_text(key: object) -> str:
    """A key as a message shows it: plain when it is a plain name, else quoted (escaped, shortened)."""
    return key if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_\-]{1,80}", key) else excerpt(key)


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (not in the file format; see the JSON Schema)"
    if error["type"] == "missing":
        return "required key is missing"
    message = shorten(error["msg"], MAX_MESSAGE_CHARS)
    if error.get("input") is not None and error["type"] not in ("model_type", "dict_type"):
        message += f" (got {excerpt(error['input'])})"
    return message


# ------------------------------------------------------------------------------------------ loading


@dataclass(frozen=True)
class ExampleAt:
    """A rule example and where it is written: `rule_id` is the rule it sits under (None: the file's own list)."""

    example: RuleExample
    file: str
    line: int
    rule_id: str | None

    @property
    def where(self) -> str:
        """`file:line: rule 'id': example 'name'`, as every message about the example starts."""
        rule = f" rule {excerpt(self.rule_id)}:" if self.rule_id else ""
        return f"{self.file}:{self.line}:{rule} example {excerpt(self.example.name)}"


@dataclass
class LoadedRules:
    """Everything read from a rulesets folder, checked. The Rulebook is built from this."""

    root: Path
    seeds: Path
    manifest: RulebookFile
    sources: dict[str, Source]
    article_texts: dict[str, str]  # normalised
    chips: dict[str, ChipRecord]
    parties: dict[str, PartyRecord]
    countries: dict[str, Country]
    groups: dict[str, CountryGroup]
    terms: dict[str, Term]
    rules: dict[str, Rule]
    conditions: dict[str, cond.Expr]  # rule id -> resolved condition
    rule_files: dict[str, str]  # rule id -> file (relative to root)
    discrepancies: dict[str, Discrepancy] = field(default_factory=dict)
    systems: dict[str, SystemRecord] = field(default_factory=dict)
    term_files: dict[str, str] = field(default_factory=dict)  # term name -> file
    examples: list[ExampleAt] = field(default_factory=list)  # not part of the content hash (files.RuleExample)
    content_hash: str = ""
    problems: list[str] = field(default_factory=list)
    nodes: dict[str, yaml.Node] = field(default_factory=dict, repr=False)  # file -> its YAML nodes (for lines)
    places: dict[tuple[str, str], tuple[str, tuple]] = field(default_factory=dict, repr=False)  # (kind, id) -> (file, loc)

    def at(self, file: str, *loc: str | int) -> str:
        """`file:line` of the value at `loc` in `file` (or of the nearest enclosing value)."""
        return f"{file}:{_line(self.nodes.get(file), loc)}"

    def at_record(self, kind: str, ident: str, *loc: str | int) -> str:
        """`file:line` of a record (a rule, a term, a source, ...), or of the value at `loc` inside it."""
        file, record = self.places[(kind, ident)]
        return self.at(file, *record, *loc)

    def where(self, kind: str, ident: str, *loc: str | int) -> str:
        """`file:line: kind 'id'` for a record, the line being that of the value at `loc` inside it."""
        return f"{self.at_record(kind, ident, *loc)}: {kind} {excerpt(ident)}"


def load(root: Path | str, seeds: Path | str | None = None) -> LoadedRules:
    """Load and cross-check a rulesets folder; raise RulebookError listing every problem found."""
    root = Path(root)
    if not root.is_dir():
        raise RulebookError([f"{root}: not a folder"])
    beside = root.parent / "seeds"
    if seeds is None and beside.is_symlink():
        raise RulebookError(["../seeds: is a symlink; the seeds folder beside the rulesets must be a real folder"])
    seeds_dir = Path(seeds) if seeds else (beside if beside.is_dir() else bundled_seeds())
    problems: list[str] = []
    nodes: dict[str, yaml.Node] = {}

    def read(path: Path, model: type[M]) -> M | None:
        return _read(path, model, root, problems, nodes)

    manifest = read(root / "rulebook.yaml", RulebookFile)
    sources_file = read(root / "catalog" / "sources.yaml", SourcesFile)
    chips_file = read(root / "catalog" / "chips.yaml", ChipsFile)
    parties_file = read(root / "catalog" / "parties.yaml", PartiesFile)
    countries_file = read(root / "catalog" / "countries.yaml", CountriesFile)
    discrepancies_path = root / "discrepancies.yaml"
    discrepancies_file = (
        read(discrepancies_path, DiscrepanciesFile)
        if discrepancies_path.exists() or discrepancies_path.is_symlink()
        else DiscrepanciesFile(discrepancies=[])
    )
    rule_paths = sorted((root / "rules").glob("*.yaml")) if (root / "rules").is_dir() else []
    if not rule_paths:
        problems.append(f"{_rel(root / 'rules', root)}: no rule files (*.yaml)")
    rule_files = {path: read(path, RuleFile) for path in rule_paths}
    if problems:
        raise RulebookError(problems)

    loaded = LoadedRules(
        root=root,
        seeds=seeds_dir,
        manifest=manifest,
        sources={},
        article_texts={},
        chips={},
        parties={},
        countries={},
        groups={},
        terms={},
        rules={},
        conditions={},
        rule_files={},
        nodes=nodes,
        problems=problems,
    )
    loaded.sources = _index(loaded, "catalog/sources.yaml", "sources", sources_file.sources)
    loaded.chips = _index(loaded, "catalog/chips.yaml", "chips", chips_file.chips)
    loaded.systems = _index(loaded, "catalog/chips.yaml", "systems", chips_file.systems)
    loaded.parties = _index(loaded, "catalog/parties.yaml", "parties", parties_file.parties)
    loaded.countries = _index(loaded, "catalog/countries.yaml", "countries", countries_file.countries)
    loaded.groups = _index(loaded, "catalog/countries.yaml", "groups", countries_file.groups)
    loaded.discrepancies = _index(loaded, "discrepancies.yaml", "discrepancies", discrepancies_file.discrepancies)
    _check_sources(loaded)
    _check_catalog(loaded)
    _check_coverage(loaded)
    _collect_rules(loaded, rule_files)
    _check_rules(loaded)
    _check_discrepancies(loaded)
    _check_examples(loaded)
    if problems:
        raise RulebookError(problems)
    loaded.content_hash = content_hash(loaded)
    return loaded


def _index(loaded: LoadedRules, file: str, list_key: str, items: list) -> dict:
    """Records by id, remembering where each is written; an id used twice is a problem."""
    kind, key = _RECORDS[list_key]
    out: dict = {}
    for i, item in enumerate(items):
        ident = getattr(item, key)
        if ident in out:
            first = loaded.at_record(kind, ident)
            loaded.problems.append(f"{loaded.at(file, list_key, i)}: duplicate {kind} {key} {excerpt(ident)} (first at {first})")
            continue
        out[ident] = item
        loaded.places[(kind, ident)] = (file, (list_key, i))
    return out


# ------------------------------------------------------------------------------------------ checks


def _check_sources(loaded: LoadedRules) -> None:
    for source in loaded.sources.values():
        if source.kind is not SourceKind.ARTICLE:
            continue
        where = loaded.where("source", source.id, "file")
        try:
            raw = _read_bytes(loaded.seeds / source.file, loaded.seeds)
            text = raw.decode("utf-8")
        except _Unreadable as exc:
            loaded.problems.append(f"{where}: article file {excerpt(source.file)} {exc}")
            continue
        except UnicodeDecodeError as exc:
            loaded.problems.append(f"{where}: article file {excerpt(source.file)} is not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        if source.sha256 and hashlib.sha256(raw).hexdigest() != source.sha256:
            loaded.problems.append(f"{where}: {excerpt(source.file)} does not match its sha256 (the article was edited)")
        loaded.article_texts[source.id] = normalise_text(text)


def check_citation(loaded: LoadedRules, spec: CitationSpec, where: str) -> None:
    """A citation's source must exist; a quote must be long enough to mean something; an article citation
    needs a quote found in the article."""
    source = loaded.sources.get(spec.source)
    if source is None:
        loaded.problems.append(f"{where}: cites unknown source {excerpt(spec.source)}")
        return
    if spec.quote and len(normalise_text(spec.quote)) < MIN_QUOTE_CHARS:
        loaded.problems.append(
            f"{where}: quote {excerpt(spec.quote)} is too short to pin its source down (at least {MIN_QUOTE_CHARS} characters)"
        )
    if source.kind is SourceKind.ARTICLE:
        if not spec.quote:
            loaded.problems.append(f"{where}: cites article {excerpt(spec.source)} without a quote")
        elif spec.source in loaded.article_texts and normalise_text(spec.quote) not in loaded.article_texts[spec.source]:
            loaded.problems.append(f"{where}: quote not found in article {excerpt(spec.source)}: {excerpt(spec.quote)}")
        if source.language != "en" and spec.quote and not spec.english:
            loaded.problems.append(f"{where}: quote from {source.language} article {excerpt(spec.source)} needs `english`")


def _check_citations(loaded: LoadedRules, specs: list[CitationSpec], kind: str, ident: str, *loc: str | int) -> None:
    """check_citation for each of a record's citations (at `loc` in it), each named by its own line."""
    for i, spec in enumerate(specs):
        check_citation(loaded, spec, loaded.where(kind, ident, *loc, i))


def _check_announced(loaded: LoadedRules, announced, takes_effect, field_name: str, where: str) -> None:
    """An `announced` (sources.Announcement) must cite a known source and come no later than the change it dates."""
    if announced is None:
        return
    if announced.source not in loaded.sources:
        loaded.problems.append(f"{where}: announced cites unknown source {excerpt(announced.source)}")
    if takes_effect is not None and announced.date > takes_effect:
        loaded.problems.append(f"{where}: announced {announced.date} is after {field_name} {takes_effect} "
                               f"(a change cannot become public after it applies; leave `announced` out)")


def _need_instrument(loaded: LoadedRules, source_id: str, where: str) -> None:
    source = loaded.sources.get(source_id)
    if source is None:
        loaded.problems.append(f"{where}: unknown source {excerpt(source_id)}")
    elif source.kind is not SourceKind.INSTRUMENT:
        loaded.problems.append(f"{where}: {excerpt(source_id)} is an article, not a legal instrument")


def _check_names(loaded: LoadedRules) -> None:
    """No two records may share a name once case, accents and punctuation are folded (names.norm, the form orders
    are resolved in); a system may not share one with a chip."""
    catalogs = [
        [(("country", c.code), [c.code, c.alpha3, c.name, *c.aliases]) for c in loaded.countries.values()],
        [(("chip", c.id), [c.id, c.name, *c.aliases]) for c in loaded.chips.values()]
        + [(("system", s.id), [s.id, s.name, *s.aliases]) for s in loaded.systems.values()],
        [(("party", p.id), [p.id, p.name, *p.aliases]) for p in loaded.parties.values()],
    ]
    for entries in catalogs:
        for name, (first_kind, first), (kind, ident) in NameIndex("name", entries).clashes:
            loaded.problems.append(
                f"{loaded.where(kind, ident)}: name or alias {excerpt(name)} is also a name of {first_kind} {excerpt(first)}"
            )


def _check_catalog(loaded: LoadedRules) -> None:
    problems = loaded.problems
    for system in loaded.systems.values():
        if system.chip not in loaded.chips:
            problems.append(f"{loaded.where('system', system.id, 'chip')}: chip {excerpt(system.chip)} is not a catalog chip")
    for chip in loaded.chips.values():
        if chip.vendor not in loaded.parties:
            where = loaded.where("chip", chip.id, "vendor")
            problems.append(f"{where}: vendor {excerpt(chip.vendor)} is not a party in catalog/parties.yaml")
    _check_names(loaded)
    for party in loaded.parties.values():
        headquarters = party.headquarters
        if headquarters.country not in loaded.countries:
            where = loaded.where("party", party.id, "headquarters")
            problems.append(f"{where}: headquarters {excerpt(headquarters.country)} is not a known country")
        if headquarters.citation:
            where = loaded.where("party", party.id, "headquarters", "citation")
            check_citation(loaded, headquarters.citation, where + " headquarters")
        if party.parent is not None and party.parent not in loaded.parties:
            problems.append(f"{loaded.where('party', party.id, 'parent')}: parent {excerpt(party.parent)} is not a party")
        for i, owner in enumerate(party.owners):
            if owner.party not in loaded.parties or owner.party == party.id:
                what = "itself" if owner.party == party.id else "not a party"
                problems.append(f"{loaded.where('party', party.id, 'owners', i)}: owner {excerpt(owner.party)} is {what}")
        for i, entry in enumerate(party.lists):
            where = f"{loaded.where('party', party.id, 'lists', i)} list entry {entry.list.value} {entry.added}"
            _need_instrument(loaded, entry.source, where)
            _check_announced(loaded, entry.announced, entry.added, "added", where)
    for country in loaded.countries.values():
        if country.ear_treated_as:
            where = loaded.where("country", country.code, "ear_treated_as")
            if country.ear_treated_as.country not in loaded.countries:
                problems.append(f"{where}: treated as unknown country {excerpt(country.ear_treated_as.country)}")
            _need_instrument(loaded, country.ear_treated_as.source, where)
    for group in loaded.groups.values():
        _need_instrument(loaded, group.source, loaded.where("group", group.id, "source"))
        for i, member in enumerate(group.members):
            if member.country not in loaded.countries:
                where = loaded.where("group", group.id, "members", i)
                problems.append(f"{where}: member {excerpt(member.country)} is not a known country")
            if member.contested is not None:
                _need_instrument(loaded, member.contested.source, loaded.where("group", group.id, "members", i) + " contested")
            if member.announced is not None:
                where = loaded.where("group", group.id, "members", i, "announced") + f" member {member.country}"
                if member.since is None:
                    loaded.problems.append(f"{where}: `announced` dates a joining, but the membership has no `since`")
                else:
                    _check_announced(loaded, member.announced, member.since, "since", where)


def _check_coverage(loaded: LoadedRules) -> None:
    coverage = loaded.manifest.coverage
    for i, excluded in enumerate(coverage.excluded_destinations):
        where = f"{loaded.at('rulebook.yaml', 'coverage', 'excluded_destinations', i)}: coverage.excluded_destinations[{i}]"
        for code in excluded.countries:
            if code not in loaded.countries:
                loaded.problems.append(f"{where}: {excerpt(code)} is not a known country")
        for j, spec in enumerate(excluded.citations):
            line = loaded.at("rulebook.yaml", "coverage", "excluded_destinations", i, "citations", j)
            check_citation(loaded, spec, f"{line}: coverage.excluded_destinations[{i}]")
    for code in loaded.manifest.presumptions.subject_to_ear_vendor_headquarters:
        if code not in loaded.countries:
            where = loaded.at("rulebook.yaml", "presumptions")
            loaded.problems.append(f"{where}: presumptions: {excerpt(code)} is not a known country")
    if loaded.manifest.affiliates is not None:
        line = loaded.at("rulebook.yaml", "affiliates", "citation")
        check_citation(loaded, loaded.manifest.affiliates.citation, f"{line}: affiliates")
    for i, item in enumerate(coverage.not_encoded):
        for j, spec in enumerate(item.citations):
            line = loaded.at("rulebook.yaml", "coverage", "not_encoded", i, "citations", j)
            check_citation(loaded, spec, f"{line}: coverage.not_encoded[{i}] ({excerpt(item.what)})")


def _check_discrepancies(loaded: LoadedRules) -> None:
    for item in loaded.discrepancies.values():
        check_citation(loaded, item.article, loaded.where("discrepancy", item.id, "article") + " article")
        if loaded.sources.get(item.article.source) and loaded.sources[item.article.source].kind is not SourceKind.ARTICLE:
            where = loaded.where("discrepancy", item.id, "article")
            loaded.problems.append(f"{where}: `article` cites {excerpt(item.article.source)}, which is not an article")
        for i, spec in enumerate(item.law_citations):
            check_citation(loaded, spec, loaded.where("discrepancy", item.id, "law_citations", i) + " law")
        for i, rule_id in enumerate(item.rule_ids):
            if rule_id not in loaded.rules:
                where = loaded.where("discrepancy", item.id, "rule_ids", i)
                loaded.problems.append(f"{where}: names unknown rule {excerpt(rule_id)}")


def _check_examples(loaded: LoadedRules) -> None:
    """An example's rule ids must be rules of the rulebook; its citation is checked like a rule's."""
    for placed in loaded.examples:
        example = placed.example
        for key in ("deciding", "advisories"):
            for rule_id in getattr(example, key):
                if rule_id not in loaded.rules:
                    loaded.problems.append(f"{placed.where}: `{key}` names unknown rule {excerpt(rule_id)}")
        if example.citation is not None:
            check_citation(loaded, example.citation, f"{placed.where} citation")


def _collect_rules(loaded: LoadedRules, files: dict[Path, RuleFile]) -> None:
    for path, rule_file in files.items():
        name = _rel(path, loaded.root)
        for i, term in enumerate(rule_file.terms):
            if term.name in loaded.terms:
                loaded.problems.append(
                    f"{loaded.at(name, 'terms', i)}: term {excerpt(term.name)} is also defined in {loaded.at_record('term', term.name)}"
                )
                continue
            loaded.terms[term.name] = term
            loaded.term_files[term.name] = name
            loaded.places[("term", term.name)] = (name, ("terms", i))
        for i, rule in enumerate(rule_file.rules):
            if rule.id in loaded.rules:
                loaded.problems.append(
                    f"{loaded.at(name, 'rules', i)}: rule id {excerpt(rule.id)} is also used in {loaded.at_record('rule', rule.id)}"
                )
                continue
            loaded.rules[rule.id] = Rule.model_construct(
                _fields_set=rule.model_fields_set - {"examples"}, **{key: getattr(rule, key) for key in Rule.model_fields}
            )
            loaded.rule_files[rule.id] = name
            loaded.places[("rule", rule.id)] = (name, ("rules", i))
            loaded.examples += [
                ExampleAt(example, name, _line(loaded.nodes.get(name), ("rules", i, "examples", j)), rule.id)
                for j, example in enumerate(rule.examples)
            ]
        loaded.examples += [
            ExampleAt(example, name, _line(loaded.nodes.get(name), ("examples", j)), None)
            for j, example in enumerate(rule_file.examples)
        ]


class _TooLarge(Exception):
    """A condition beyond MAX_CONDITION_NODES or MAX_CONDITION_DEPTH once its terms are expanded."""


class _TermCycle(Exception):
    """Terms that refer to each other in a cycle (the message: the cycle)."""


def _measure(expr: cond.Expr, measured: Mapping[str, tuple[int, int]]) -> tuple[int, int]:
    """(nodes, depth) of a parsed condition once its terms are expanded, from the measures of its terms:
    computed without expanding it (terms used twice would double it at every level)."""
    nodes, depth = 0, 0
    todo = [(expr, 1)]
    while todo:
        node, level = todo.pop()
        if isinstance(node, cond.TermRef):
            term_nodes, term_depth = measured[node.name]
            nodes, depth = nodes + 1 + term_nodes, max(depth, level + term_depth)
            continue
        nodes += 1 + (len(node.values) if isinstance(node, cond.InSet) else 0)
        depth = max(depth, level)
        todo.extend((child, level + 1) for child in cond.children(node))
    return nodes, depth


class _Conditions:
    """Conditions with their terms expanded, within the limits; each term is expanded once."""

    def __init__(self, loaded: LoadedRules):
        self.problems = loaded.problems
        self.parsed: dict[str, cond.Expr] = {}
        self.resolved: dict[str, cond.Expr] = {}
        self.measured: dict[str, tuple[int, int]] = {}  # term -> (nodes, depth), expanded
        for term in loaded.terms.values():
            try:
                self.parsed[term.name] = cond.parse(term.when)
            except cond.ConditionSyntaxError as exc:
                self.problems.append(f"{loaded.where('term', term.name, 'when')}: condition is not valid: {exc}")

    def expanded(self, where: str, expr: cond.Expr) -> tuple[cond.Expr, int] | None:
        """`expr` with its terms expanded, and its size in nodes; None, with a problem at `where`, when a
        term is unknown, terms form a cycle, or the expansion breaks a limit."""
        try:
            resolved, (nodes, _depth) = self._expand(expr, ())
            return resolved, nodes
        except KeyError as exc:
            problem = f"uses unknown term {excerpt(exc.args[0])}"
        except _TermCycle as exc:
            problem = f"terms refer to each other in a cycle: {shorten(str(exc), MAX_MESSAGE_CHARS)}"
        except _TooLarge as exc:
            problem = f"condition is too large: {exc}"
        except RecursionError:
            problem = f"terms inside terms nest too deeply (at most {MAX_CONDITION_DEPTH} levels)"
        self.problems.append(f"{where}: {problem}")
        return None

    def _expand(self, expr: cond.Expr, stack: tuple[str, ...]) -> tuple[cond.Expr, tuple[int, int]]:
        """`expr` (used from the terms in `stack`) with its terms expanded, and its (nodes, depth)."""
        resolved = cond.resolve_terms(expr, lambda name: self._term(name, stack))
        nodes, depth = _measure(expr, self.measured)
        if nodes > MAX_CONDITION_NODES:
            raise _TooLarge(f"{nodes} nodes with its terms expanded (at most {MAX_CONDITION_NODES})")
        if depth > MAX_CONDITION_DEPTH:
            raise _TooLarge(f"{depth} levels deep with its terms expanded (at most {MAX_CONDITION_DEPTH})")
        return resolved, (nodes, depth)

    def _term(self, name: str, stack: tuple[str, ...]) -> cond.Expr:
        if name not in self.resolved:
            if name in stack:
                raise _TermCycle(" -> ".join((*stack, name)))
            if name not in self.parsed:
                raise KeyError(name)
            self.resolved[name], self.measured[name] = self._expand(self.parsed[name], (*stack, name))
        return self.resolved[name]


def _check_rules(loaded: LoadedRules) -> None:
    conditions = _Conditions(loaded)
    for name in conditions.parsed:
        where = loaded.where("term", name, "when")
        expanded = conditions.expanded(where, cond.TermRef(name))
        if expanded:
            _type_errors(loaded, where, expanded[0])
    for term in loaded.terms.values():
        _check_citations(loaded, term.citations, "term", term.name, "citations")
    nodes = 0
    claims: dict[str, str] = {}
    for rule in loaded.rules.values():
        nodes += _check_condition(loaded, conditions, rule, nodes)
        _check_rule(loaded, rule, claims)
    _check_series(loaded)


def _check_condition(loaded: LoadedRules, conditions: _Conditions, rule: Rule, earlier_nodes: int) -> int:
    """Parse, expand and check a rule's condition (into loaded.conditions); its size in nodes, expanded."""
    when = loaded.where("rule", rule.id, "when")
    try:
        expanded = conditions.expanded(when, cond.parse(rule.when))
    except cond.ConditionSyntaxError as exc:
        loaded.problems.append(f"{when}: condition is not valid: {exc}")
        return 0
    if expanded is None:
        return 0
    expr, nodes = expanded
    if earlier_nodes <= MAX_RULEBOOK_NODES < earlier_nodes + nodes:
        loaded.problems.append(
            f"{when}: the conditions of the rules up to this one have {earlier_nodes + nodes} nodes with their terms "
            f"expanded (at most {MAX_RULEBOOK_NODES} in a rulebook)"
        )
    _type_errors(loaded, when, expr)
    loaded.problems.extend(f"{when}: {problem}" for problem in _reference_errors(loaded, expr))
    loaded.conditions[rule.id] = expr
    return nodes


def _type_errors(loaded: LoadedRules, where: str, expr: cond.Expr) -> None:
    for problem in cond.type_errors(expr, FACT_KINDS, set(loaded.groups)):
        loaded.problems.append(f"{where}: {shorten(problem, MAX_MESSAGE_CHARS)}")


def _check_rule(loaded: LoadedRules, rule: Rule, claims: dict[str, str]) -> None:
    """A rule's legal basis, citations, exemptions and claim (`claims`: claim -> the rule that has it)."""
    problems = loaded.problems
    _need_instrument(loaded, rule.legal_basis.source, loaded.where("rule", rule.id, "legal_basis") + " legal_basis")
    _check_citations(loaded, rule.citations, "rule", rule.id, "citations")
    _check_announced(loaded, rule.announced, rule.effective, "effective", loaded.where("rule", rule.id, "announced"))
    if rule.until_announced is not None and rule.until is None:
        loaded.problems.append(f"{loaded.where('rule', rule.id, 'until_announced')}: until_announced without `until`")
    _check_announced(loaded, rule.until_announced, rule.until, "until", loaded.where("rule", rule.id, "until_announced"))
    for i, target in enumerate(rule.exempts):
        other = loaded.rules.get(target)
        where = loaded.where("rule", rule.id, "exempts", i)
        if other is None:
            problems.append(f"{where}: exempts unknown rule {excerpt(target)}")
        elif other.is_exception:
            problems.append(f"{where}: exempts {excerpt(target)}, which is itself an exception")
        elif target == rule.id:
            problems.append(f"{where}: exempts itself")
    for i, target in enumerate(rule.reviews):
        other = loaded.rules.get(target)
        where = loaded.where("rule", rule.id, "reviews", i)
        if other is None:
            problems.append(f"{where}: reviews unknown rule {excerpt(target)}")
        elif other.effect is not Effect.LICENSE_REQUIRED:
            problems.append(f"{where}: reviews {excerpt(target)}, which requires no licence (a review policy is a licence's)")
        elif not set(rule.kinds) & set(other.kinds):
            problems.append(f"{where}: reviews {excerpt(target)}, which speaks to none of its kinds of order")
    if rule.is_exception and rule.effect.rank >= 2:
        where = loaded.where("rule", rule.id, "effect")
        problems.append(f"{where}: an exception may only relax (effect permitted or notification_required)")
    if rule.claim:
        if rule.claim in claims:
            where = loaded.where("rule", rule.id, "claim")
            problems.append(f"{where}: claim {excerpt(rule.claim)} is also the claim of rule {excerpt(claims[rule.claim])}")
        claims[rule.claim] = rule.id


def _reference_errors(loaded: LoadedRules, expr: cond.Expr) -> list[str]:
    """Catalog ids and country codes named in a condition must exist (no dangling references)."""
    catalogs = {
        "chip.id": ("chip", loaded.chips),
        "chip.vendor": ("party", loaded.parties),
        "buyer.id": ("party", loaded.parties),
        "seller.id": ("party", loaded.parties),
    }
    problems = []
    for node in cond.walk(expr):
        values = [node.value] if isinstance(node, cond.Compare) else list(node.values) if isinstance(node, cond.InSet) else []
        fact = getattr(node, "fact", None)
        if fact in catalogs:
            what, catalog = catalogs[fact]
            problems += [f"{fact} compared with unknown {what} id {excerpt(v)}" for v in values if v not in catalog]
        elif FACT_KINDS.get(fact) == "country":
            problems += [f"{fact} compared with unknown country {excerpt(v)}" for v in values if v not in loaded.countries]
    return problems


def _check_series(loaded: LoadedRules) -> None:
    """Versions of one rule (same `series`) must follow each other with no gap and no overlap."""
    series: dict[str, list[Rule]] = defaultdict(list)
    for rule in loaded.rules.values():
        if rule.series:
            series[rule.series].append(rule)
    for name, versions in series.items():
        versions.sort(key=lambda r: r.effective)
        for before, after in zip(versions, versions[1:]):
            where = f"{loaded.where('rule', after.id, 'effective')} (series {excerpt(name)})"
            if before.until is None or before.until > after.effective:
                loaded.problems.append(
                    f"{where}: overlaps {excerpt(before.id)} ({before.effective} to {before.until or 'open'}) "
                    f"from {after.effective}"
                )
            elif before.until < after.effective:
                loaded.problems.append(
                    f"{where}: gap after {excerpt(before.id)}, which ends {before.until}; this version starts {after.effective}"
                )


# ------------------------------------------------------------------------------------------ hash


def content_hash(loaded: LoadedRules) -> str:
    """SHA-256 of the rulebook's content: independent of file order, file splitting and key order."""
    import json

    def dump(items: dict) -> list:
        return [items[k].model_dump(mode="json") for k in sorted(items)]

    content = {
        "manifest": loaded.manifest.model_dump(mode="json"),
        "sources": dump(loaded.sources),
        "articles": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in sorted(loaded.article_texts.items())},
        "chips": dump(loaded.chips),
        "systems": dump(loaded.systems),
        "parties": dump(loaded.parties),
        "countries": dump(loaded.countries),
        "groups": dump(loaded.groups),
        "terms": dump(loaded.terms),
        "rules": dump(loaded.rules),
        "discrepancies": dump(loaded.discrepancies),
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
