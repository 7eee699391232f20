"""The rulebook checks itself: rules that can never fire, idle exceptions, uncited sources, disputed inputs.

Everything the loader refuses (bad files, dangling references, misquotes, gapped or overlapping rule
versions) is reported as an error by `lint_path`; `lint` then looks for what loads but cannot be right.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from pydantic import Field

from . import conditions as c
from .chips import FIGURE_FACTS
from .errors import RulebookError
from .provenance import Strict
from .rulebook import Rulebook, load_rulebook
from .satisfiable import satisfiable
from .sources import SourceKind


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class LintIssue(Strict):
    severity: Severity
    code: str = Field(description="Stable name of the check, e.g. 'never-fires'.")
    where: str = Field(description="File (and rule) the issue is about.")
    message: str


class LintReport(Strict):
    issues: list[LintIssue]
    rulebook_hash: str | None = None

    @property
    def errors(self) -> list[LintIssue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_text(self) -> str:
        if not self.issues:
            return "lint: clean (no errors, no warnings)"
        lines = [f"{i.severity.value}: {i.where}: [{i.code}] {i.message}" for i in self.issues]
        warnings = len(self.issues) - len(self.errors)
        lines.append(f"lint: {len(self.errors)} error(s), {warnings} warning(s)")
        return "\n".join(lines)


def lint_path(path: str | Path | None = None) -> LintReport:
    """Load and lint a rulesets folder (the bundled one by default); load errors become lint errors."""
    try:
        rulebook = load_rulebook(path)
    except RulebookError as exc:
        return LintReport(
            issues=[
                LintIssue(severity=Severity.ERROR, code="load", where=p.split(": ", 1)[0], message=p.split(": ", 1)[-1])
                for p in exc.problems
            ]
        )
    return lint(rulebook)


def lint(rulebook: Rulebook) -> LintReport:
    """Every problem `rulebook` has that loading it could not catch."""
    issues: list[LintIssue] = []
    issues += _never_fires(rulebook)
    issues += _exceptions(rulebook)
    issues += _citations(rulebook)
    issues += _uncited_sources(rulebook)
    issues += _disputed_dependencies(rulebook)
    issues += _ownership_thresholds(rulebook)
    return LintReport(issues=issues, rulebook_hash=rulebook.hash)


def _where(rulebook: Rulebook, rule_id: str) -> str:
    return f"{rulebook.rule_files[rule_id]}: rule {rule_id!r}"


def _issue(severity: Severity, code: str, where: str, message: str) -> LintIssue:
    return LintIssue(severity=severity, code=code, where=where, message=message)


def _domains(rulebook: Rulebook) -> dict[str, set]:
    excluded = {code for e in rulebook.coverage.excluded_destinations for code in e.countries}
    countries = set(rulebook.countries) - excluded
    parties = set(rulebook.parties)
    return {
        "destination": countries,
        "buyer.headquarters": countries,
        "buyer.ultimate_parent_headquarters": countries,
        "seller.headquarters": set(rulebook.countries),
        "order.kind": {k.value for k in rulebook.coverage.kinds},
        "chip.id": set(rulebook.chips) | {"<inline chip>"},
        "chip.vendor": parties | {"<inline vendor>"},
        "buyer.id": parties | {"<inline party>"},
        "seller.id": parties | {"<inline party>"},
    }


def _never_fires(rulebook: Rulebook) -> list[LintIssue]:
    issues = []
    domains = _domains(rulebook)
    groups = {g.id: {m.country for m in g.members} for g in rulebook.groups.values()}
    cov = rulebook.coverage
    for rule_id, rule in sorted(rulebook.rules.items()):
        where = _where(rulebook, rule_id)
        if rule.effective >= cov.last_encoded or (rule.until is not None and rule.until <= cov.start):
            until = rule.until or "open"
            issues.append(_issue(Severity.ERROR, "never-fires", where, f"valid {rule.effective} to {until}, entirely outside the coverage ({cov.start} to {cov.last_encoded})"))
        if not set(rule.kinds) & set(cov.kinds):
            issues.append(_issue(Severity.ERROR, "never-fires", where, f"its kinds ({', '.join(k.value for k in rule.kinds)}) are not covered by the rulebook"))
        if not satisfiable(rulebook.conditions[rule_id], domains, groups):
            issues.append(_issue(Severity.ERROR, "never-fires", where, "its condition can never be true (contradictory tests, or destinations outside the coverage)"))
    return issues


def _exceptions(rulebook: Rulebook) -> list[LintIssue]:
    issues = []
    for rule_id, rule in sorted(rulebook.rules.items()):
        where = _where(rulebook, rule_id)
        if rule.claim and not rule.exempts:
            issues.append(_issue(Severity.ERROR, "exception-names-no-rule", where, f"has claim {rule.claim!r} but exempts no rule"))
        for target_id in rule.exempts:
            target = rulebook.rules[target_id]
            overlap_start = max(rule.effective, target.effective)
            ends = [d for d in (rule.until, target.until) if d]
            if ends and min(ends) <= overlap_start:
                issues.append(_issue(Severity.ERROR, "exception-never-applies", where, f"is never valid at the same time as {target_id!r}, which it exempts"))
            if not set(rule.kinds) & set(target.kinds):
                issues.append(_issue(Severity.ERROR, "exception-never-applies", where, f"shares no kind of order with {target_id!r}, which it exempts"))
    return issues


def _citations(rulebook: Rulebook) -> list[LintIssue]:
    issues = []
    for rule_id, rule in sorted(rulebook.rules.items()):
        for spec in rule.citations:
            source = rulebook.sources[spec.source]
            if source.kind is SourceKind.INSTRUMENT and not (spec.quote or spec.locator):
                issues.append(_issue(Severity.WARNING, "citation-without-locator", _where(rulebook, rule_id), f"cites {spec.source!r} with neither a quote nor a locator"))
    return issues


def _cited_source_ids(rulebook: Rulebook) -> set[str]:
    loaded = rulebook._loaded
    cited: set[str] = set()
    for rule in rulebook.rules.values():
        cited.add(rule.legal_basis.source)
        cited.update(spec.source for spec in rule.citations)
    for term in loaded.terms.values():
        cited.update(spec.source for spec in term.citations)
    for party in rulebook.parties.values():
        cited.update(entry.source for entry in party.lists)
        if party.headquarters.citation:
            cited.add(party.headquarters.citation.source)
    for country in rulebook.countries.values():
        if country.ear_treated_as:
            cited.add(country.ear_treated_as.source)
    cited.update(group.source for group in rulebook.groups.values())
    cited.update(m.contested.source for group in rulebook.groups.values() for m in group.members if m.contested)
    for excluded in rulebook.coverage.excluded_destinations:
        cited.update(spec.source for spec in excluded.citations)
    for item in rulebook.coverage.not_encoded:
        cited.update(spec.source for spec in item.citations)
    for item in rulebook.discrepancies.values():
        cited.add(item.article.source)
        cited.update(spec.source for spec in item.law_citations)
    return cited


def _uncited_sources(rulebook: Rulebook) -> list[LintIssue]:
    cited = _cited_source_ids(rulebook)
    return [
        _issue(Severity.WARNING, "source-never-cited", f"catalog/sources.yaml: source {source_id!r}", "no rule, term, catalog entry, coverage note or discrepancy cites it")
        for source_id in sorted(set(rulebook.sources) - cited)
    ]


_FIGURE_FED = frozenset().union(*FIGURE_FACTS.values())


def _chip_only_facts(chip) -> dict:
    """Facts of a chip alone; every other fact unknown, so a rule's result reflects only the chip."""
    return {
        "chip.id": chip.id,
        "chip.vendor": chip.vendor,
        "chip.tpp": chip.tpp,
        "chip.performance_density": chip.performance_density,
        "chip.io_bidirectional_gbps": chip.io_bidirectional_gbps,
        "chip.die_area_mm2": chip.die_area_mm2,
        "chip.memory_bandwidth_gbps": chip.memory_bandwidth_gbps,
        "chip.datacenter": chip.datacenter,
        "chip.subject_to_ear": chip.subject_to_ear,
    }


