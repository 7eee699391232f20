"""The loaded rulebook as data: rules, catalogs, citations, and look-ups by name and by date (no evaluation here)."""

from __future__ import annotations

import bisect
import datetime as dt
from pathlib import Path
from typing import Any

from . import knowledge, loader
from .chips import ChipRecord
from .conditions import facts_used
from .countries import Country, CountryGroup, Membership
from .facts import ResolvedOrder
from .files import Coverage, ExcludedDestinations
from .names import BoundedCache
from .order import Order
from .parties import PartyRecord
from .resolution import Resolver
from .rules import Kind, Rule, Status
from .sources import Citation, CitationSpec, Source, SourceKind
from .verdict import LegalBasisView


class RulebookData:
    """All rule sets and catalogs, loaded and cross-checked together, with their look-ups (what evaluation reads).

    `Rulebook` (rulebook.py) adds the questions: evaluate, timeline, screen."""

    def __init__(self, loaded: loader.LoadedRules):
        self._loaded = loaded
        self.name = loaded.manifest.name
        self.coverage: Coverage = loaded.manifest.coverage
        self.hash: str = loaded.content_hash
        self.root: Path = loaded.root
        self.sources: dict[str, Source] = loaded.sources
        self.chips: dict[str, ChipRecord] = loaded.chips
        self.parties: dict[str, PartyRecord] = loaded.parties
        self.countries: dict[str, Country] = loaded.countries
        self.groups: dict[str, CountryGroup] = loaded.groups
        self.rules: dict[str, Rule] = loaded.rules
        self.conditions = loaded.conditions
        self.facts_used = {rule_id: frozenset(facts_used(expr)) for rule_id, expr in loaded.conditions.items()}
        self.rule_files = loaded.rule_files
        self.discrepancies = loaded.discrepancies
        self.affiliates = loaded.manifest.affiliates  # rulebook.yaml: the ownership share that makes an affiliate
        self.resolver = Resolver(
            loaded.chips, loaded.parties, loaded.countries, loaded.rules,
            loaded.manifest.presumptions.subject_to_ear_vendor_headquarters,
            loaded.systems,
            loaded.manifest.affiliates.share if loaded.manifest.affiliates else None,
        )
        self._citations = {rule.id: [self.cite(spec) for spec in rule.citations] for rule in self.rules.values()}
        self._legal_basis = {rule.id: self._legal_basis_view(rule) for rule in self.rules.values()}
        self.finding_fields = {rule.id: finding_fields(self, rule) for rule in self.rules.values()}
        self._memberships = self._index_memberships()
        self._contested = [  # the memberships whose dates the sources dispute, with the window between readings
            (group.id, member, window) for group in self.groups.values() for member in group.members
            if (window := member.contested_window())
        ]
        self._rule_bounds = sorted({r.effective for r in self.rules.values()} | {r.until for r in self.rules.values() if r.until})
        self._rules_by_slot: dict[tuple, list[Rule]] = {}
        self._engines: dict[str, object] = {}  # engines.get_engine builds each once
        self._caches: Caches | None = None
        self._knowledge_dates: list[dt.date] | None = None
        self._views: BoundedCache = BoundedCache(64)  # as_known_on: knowledge slot -> the view

    # ------------------------------------------------------------------------------ look-ups

    def chip(self, name: str) -> ChipRecord:
        """A catalog chip by id, name or alias (any case; 'Nvidia H20 96GB' too); InputError with close matches."""
        return self.resolver.chip(name)

    def party(self, name: str) -> PartyRecord:
        """A catalog party by id, name or alias (any case); InputError with close matches if unknown."""
        return self.resolver.party(name)

    def country(self, name: str) -> Country:
        """A country by ISO 3166 alpha-2 or alpha-3 code, English name or alias (any case); InputError if unknown."""
        return self.countries[self.resolver.country(name)]

    def cite(self, spec: CitationSpec) -> Citation:
        source = self.sources[spec.source]
        is_article = source.kind is SourceKind.ARTICLE
        return Citation(
            source_id=source.id,
            quote=spec.quote,
            english=spec.english,
            locator=spec.locator,
            kind=source.kind,
            title=source.title,
            publisher=source.publisher,
            published=source.published.value if source.published else None,
            official_citation=source.citation,
            url=source.url,
            file=f"seeds/{source.file}" if is_article else None,
            quote_checked=bool(is_article and spec.quote),
        )

    def citations_of(self, rule_id: str) -> list[Citation]:
        return self._citations[rule_id]

    def legal_basis_of(self, rule_id: str) -> LegalBasisView:
        return self._legal_basis[rule_id]

    def _legal_basis_view(self, rule: Rule) -> LegalBasisView:
        source = self.sources[rule.legal_basis.source]
        return LegalBasisView(
            provision=rule.legal_basis.provision,
            instrument=source.citation or source.title,
            source_id=source.id,
            title=source.title,
            note=rule.legal_basis.note,
        )

    def _index_memberships(self) -> dict[str, frozenset[str] | list]:
        """Per country: its groups (a frozenset) when membership never changes, else its dated memberships."""
        dated: dict[str, list] = {}
        for group in self.groups.values():
            for member in group.members:
                dated.setdefault(member.country, []).append(member)
        index: dict[str, frozenset[str] | list] = {}
        for code, members in dated.items():
            if all(m.since is None and m.until is None and m.contested is None for m in members):
                index[code] = frozenset(g.id for g in self.groups.values() if any(m.country == code for m in g.members))
            else:
                index[code] = [(g.id, m) for g in self.groups.values() for m in g.members if m.country == code]
        return index

    def groups_on(self, code: str, day: dt.date, other_reading: bool = False) -> frozenset[str]:
        """EAR groups a country belongs to on a day (Hong Kong counts as China once the EAR treats it so);
        `other_reading`: by the other reading of contested membership dates."""
        country = self.countries.get(code)
        if country is not None and country.ear_treated_as and country.ear_treated_as.since <= day:
            code = country.ear_treated_as.country
        groups = self._memberships.get(code, frozenset())
        if isinstance(groups, frozenset):
            return groups
        return frozenset(group_id for group_id, member in groups if member.active_on(day, other_reading))

    def contested_memberships(self, codes, day: dt.date) -> list[tuple[str, Membership]]:
        """(group id, membership) of the countries `codes` whose contested dates put `day` between two readings."""
        return [(group_id, member) for group_id, member, (first, end) in self._contested
                if member.country in codes and first <= day < end]

    # ------------------------------------------------------------------------------ rules by date

    def rules_on(self, day: dt.date, kind: Kind, statuses: tuple[Status, ...] = (Status.IN_FORCE,)) -> list[Rule]:
        """Rules with one of `statuses`, valid on `day`, that speak to orders of `kind` (sorted by id)."""
        slot = bisect.bisect_right(self._rule_bounds, day)  # the valid rules are the same all through a slot
        key = (slot, kind, statuses)
        rules = self._rules_by_slot.get(key)
        if rules is None:
            rules = self._rules_by_slot[key] = self._rules_on(day, kind, statuses)
        return rules

    def _rules_on(self, day: dt.date, kind: Kind, statuses: tuple[Status, ...]) -> list[Rule]:
        return [
            rule
            for rule_id, rule in sorted(self.rules.items())
            if rule.status in statuses and rule.valid_on(day) and kind in rule.kinds
        ]

    def excluded_destination(self, *codes: str | None) -> ExcludedDestinations | None:
        for excluded in self.coverage.excluded_destinations:
            if any(code in excluded.countries for code in codes if code):
                return excluded
        return None

    def caches(self) -> Caches:
        """What evaluation has worked out for this rulebook's rules and conditions. A copy of the rulebook with
        other rules or conditions (a what-if variant) gets caches of its own."""
        caches = self._caches
        if caches is None or caches.rules is not self.rules or caches.conditions is not self.conditions:
            caches = self._caches = Caches(self.rules, self.conditions)
        return caches

    # ------------------------------------------------------------------------------ what was known when

    def knowledge_dates(self) -> list[dt.date]:
        """The days on which what was public changed (knowledge.py), sorted."""
        if self._knowledge_dates is None:
            self._knowledge_dates = knowledge.knowledge_dates(self._loaded)
        return self._knowledge_dates

    def as_known_on(self, day: dt.date) -> RulebookData:
        """This rulebook as it was believed on `day`: only the rules, list entries and memberships public then
        (knowledge.py). A view of its own (own rules, caches and look-ups; the same hash, catalogs and engines,
        whose compiled conditions do not depend on what was known), built once per span between
        `knowledge_dates` and kept in a bounded cache."""
        slot = bisect.bisect_right(self.knowledge_dates(), day)
        view = self._views.get(slot)
        if view is None:
            view = RulebookData(knowledge.known_on(self._loaded, day))
            view._engines = self._engines  # conditions are by rule id and the same in every view
            self._views[slot] = view
        return view

    # ------------------------------------------------------------------------------ resolution

    def resolve(self, order: Order) -> ResolvedOrder:
        """Resolve an order's names against the catalogs; InputError (with close matches) for bad input."""
        return self.resolver.resolve(order)


class Caches:
    """Bounded caches of evaluation, valid for one set of rules and conditions."""

    def __init__(self, rules: dict, conditions: dict):
        self.rules, self.conditions = rules, conditions
        self.decisions: BoundedCache = BoundedCache(4_096)  # decision.decision_of: (rules, results) -> Decision
        self.results: BoundedCache = BoundedCache(4_096)  # evaluation.pipeline: (engine, rules, facts) -> results (a few KB each)
        self.screen_plan: Any = None  # evaluation/columnar.py: what screening needs of these rules, made once


def finding_fields(rulebook: RulebookData, rule: Rule) -> dict[str, Any]:
    """The parts of a rule's Finding that do not depend on the order (computed once per rulebook)."""
    return {
        "rule_id": rule.id,
        "title": rule.title,
        "effect": rule.effect,
        "explanation": rule.explanation.strip(),
        "citations": rulebook.citations_of(rule.id),
        "legal_basis": rulebook.legal_basis_of(rule.id),
        "effective": rule.effective,
        "until": rule.until,
        "exempts": list(rule.exempts),
        "confidence": rule.confidence,
        "note": rule.note,
    }
