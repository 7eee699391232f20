"""Reading a rulesets/ folder: YAML into the file models, then every cross-check, each error naming its place.

Layout of a rulesets folder::

    rulebook.yaml                 name and declared coverage           (files.RulebookFile)
    catalog/sources.yaml          articles and instruments             (files.SourcesFile)
    catalog/chips.yaml            chips and their figures              (files.ChipsFile)
    catalog/parties.yaml          buyers, sellers, dated list entries  (files.PartiesFile)
    catalog/countries.yaml        ISO countries and EAR groups         (files.CountriesFile)
    rules/*.yaml                  one file per instrument              (files.RuleFile)

Articles are read from a seeds folder: `<rulesets>/../seeds` when it exists, else the bundled one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from . import conditions as cond
from .chips import ChipRecord
from .countries import Country, CountryGroup
from .errors import RulebookError
from .facts import FACT_KINDS
from .files import ChipsFile, CountriesFile, DiscrepanciesFile, Discrepancy, PartiesFile, RuleFile, RulebookFile, SourcesFile
from .parties import PartyRecord
from .resources import bundled_seeds
from .rules import Rule, Term
from .sources import CitationSpec, Source, SourceKind, normalise_text

M = TypeVar("M", bound=BaseModel)


class _DataLoader(yaml.SafeLoader):
    """YAML's safe loader (no tags that build objects), leaving dates as text for the models to check."""


_DataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
    term_files: dict[str, str] = field(default_factory=dict)  # term name -> file
    content_hash: str = ""
    problems: list[str] = field(default_factory=list)


def load(root: Path | str, seeds: Path | str | None = None) -> LoadedRules:
    """Load and cross-check a rulesets folder; raise RulebookError listing every problem found."""
    root = Path(root)
    if not root.is_dir():
        raise RulebookError([f"{root}: not a folder"])
    seeds_dir = Path(seeds) if seeds else (root.parent / "seeds" if (root.parent / "seeds").is_dir() else bundled_seeds())
    problems: list[str] = []

    manifest = _read(root / "rulebook.yaml", RulebookFile, problems, root)
    sources_file = _read(root / "catalog" / "sources.yaml", SourcesFile, problems, root)
    chips_file = _read(root / "catalog" / "chips.yaml", ChipsFile, problems, root)
    parties_file = _read(root / "catalog" / "parties.yaml", PartiesFile, problems, root)
    countries_file = _read(root / "catalog" / "countries.yaml", CountriesFile, problems, root)
    discrepancies_path = root / "discrepancies.yaml"
    discrepancies_file = (
        _read(discrepancies_path, DiscrepanciesFile, problems, root) if discrepancies_path.is_file() else DiscrepanciesFile(discrepancies=[])
    )
    rule_paths = sorted((root / "rules").glob("*.yaml")) if (root / "rules").is_dir() else []
    if not rule_paths:
        problems.append(f"{_rel(root / 'rules', root)}: no rule files (*.yaml)")
    rule_files = {path: _read(path, RuleFile, problems, root) for path in rule_paths}
    if problems:
        raise RulebookError(problems)

    loaded = LoadedRules(
        root=root,
        seeds=seeds_dir,
        manifest=manifest,
        sources=_unique(sources_file.sources, "catalog/sources.yaml", "source", problems),
        article_texts={},
        chips=_unique(chips_file.chips, "catalog/chips.yaml", "chip", problems),
        parties=_unique(parties_file.parties, "catalog/parties.yaml", "party", problems),
        countries=_unique(countries_file.countries, "catalog/countries.yaml", "country", problems, key="code"),
        groups=_unique(countries_file.groups, "catalog/countries.yaml", "group", problems),
        terms={},
        rules={},
        conditions={},
        rule_files={},
        discrepancies=_unique(discrepancies_file.discrepancies, "discrepancies.yaml", "discrepancy", problems),
        problems=problems,
    )
    _check_sources(loaded)
    _check_catalog(loaded)
    _check_coverage(loaded)
    _collect_rules(loaded, rule_files)
    _check_rules(loaded)
    _check_discrepancies(loaded)
    if problems:
        raise RulebookError(problems)
    loaded.content_hash = content_hash(loaded)
    return loaded


