"""The Rulebook: the loaded rules and catalogs, name resolution, and `evaluate(order)`."""

from __future__ import annotations

import bisect
import datetime as dt
import gc
from pathlib import Path

from . import loader
from .chips import ChipRecord
from .conditions import facts_used
from .countries import Country, CountryGroup, Membership
from .errors import InputError, unknown_name
from .facts import COUNTRY_FACTS, ResolvedOrder, build_facts
from .files import Coverage, ExcludedDestinations
from .order import Order
from .parties import PartyRecord
from .resources import bundled_rulesets
from .rules import ADVISORY_STATUSES, Kind, Posture, Rule, Status
from .provenance import iso_date
from .resolution import Resolver
from .sources import Citation, CitationSpec, Source, SourceKind
from .verdict import Advisory, AdvisoryKind, LegalBasisView, OrderError, Verdict


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
        self.resolver = Resolver(
            loaded.chips, loaded.parties, loaded.countries, loaded.rules,
            loaded.manifest.presumptions.subject_to_ear_vendor_headquarters,
            loaded.systems,
            loaded.manifest.affiliates.share if loaded.manifest.affiliates else None,
        )
        self._citations = {rule.id: [self.cite(spec) for spec in rule.citations] for rule in self.rules.values()}
        self._legal_basis = {rule.id: self._legal_basis_view(rule) for rule in self.rules.values()}
        from .decision import finding_fields

        self.finding_fields = {rule.id: finding_fields(self, rule) for rule in self.rules.values()}
        self._memberships = self._index_memberships()
        self._rule_bounds = sorted({r.effective for r in self.rules.values()} | {r.until for r in self.rules.values() if r.until})
        self._rules_by_slot: dict[tuple, list[Rule]] = {}
        self._engines: dict[str, object] = {}
        from .engines import ENGINES, UNAVAILABLE

        if "durable" in ENGINES and "durable" not in UNAVAILABLE:  # compile now: a rule durable_rules
            self.engine("durable")  # cannot express is a load-time error, not a surprise at the first order

    def __repr__(self) -> str:
        return f"<Rulebook {self.name!r}: {len(self.rules)} rules, hash {self.hash[:12]}>"

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
        out = []
        for group in self.groups.values():
            for member in group.members:
                window = member.contested_window()
                if member.country in codes and window and window[0] <= day < window[1]:
                    out.append((group.id, member))
        return out

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
        return self.resolver.resolve(order)

    # ------------------------------------------------------------------------------ evaluation

    def engine(self, name: str | None = None):
        """The evaluation engine called `name` (None: the default engine) for this rulebook."""
        from .engines import get_engine

        return get_engine(self, name)

    def evaluate(
        self, order: Order, engine: str | None = None, posture: Posture | str = Posture.ENFORCED, provisional: bool = False
    ) -> Verdict:
        """Was this order legal? The verdict with the deciding rules and their citations.

        `posture`: "enforced" (default) applies what the agency enforces, "codified" the text as codified; where
        they differ the verdict has a `posture` advisory with the other outcome (design.md §3, rule 13).
        `provisional=True` answers past the verified horizon, up to `coverage.provisional_until`, with the
        scheduled but unverified changes listed; the verdict is then marked `provisional`.
        """
        from .decision import decide, with_advisories

        posture = _posture(posture)
        resolved = self.resolve(order)
        runner = self.engine(engine)
        coverage_verdict = self._coverage_verdict(resolved, provisional)
        if coverage_verdict is not None:
            return with_advisories(coverage_verdict(runner.name), [], posture=posture)
        facts = build_facts(resolved, self.groups_on)
        applicable = self.rules_on(resolved.date, resolved.kind)
        advisory = self.rules_on(resolved.date, resolved.kind, ADVISORY_STATUSES)
        results = runner.evaluate([r.id for r in applicable + advisory], facts)
        chosen = [r for r in applicable if r.enforced or posture is Posture.CODIFIED]
        verdict = decide(self, resolved, facts, chosen, advisory, results, runner.name)
        extra = []
        if any(not r.enforced for r in applicable):  # the postures may disagree
            other = Posture.ENFORCED if posture is Posture.CODIFIED else Posture.CODIFIED
            alternative = [r for r in applicable if r.enforced or other is Posture.CODIFIED]
            extra += _posture_advisories(self, verdict, decide(self, resolved, facts, alternative, [], results, runner.name), other)
        extra += self._contested_advisories(resolved, facts, verdict, chosen, results, runner)
        if resolved.date >= self.coverage.until:
            extra.append(self._provisional_advisory(resolved.date))
        if not extra and posture is Posture.ENFORCED:
            return verdict
        return with_advisories(verdict, extra, posture=posture, provisional=resolved.date >= self.coverage.until)

    def _contested_advisories(self, resolved, facts, verdict, rules, results, runner) -> list[Advisory]:
        """Between two readings of a contested membership date: a `contested` advisory when the other reading
        answers differently (the verdict follows the encoded reading)."""
        from .decision import decide

        codes = {facts.get(name) for name in COUNTRY_FACTS} - {None}
        contested = self.contested_memberships(codes, resolved.date)
        if not contested:
            return []
        other_facts = build_facts(resolved, lambda code, day: self.groups_on(code, day, other_reading=True))
        other_results = runner.evaluate(list(results), other_facts)
        other = decide(self, resolved, other_facts, rules, [], other_results, runner.name)
        if (other.outcome, other.deciding_rule_ids) == (verdict.outcome, verdict.deciding_rule_ids):
            return []
        readings = "; ".join(_readings(group, m) for group, m in contested)
        deciding = ", ".join(other.deciding_rule_ids) or "no restricting rule"
        return [
            Advisory(
                kind=AdvisoryKind.CONTESTED,
                message=f"a contested date: {readings}. By the other reading the outcome would be "
                f"{other.outcome.value} ({deciding})",
                citations=[self.cite(CitationSpec(source=m.contested.source)) for _, m in contested],
            )
        ]

    def _provisional_advisory(self, day: dt.date) -> Advisory:
        """What is scheduled but unverified between the verified horizon and `day`."""
        horizon = self.coverage.until
        scheduled = sorted((r for r in self.rules.values() if horizon <= r.effective <= day), key=lambda r: (r.effective, r.id))
        listed = "; ".join(f"{r.id} from {r.effective} ({r.confidence.value})" for r in scheduled) or "none encoded"
        return Advisory(
            kind=AdvisoryKind.PROVISIONAL,
            message=f"provisional: {day} is past the verified horizon ({horizon - dt.timedelta(days=1)}); "
            f"scheduled but unverified changes since then: {listed}",
            citations=[c for r in scheduled for c in self.citations_of(r.id)],
        )

    def timeline(
        self,
        order: Order,
        start: dt.date | str,
        end: dt.date | str,
        engine: str | None = None,
        posture: Posture | str = Posture.ENFORCED,
        provisional: bool = False,
    ):
        """The order's legality over [start, end): segments of constant verdict and the rule changes between them."""
        from .timeline import build_timeline

        return build_timeline(
            self, order, _day(start, "start"), _day(end, "end"), engine=engine, posture=posture, provisional=provisional
        )

    def evaluate_many(self, orders, engine: str | None = None, errors: str = "raise") -> list[Verdict | OrderError]:
        """Evaluate many orders, in order (an audit of an order book, a notebook table).

        `errors="raise"`: the first order that cannot be evaluated raises an InputError naming its index.
        `errors="collect"`: every order is evaluated; one that cannot be has an `OrderError` (its index and
        the message) in its place. The cycle collector is paused for the batch: verdicts hold no reference
        cycles, and collecting while thousands of them are built costs more than the evaluations (about 2x).
        """
        if errors not in ("raise", "collect"):
            raise InputError(f"errors must be 'raise' or 'collect', not {errors!r}")
        self.engine(engine)  # an unknown engine is one error, not one per order
        out: list[Verdict | OrderError] = []
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for index, order in enumerate(orders):
                try:
                    out.append(self.evaluate(order, engine=engine))
                except InputError as exc:
                    if errors == "raise":
                        raise InputError(f"order {index}: {exc}") from None
                    out.append(OrderError(index=index, message=str(exc)))
            return out
        finally:
            if was_enabled:
                gc.enable()

    def _coverage_verdict(self, resolved: ResolvedOrder, provisional: bool = False):
        from .decision import out_of_coverage

        cov = self.coverage
        until = cov.last_encoded if provisional else cov.until
        if not cov.start <= resolved.date < until:
            last = until - dt.timedelta(days=1)
            reason = f"{resolved.date} is outside the rulebook's coverage ({cov.start} to {last}"
            if cov.provisional_until and not provisional and resolved.date < cov.provisional_until:
                reason += f"; provisional answers to {cov.provisional_until - dt.timedelta(days=1)} with provisional=True"
            reason += ")"
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