def _alternatives(record) -> list[tuple[str, object]]:
    """(description, chip) for each disputed alternative of a catalog chip's figures."""
    base = record.to_chip()
    out = []
    for name in ("die_area_mm2", "io_bidirectional_gbps"):
        for alt in getattr(record, name).disputed:
            if isinstance(alt.value, (int, float)) and not isinstance(alt.value, bool):
                chip = type(base)(**{**base.model_dump(), name: float(alt.value), "performance_density": None})
                out.append((f"{name} {alt.value} ({alt.source})", chip))
    for i, rate in enumerate(record.peak_rates):
        for value in rate.disputed:
            rates = list(record.peak_rates)
            rates[i] = rate.model_copy(update={"dense_tops": value})
            tpp = round(max(r.dense_tops * r.bits for r in rates), 1)
            chip = type(base)(**{**base.model_dump(), "tpp": tpp, "performance_density": None})
            out.append((f"{rate.format} peak {value} (TPP {tpp})", chip))
    return out


def _disputed_dependencies(rulebook: Rulebook) -> list[LintIssue]:
    issues = []
    for record in sorted(rulebook.chips.values(), key=lambda r: r.id):
        alternatives = _alternatives(record)
        if not alternatives:
            continue
        chosen = _chip_only_facts(record.to_chip())
        for rule_id in sorted(rulebook.rules):
            expr = rulebook.conditions[rule_id]
            if not c.facts_used(expr) & _FIGURE_FED:
                continue
            base = c.evaluate(expr, chosen)
            for description, chip in alternatives:
                if c.evaluate(expr, _chip_only_facts(chip)) != base:
                    issues.append(
                        _issue(
                            Severity.WARNING,
                            "depends-on-disputed-figure",
                            _where(rulebook, rule_id),
                            f"its result for {record.name} changes if the disputed {description} is used instead of the chosen figure",
                        )
                    )
    return issues


def _ownership_thresholds(rulebook: Rulebook) -> list[LintIssue]:
    """A rule reading `buyer.listed_owner_share` against another share than rulebook.yaml's `affiliates.share`
    (the share ownership is computed with, through chains of owners) would answer with two thresholds at once."""
    if rulebook.affiliates is None:
        return []
    share = rulebook.affiliates.share
    issues = []
    for rule_id in sorted(rulebook.rules):
        for node in c.walk(rulebook.conditions[rule_id]):
            if isinstance(node, c.Compare) and node.fact == "buyer.listed_owner_share" and node.value != share:
                issues.append(
                    _issue(
                        Severity.ERROR,
                        "ownership-threshold",
                        _where(rulebook, rule_id),
                        f"compares buyer.listed_owner_share with {node.value}, but rulebook.yaml's affiliates.share, "
                        f"with which ownership through chains of owners is computed, is {share}",
                    )
                )
    return issues
