"""The Rulebook: the loaded rules and catalogs, name resolution, and `evaluate(order)`."""

from __future__ import annotations

import bisect
import datetime as dt
import gc
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from . import loader
from .chips import Chip, ChipRecord
from .conditions import facts_used
from .countries import Country, CountryGroup
from .errors import InputError, unknown_name
from .facts import ResolvedOrder, build_facts
from .files import Coverage, ExcludedDestinations
from .order import Order
from .parties import Party, PartyRecord
from .resources import bundled_rulesets
from .rules import Kind, Rule, Status
from .sources import Citation, CitationSpec, Source, SourceKind
from .verdict import LegalBasisView, Verdict


class Rulebook:
    """All rule sets and catalogs, loaded and cross-checked together. Build one with `load_rulebook()`."""

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
        self._chip_names = _name_index(
            (c.id, [c.id, c.name, *c.aliases, f"{c.vendor} {c.name}"]) for c in loaded.chips.values()
        )
        self._party_names = _name_index((p.id, [p.id, p.name, *p.aliases]) for p in loaded.parties.values())
        self._country_names = _name_index((c.code, [c.code, c.name, *c.aliases]) for c in loaded.countries.values())
        self._citations = {rule.id: [self.cite(spec) for spec in rule.citations] for rule in self.rules.values()}
        self._legal_basis = {rule.id: self._legal_basis_view(rule) for rule in self.rules.values()}
        from .decision import finding_fields

        self.finding_fields = {rule.id: finding_fields(self, rule) for rule in self.rules.values()}
        self._memberships = self._index_memberships()
        self._rule_bounds = sorted({r.effective for r in self.rules.values()} | {r.until for r in self.rules.values() if r.until})
        self._rules_by_slot: dict[tuple, list[Rule]] = {}
        self._party_from_record = lru_cache(maxsize=None)(self._party_view)
        self._chip_view = lru_cache(maxsize=None)(lambda chip_id: self.chips[chip_id].to_chip())
        self._engines: dict[str, object] = {}
        from .engines import ENGINES, UNAVAILABLE

        if "durable" in ENGINES and "durable" not in UNAVAILABLE:  # compile now: a rule durable_rules
            self.engine("durable")  # cannot express is a load-time error, not a surprise at the first order

    def __repr__(self) -> str:
        return f"<Rulebook {self.name!r}: {len(self.rules)} rules, hash {self.hash[:12]}>"

    # ------------------------------------------------------------------------------ look-ups

    def chip(self, name: str) -> ChipRecord:
        """A catalog chip by id, name or alias (case-insensitive); InputError with close matches if unknown."""
        key = _norm(name)
        if key not in self._chip_names:
            raise unknown_name("chip", name, sorted({c.name for c in self.chips.values()} | _aliases(self.chips)))
        return self.chips[self._chip_names[key]]

    def party(self, name: str) -> PartyRecord:
        """A catalog party by id, name or alias (case-insensitive); InputError with close matches if unknown."""
        party_id = self._party_id(name)
        if party_id is None:
            raise unknown_name("party", name, sorted({p.name for p in self.parties.values()} | _aliases(self.parties)))
        return self.parties[party_id]

    def _party_id(self, name: str) -> str | None:
        """The catalog id of a party named by id, name or alias; None when there is none (no search)."""
        return self._party_names.get(_norm(name))

    def country(self, name: str) -> Country:
        """A country by ISO 3166 alpha-2 code or name (case-insensitive)."""
        key = _norm(name)
        if key not in self._country_names:
            raise unknown_name(
                "country", name, sorted({c.code for c in self.countries.values()} | {c.name for c in self.countries.values()})
            )
        return self.countries[self._country_names[key]]

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
            if all(m.since is None and m.until is None for m in members):
                index[code] = frozenset(g.id for g in self.groups.values() if any(m.country == code for m in g.members))
            else:
                index[code] = [(g.id, m) for g in self.groups.values() for m in g.members if m.country == code]
        return index

    def groups_on(self, code: str, day: dt.date) -> frozenset[str]:
        """EAR groups a country belongs to on a day (Hong Kong counts as China once the EAR treats it so)."""
        country = self.countries.get(code)
        if country is not None and country.ear_treated_as and country.ear_treated_as.since <= day:
            code = country.ear_treated_as.country
        groups = self._memberships.get(code, frozenset())
        if isinstance(groups, frozenset):
            return groups
        return frozenset(group_id for group_id, member in groups if member.active_on(day))

    def ear_destination(self, code: str, day: dt.date) -> str:
        country = self.countries[code]
        if country.ear_treated_as and country.ear_treated_as.since <= day:
            return country.ear_treated_as.country
        return code

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

    # ------------------------------------------------------------------------------ resolution

    def resolve(self, order: Order) -> ResolvedOrder:
        """Resolve an order's names against the catalogs; InputError (with close matches) for bad input."""
        if not isinstance(order, Order):
            raise InputError(f"expected a chipcontrol Order, got {type(order).__name__}")
        buyer = self._party(order.buyer)
        chip = self._chip(order.item) if order.item is not None else None
        if chip is None and order.kind not in (Kind.INVESTMENT, Kind.CLOUD_ACCESS):
            raise InputError(f"an order of kind {order.kind.value!r} needs an item (a chip)")
        if order.seller is not None:
            seller = self._party(order.seller)
        elif chip is not None:
            seller = self._vendor_party(chip.vendor)
        else:
            seller = None
        if order.destination is not None:
            destination = self.country(order.destination).code
        elif buyer.headquarters is not None:
            destination = buyer.headquarters
        else:
            raise InputError(f"no destination given and the headquarters of {buyer.name!r} is unknown")
        return ResolvedOrder(
            chip=chip,
            buyer=buyer,
            seller=seller,
            destination=destination,
            ear_destination=self.ear_destination(destination, order.date),
            date=order.date,
            kind=order.kind,
            claims=frozenset(order.claims),
        )

    def _chip(self, item: str | Chip) -> Chip:
        if isinstance(item, Chip):
            update: dict = {}
            vendor_id = self._party_id(item.vendor)  # an unknown vendor is fine: no error, no search
            vendor = self.parties[vendor_id] if vendor_id else None
            if vendor is not None:
                update["vendor"] = vendor.id
                presumed = self._loaded.manifest.presumptions.subject_to_ear_vendor_headquarters
                if item.subject_to_ear is None and vendor.headquarters.country in presumed:
                    update["subject_to_ear"] = True
            return item.model_copy(update=update)
        return self._chip_view(self.chip(item).id)

    def _party(self, who: str | Party) -> Party:
        if isinstance(who, Party):
            if who.headquarters is not None:
                self.country(who.headquarters)
            return who
        record = self.party(who)
        return self._party_from_record(record.id)

    def _party_view(self, party_id: str) -> Party:
        record = self.parties[party_id]
        top = record
        seen = {top.id}
        while top.parent and top.parent not in seen:
            seen.add(top.parent)
            top = self.parties[top.parent]
        profile = record.outbound
        return Party(
            id=record.id,
            name=record.name,
            headquarters=record.headquarters.country,
            ultimate_parent_headquarters=top.headquarters.country,
            lists=record.lists,
            ai_training_compute_ops=profile.ai_training_compute_ops.value,
            ai_military_intelligence_surveillance=profile.ai_military_intelligence_surveillance.value,
            designs_3a090a_ics=profile.designs_3a090a_ics.value,
            other_semiconductor_activity=profile.other_semiconductor_activity.value,
            quantum=profile.quantum.value,
        )

    def _vendor_party(self, vendor: str) -> Party:
        vendor_id = self._party_id(vendor)
        return self._party_from_record(vendor_id) if vendor_id else Party(name=vendor)

    # ------------------------------------------------------------------------------ evaluation

    def engine(self, name: str | None = None):
        """The evaluation engine called `name` (None: the default engine) for this rulebook."""
        from .engines import get_engine

        return get_engine(self, name)

    def evaluate(self, order: Order, engine: str | None = None) -> Verdict:
        """Was this order legal? The verdict with the deciding rules and their citations."""
        from .decision import decide

        resolved = self.resolve(order)
        coverage_verdict = self._coverage_verdict(resolved)
        runner = self.engine(engine)
        if coverage_verdict is not None:
            return coverage_verdict(runner.name)
        facts = build_facts(resolved, self.groups_on)
        in_force = self.rules_on(resolved.date, resolved.kind)
        advisory = self.rules_on(resolved.date, resolved.kind, (Status.PROPOSED, Status.REPORTED))
        results = runner.evaluate([r.id for r in in_force + advisory], facts)
        return decide(self, resolved, facts, in_force, advisory, results, runner.name)

    def timeline(self, order: Order, start: dt.date | str, end: dt.date | str, engine: str | None = None):
        """The order's legality over [start, end): segments of constant verdict and the rule changes between them."""
        from .timeline import build_timeline

        return build_timeline(self, order, _day(start, "start"), _day(end, "end"), engine=engine)

    def evaluate_many(self, orders, engine: str | None = None) -> list[Verdict]:
        """Evaluate many orders, in order (an audit of an order book, a notebook table).

        The cycle collector is paused for the batch: verdicts hold no reference cycles, and collecting while
        thousands of them are built costs more than the evaluations themselves (measured: about 2x).
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return [self.evaluate(order, engine=engine) for order in orders]
        finally:
            if was_enabled:
                gc.enable()

    def _coverage_verdict(self, resolved: ResolvedOrder):
        from .decision import out_of_coverage

        cov = self.coverage
        if not cov.start <= resolved.date < cov.until:
            last = cov.until - dt.timedelta(days=1)
            reason = f"{resolved.date} is outside the rulebook's coverage ({cov.start} to {last})"
            return lambda engine: out_of_coverage(self, resolved, reason, [], engine)
        if resolved.kind not in cov.kinds:
            kinds = ", ".join(k.value for k in cov.kinds)
            reason = f"the rulebook does not yet speak for orders of kind {resolved.kind.value!r} (it covers {kinds})"
            return lambda engine: out_of_coverage(self, resolved, reason, [], engine)
        buyer_hq = resolved.buyer.headquarters
        excluded = self.excluded_destination(resolved.destination, resolved.ear_destination, buyer_hq)
        if excluded is not None:
            hit = next(c for c in (resolved.destination, resolved.ear_destination, buyer_hq) if c in excluded.countries)
            role = "destination" if hit in (resolved.destination, resolved.ear_destination) else "buyer headquarters"
            reason = f"{role} {hit} ({self.countries[hit].name}): {excluded.reason}"
            citations = [self.cite(spec) for spec in excluded.citations]
            return lambda engine: out_of_coverage(self, resolved, reason, citations, engine)
        return None


def load_rulebook(path: str | Path | None = None, *, seeds: str | Path | None = None) -> Rulebook:
    """Load the bundled rulesets (or the rulesets folder at `path`), checking everything on load."""
    return Rulebook(loader.load(Path(path) if path else bundled_rulesets(), seeds=seeds))


def _day(value: dt.date | str, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"bad {what}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _norm(name: str) -> str:
    return " ".join(str(name).lower().replace("_", " ").split())


def _name_index(entries) -> dict[str, str]:
    index: dict[str, str] = {}
    for ident, names in entries:
        for name in names:
            index.setdefault(_norm(name), ident)
    return index


def _aliases(records: dict) -> set[str]:
    return {alias for record in records.values() for alias in record.aliases}


def order_from(**fields) -> Order:
    """Build an Order, turning pydantic's validation errors into one-line InputErrors."""
    try:
        return Order(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "order"
        raise InputError(f"bad {where}: {first['msg'].removeprefix('Value error, ')}") from None