def _readings(group: str, member: Membership) -> str:
    """'KH left D:5 on 2025-11-07 (encoded) or on 2026-02-03: why' for a contested membership."""
    parts = []
    if member.contested.since:
        parts.append(f"joined {group} on {member.since} (encoded) or on {member.contested.since}")
    if member.contested.until:
        parts.append(f"left {group} on {member.until} (encoded) or on {member.contested.until}")
    return f"{member.country} {' and '.join(parts)}: {member.contested.note}"


def _posture(value: Posture | str) -> Posture:
    try:
        return Posture(value)
    except ValueError:
        raise unknown_name("posture", value, [p.value for p in Posture]) from None


def _posture_advisories(rulebook: Rulebook, verdict: Verdict, alternative: Verdict, other: Posture) -> list[Advisory]:
    """A `posture` advisory when the other posture gives another outcome or other deciding rules."""
    if (alternative.outcome, alternative.deciding_rule_ids) == (verdict.outcome, verdict.deciding_rule_ids):
        return []
    differing = sorted(set(alternative.deciding_rule_ids) ^ set(verdict.deciding_rule_ids))
    rules = ", ".join(
        f"{r} [{rulebook.rules[r].confidence.value}]" if r in differing else r for r in alternative.deciding_rule_ids
    ) or "no restricting rule"
    law = "the text as codified" if other is Posture.CODIFIED else "what the agency enforces"
    return [
        Advisory(
            kind=AdvisoryKind.POSTURE,
            message=f"under {law} (posture '{other.value}') the outcome would be {alternative.outcome.value} ({rules})",
            citations=[c for rule_id in differing for c in rulebook.citations_of(rule_id)],
        )
    ]


def _day(value: dt.date | str, what: str) -> dt.date:
    try:
        return iso_date(value)
    except ValueError as exc:
        raise InputError(f"bad {what}: {exc}") from None