# ------------------------------------------------------------------------------------------ reading


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _read(path: Path, model: type[M], problems: list[str], root: Path) -> M | None:
    name = _rel(path, root)
    if not path.is_file():
        problems.append(f"{name}: file is missing")
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DataLoader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        problems.append(f"{name}: not valid YAML: {exc}".replace("\n", " "))
        return None
    except UnicodeDecodeError as exc:
        problems.append(f"{name}: not UTF-8 text: {exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}: expected a mapping at the top of the file, found {type(data).__name__}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(f"{name}: {_where(data, error['loc'])}: {_message(error)}")
        return None


def _where(data: Any, loc: tuple) -> str:
    """A readable location for a validation error, naming the record id when there is one."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            ident = node.get("id") or node.get("name") or node.get("code") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]" + (f" (id {ident!r})" if ident else "")]
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "top level"


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (not in the file format; see the JSON Schema)"
    if error["type"] == "missing":
        return "required key is missing"
    message = error["msg"]
    if error.get("input") is not None and error["type"] not in ("model_type", "dict_type"):
        message += f" (got {error['input']!r})"
    return message


def _unique(items: list, file: str, what: str, problems: list[str], key: str = "id") -> dict:
    out: dict = {}
    for item in items:
        ident = getattr(item, key)
        if ident in out:
            problems.append(f"{file}: duplicate {what} {key} {ident!r}")
        out[ident] = item
    return out


# ------------------------------------------------------------------------------------------ checks


def _check_sources(loaded: LoadedRules) -> None:
    for source in loaded.sources.values():
        if source.kind is not SourceKind.ARTICLE:
            continue
        where = f"catalog/sources.yaml: source {source.id!r}"
        path = loaded.seeds / source.file
        if not path.is_file():
            loaded.problems.append(f"{where}: article file {source.file!r} not found in {loaded.seeds}")
            continue
        raw = path.read_bytes()
        if source.sha256 and hashlib.sha256(raw).hexdigest() != source.sha256:
            loaded.problems.append(f"{where}: {source.file} does not match its sha256 (the article was edited)")
        loaded.article_texts[source.id] = normalise_text(raw.decode("utf-8"))


def check_citation(loaded: LoadedRules, spec: CitationSpec, where: str) -> None:
    """A citation's source must exist; an article citation needs a quote found in the article."""
    source = loaded.sources.get(spec.source)
    if source is None:
        loaded.problems.append(f"{where}: cites unknown source {spec.source!r}")
        return
    if source.kind is SourceKind.ARTICLE:
        if not spec.quote:
            loaded.problems.append(f"{where}: cites article {spec.source!r} without a quote")
        elif spec.source in loaded.article_texts and normalise_text(spec.quote) not in loaded.article_texts[spec.source]:
            loaded.problems.append(f"{where}: quote not found in article {spec.source!r}: {spec.quote[:80]!r}")
        if source.language != "en" and spec.quote and not spec.english:
            loaded.problems.append(f"{where}: quote from {source.language} article {spec.source!r} needs `english`")


def _need_instrument(loaded: LoadedRules, source_id: str, where: str) -> None:
    source = loaded.sources.get(source_id)
    if source is None:
        loaded.problems.append(f"{where}: unknown source {source_id!r}")
    elif source.kind is not SourceKind.INSTRUMENT:
        loaded.problems.append(f"{where}: {source_id!r} is an article, not a legal instrument")


def _check_catalog(loaded: LoadedRules) -> None:
    problems = loaded.problems
    names: dict[str, str] = {}
    for chip in loaded.chips.values():
        where = f"catalog/chips.yaml: chip {chip.id!r}"
        if chip.vendor not in loaded.parties:
            problems.append(f"{where}: vendor {chip.vendor!r} is not a party in catalog/parties.yaml")
        for name in {chip.id.lower(), chip.name.lower(), *(a.lower() for a in chip.aliases)}:
            if names.get(name, chip.id) != chip.id:
                problems.append(f"{where}: name or alias {name!r} is also used by chip {names[name]!r}")
            names[name] = chip.id
    party_names: dict[str, str] = {}
    for party in loaded.parties.values():
        where = f"catalog/parties.yaml: party {party.id!r}"
        if party.headquarters.country not in loaded.countries:
            problems.append(f"{where}: headquarters {party.headquarters.country!r} is not a known country")
        if party.headquarters.citation:
            check_citation(loaded, party.headquarters.citation, where + " headquarters")
        if party.parent is not None and party.parent not in loaded.parties:
            problems.append(f"{where}: parent {party.parent!r} is not a party")
        for entry in party.lists:
            _need_instrument(loaded, entry.source, f"{where} list entry {entry.list.value} {entry.added}")
        for name in {party.id.lower(), party.name.lower(), *(a.lower() for a in party.aliases)}:
            if party_names.get(name, party.id) != party.id:
                problems.append(f"{where}: name or alias {name!r} is also used by party {party_names[name]!r}")
            party_names[name] = party.id
    for country in loaded.countries.values():
        if country.ear_treated_as:
            where = f"catalog/countries.yaml: country {country.code!r}"
            if country.ear_treated_as.country not in loaded.countries:
                problems.append(f"{where}: treated as unknown country {country.ear_treated_as.country!r}")
            _need_instrument(loaded, country.ear_treated_as.source, where)
    for group in loaded.groups.values():
        where = f"catalog/countries.yaml: group {group.id!r}"
        _need_instrument(loaded, group.source, where)
        for member in group.members:
            if member.country not in loaded.countries:
                problems.append(f"{where}: member {member.country!r} is not a known country")


def _check_coverage(loaded: LoadedRules) -> None:
    for i, excluded in enumerate(loaded.manifest.coverage.excluded_destinations):
        where = f"rulebook.yaml: coverage.excluded_destinations[{i}]"
        for code in excluded.countries:
            if code not in loaded.countries:
                loaded.problems.append(f"{where}: {code!r} is not a known country")
        for spec in excluded.citations:
            check_citation(loaded, spec, where)
    for code in loaded.manifest.presumptions.subject_to_ear_vendor_headquarters:
        if code not in loaded.countries:
            loaded.problems.append(f"rulebook.yaml: presumptions: {code!r} is not a known country")
    for i, item in enumerate(loaded.manifest.coverage.not_encoded):
        for spec in item.citations:
            check_citation(loaded, spec, f"rulebook.yaml: coverage.not_encoded[{i}] ({item.what})")


def _check_discrepancies(loaded: LoadedRules) -> None:
    for item in loaded.discrepancies.values():
        where = f"discrepancies.yaml: discrepancy {item.id!r}"
        check_citation(loaded, item.article, where + " article")
        if loaded.sources.get(item.article.source) and loaded.sources[item.article.source].kind is not SourceKind.ARTICLE:
            loaded.problems.append(f"{where}: `article` cites {item.article.source!r}, which is not an article")
        for spec in item.law_citations:
            check_citation(loaded, spec, where + " law")
        for rule_id in item.rule_ids:
            if rule_id not in loaded.rules:
                loaded.problems.append(f"{where}: names unknown rule {rule_id!r}")


def _collect_rules(loaded: LoadedRules, files: dict[Path, RuleFile]) -> None:
    term_files = loaded.term_files
    for path, rule_file in files.items():
        name = _rel(path, loaded.root)
        for term in rule_file.terms:
            if term.name in loaded.terms:
                loaded.problems.append(f"{name}: term {term.name!r} is also defined in {term_files[term.name]}")
            loaded.terms[term.name] = term
            term_files[term.name] = name
        for rule in rule_file.rules:
            if rule.id in loaded.rules:
                loaded.problems.append(f"{name}: rule id {rule.id!r} is also used in {loaded.rule_files[rule.id]}")
                continue
            loaded.rules[rule.id] = rule
            loaded.rule_files[rule.id] = name


def _check_rules(loaded: LoadedRules) -> None:
    problems = loaded.problems
    resolved_terms = _resolve_terms(loaded, loaded.term_files)
    known_groups = set(loaded.groups)

    def lookup(name: str) -> cond.Expr:
        return resolved_terms[name]

    claims: dict[str, str] = {}
    for rule in loaded.rules.values():
        where = f"{loaded.rule_files[rule.id]}: rule {rule.id!r}"
        try:
            expr = cond.resolve_terms(cond.parse(rule.when), lookup)
        except cond.ConditionSyntaxError as exc:
            problems.append(f"{where}: condition is not valid: {exc}")
            continue
        except KeyError as exc:
            problems.append(f"{where}: uses unknown term {exc.args[0]!r}")
            continue
        for problem in cond.type_errors(expr, FACT_KINDS, known_groups) + _reference_errors(loaded, expr):
            problems.append(f"{where}: {problem}")
        loaded.conditions[rule.id] = expr
        _need_instrument(loaded, rule.legal_basis.source, f"{where} legal_basis")
        for spec in rule.citations:
            check_citation(loaded, spec, where)
        for target in rule.exempts:
            other = loaded.rules.get(target)
            if other is None:
                problems.append(f"{where}: exempts unknown rule {target!r}")
            elif other.is_exception:
                problems.append(f"{where}: exempts {target!r}, which is itself an exception")
            elif target == rule.id:
                problems.append(f"{where}: exempts itself")
        if rule.is_exception and rule.effect.rank >= 2:
            problems.append(f"{where}: an exception may only relax (effect permitted or notification_required)")
        if rule.claim:
            if rule.claim in claims:
                problems.append(f"{where}: claim {rule.claim!r} is also the claim of rule {claims[rule.claim]!r}")
            claims[rule.claim] = rule.id
    _check_series(loaded)


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
            problems += [f"{fact} compared with unknown {what} id {v!r}" for v in values if v not in catalog]
        elif FACT_KINDS.get(fact) == "country":
            problems += [f"{fact} compared with unknown country {v!r}" for v in values if v not in loaded.countries]
    return problems


def _resolve_terms(loaded: LoadedRules, term_files: dict[str, str]) -> dict[str, cond.Expr]:
    parsed: dict[str, cond.Expr] = {}
    for term in loaded.terms.values():
        where = f"{term_files[term.name]}: term {term.name!r}"
        try:
            parsed[term.name] = cond.parse(term.when)
        except cond.ConditionSyntaxError as exc:
            loaded.problems.append(f"{where}: condition is not valid: {exc}")
        for spec in term.citations:
            check_citation(loaded, spec, where)
    resolved: dict[str, cond.Expr] = {}

    def resolve(name: str, stack: tuple[str, ...]) -> cond.Expr:
        if name in resolved:
            return resolved[name]
        if name in stack:
            raise RecursionError(" -> ".join((*stack, name)))
        if name not in parsed:
            raise KeyError(name)
        resolved[name] = cond.resolve_terms(parsed[name], lambda n: resolve(n, (*stack, name)))
        return resolved[name]

    for name in parsed:
        where = f"{term_files[name]}: term {name!r}"
        try:
            expr = resolve(name, ())
        except RecursionError as exc:
            loaded.problems.append(f"{where}: terms refer to each other in a cycle: {exc}")
            continue
        except KeyError as exc:
            loaded.problems.append(f"{where}: uses unknown term {exc.args[0]!r}")
            continue
        for problem in cond.type_errors(expr, FACT_KINDS, set(loaded.groups)):
            loaded.problems.append(f"{where}: {problem}")
    return resolved


def _check_series(loaded: LoadedRules) -> None:
    """Versions of one rule (same `series`) must follow each other with no gap and no overlap."""
    series: dict[str, list[Rule]] = defaultdict(list)
    for rule in loaded.rules.values():
        if rule.series:
            series[rule.series].append(rule)
    for name, versions in series.items():
        versions.sort(key=lambda r: r.effective)
        for before, after in zip(versions, versions[1:]):
            where = f"{loaded.rule_files[after.id]}: rule {after.id!r} (series {name!r})"
            if before.until is None or before.until > after.effective:
                loaded.problems.append(
                    f"{where}: overlaps {before.id!r} ({before.effective} to {before.until or 'open'}) "
                    f"from {after.effective}"
                )
            elif before.until < after.effective:
                loaded.problems.append(
                    f"{where}: gap after {before.id!r}, which ends {before.until}; this version starts {after.effective}"
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
        "parties": dump(loaded.parties),
        "countries": dump(loaded.countries),
        "groups": dump(loaded.groups),
        "terms": dump(loaded.terms),
        "rules": dump(loaded.rules),
        "discrepancies": dump(loaded.discrepancies),
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
