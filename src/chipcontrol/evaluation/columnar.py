"""Screen an order book column by column: the verdict row `evaluate` gives each order, computed once per
distinct thing instead of once per row (design.md §8: columns in, masks through, columns out).

1. Every column is dictionary-encoded (columns.py): each distinct item, buyer, seller, country, claim list, kind
   and date is resolved once, by the resolver's own steps (resolution.py), and its facts built once (facts.py).
2. Each entity (the chip, the buyer on a date, its headquarters on a date, the destination on a date, ...) is
   reduced to a class: two values are in one class when every test of every rule condition on their facts
   gives the same result (true, false or unknown).
3. Rules are grouped by the entities their conditions read; each combination of classes that occurs in the
   book is evaluated once per group (conditions.evaluate, the reference semantics) and gathered to the rows.
4. Rows with the same rule results and the same context (date slot, kind, resolution notes, coverage) form a
   pattern; the first row of each pattern is evaluated by the pipeline (`pipeline.evaluate`, with the engine
   asked for) and every row of the pattern gets its verdict row.

Rows that cannot be resolved (their error message is what `evaluate` raises) and rows in a contested-date
window are evaluated one by one, once per distinct row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyarrow as pa

from ..conditions import TESTS, Expr, groups_key, walk
from ..conditions import evaluate as evaluate_condition
from ..engines import get_engine
from ..errors import InputError
from ..facts import buyer_facts, chip_facts, seller_facts
from ..order import Order
from ..order_table import BUYER_COLUMNS, CHIP_COLUMNS, buyer_of_row, claims_of, item_of_row, order_of_row, quantity_of
from ..rulebook_data import RulebookData
from ..rules import ADVISORY_STATUSES, Kind, Posture
from .columns import combine, encode, factorize, first_rows
from .pipeline import evaluate
from .rows import error_row, verdict_row

#: The entity of an order that provides each fact; country facts are read on a date (their groups change).
ENTITY_OF_FACT = {
    **{f: "chip" for f in ("chip.id", "chip.vendor", "chip.tpp", "chip.performance_density", "chip.io_bidirectional_gbps",
                            "chip.die_area_mm2", "chip.memory_bandwidth_gbps", "chip.datacenter", "chip.subject_to_ear")},
    **{f: "buyer" for f in ("buyer.id", "buyer.entity_listed", "buyer.listed_owner_share", "buyer.ai_training_compute_log10_ops",
                             "buyer.ai_military_intelligence_surveillance", "buyer.designs_3a090a_ics",
                             "buyer.other_semiconductor_activity", "buyer.quantum")},
    "buyer.headquarters": "buyer_hq",
    "buyer.ultimate_parent_headquarters": "buyer_parent",
    "seller.id": "seller",
    "seller.headquarters": "seller_hq",
    "destination": "destination",
    "order.origin": "origin",
    "order.kind": "kind",
    "order.claims": "claims",
}
_DAY0 = dt.date(2000, 1, 1)  # any valid date, to check one field of an Order on its own
_KINDS = list(Kind)


# ------------------------------------------------------------------------------------------ the plan


@dataclass
class Plan:
    """What screening needs of a rulebook, computed once per rulebook: the tests on each fact, the rules
    grouped by the entities they read, the dates on which anything can change."""

    tests: dict[str, list[Expr]]  # fact -> the distinct tests on it
    groups: list[tuple[tuple[str, ...], list[str]]]  # (entities read, rule ids)
    breaks: np.ndarray  # ordinals of every date anything may change, sorted
    group_breaks: np.ndarray  # ordinals of the dates a country's groups (or EAR treatment) may change
    contested: list[tuple[str, int, int]]  # (country, first ordinal, end ordinal) of contested readings
    countries: list[str]
    country_index: dict[str, int]
    country_classes: dict[str, tuple[np.ndarray, list[dict]]] = field(default_factory=dict)  # fact -> (country x gslot, reps)


def plan_for(rulebook: RulebookData) -> Plan:
    caches = rulebook.caches()
    plan = caches.screen_plan
    if plan is None:
        plan = caches.screen_plan = _make_plan(rulebook)
    return plan


def _make_plan(rulebook: RulebookData) -> Plan:
    tests: dict[str, list[Expr]] = {}
    groups: dict[tuple[str, ...], list[str]] = {}
    for rule_id, expr in sorted(rulebook.conditions.items()):
        for node in walk(expr):
            if isinstance(node, TESTS) and node not in tests.setdefault(node.fact, []):
                tests[node.fact].append(node)
        entities = tuple(sorted({ENTITY_OF_FACT[f] for f in rulebook.facts_used[rule_id]}))
        groups.setdefault(entities, []).append(rule_id)
    cov = rulebook.coverage
    dates = {cov.start, cov.until, cov.last_encoded, *(d for d in (cov.provisional_until,) if d)}
    for rule in rulebook.rules.values():
        dates.update(d for d in (rule.effective, rule.until) if d)
    for party in rulebook.parties.values():
        dates.update(d for e in party.lists for d in (e.added, e.removed) if d)
    group_dates: set[dt.date] = set()
    contested = []
    for group in rulebook.groups.values():
        for member in group.members:
            c = member.contested
            group_dates.update(d for d in (member.since, member.until, *((c.since, c.until) if c else ())) if d)
            window = member.contested_window()
            if window:
                contested.append((member.country, window[0].toordinal(), window[1].toordinal()))
    group_dates.update(c.ear_treated_as.since for c in rulebook.countries.values() if c.ear_treated_as)
    countries = sorted(rulebook.countries)
    return Plan(
        tests=tests,
        groups=sorted(groups.items()),
        breaks=np.array(sorted(d.toordinal() for d in dates | group_dates), np.int64),
        group_breaks=np.array(sorted(d.toordinal() for d in group_dates), np.int64),
        contested=contested,
        countries=countries,
        country_index={c: i for i, c in enumerate(countries)},
    )


def _slot_day(breaks: np.ndarray, slot: int) -> dt.date:
    """The first day of a slot between `breaks` (ordinals)."""
    return dt.date.fromordinal(int(breaks[slot - 1])) if slot else dt.date.min


def _country_classes(rulebook: RulebookData, plan: Plan, fact: str) -> tuple[np.ndarray, list[dict]]:
    """The class of every country (and of None, last) as the value of `fact`, per group slot: a table
    country x group slot, and a representative's facts per class."""
    found = plan.country_classes.get(fact)
    if found is None:
        n_g = len(plan.group_breaks) + 1
        classes = _Classes(plan, (fact,))
        table = np.empty((len(plan.countries) + 1, n_g), np.int32)
        for g in range(n_g):
            day = _slot_day(plan.group_breaks, g)
            for i, code in enumerate([*plan.countries, None]):
                facts: dict[str, Any] = {fact: code}
                if code is not None:
                    facts[groups_key(fact)] = rulebook.groups_on(code, day)
                table[i, g] = classes.of(facts)
        found = plan.country_classes[fact] = (table, classes.reps)
    return found


# ------------------------------------------------------------------------------------------ entities


@dataclass
class Entity:
    """Per row, the class of one entity of the order (for the conditions) and a representative's facts."""

    classes: np.ndarray
    reps: list[dict[str, Any]]


class _Classes:
    """Distinct test signatures -> class numbers, with the facts of the first value of each."""

    def __init__(self, plan: Plan, facts_of_entity: tuple[str, ...]):
        self.tests = [(f, t) for f in facts_of_entity for t in plan.tests.get(f, ())]
        self.index: dict[tuple, int] = {}
        self.reps: list[dict[str, Any]] = []

    def of(self, facts: dict[str, Any]) -> int:
        signature = tuple(evaluate_condition(t, facts) for _, t in self.tests)
        cls = self.index.get(signature)
        if cls is None:
            cls = self.index[signature] = len(self.reps)
            self.reps.append(facts)
        return cls


def _facts_of(entity: str) -> tuple[str, ...]:
    return tuple(f for f, e in ENTITY_OF_FACT.items() if e == entity)


def _valid(**field_value: Any) -> bool:
    """Whether an Order accepts this one field's value (each field is checked on its own)."""
    try:
        Order(**{"buyer": "x", "date": _DAY0, **field_value})
    except InputError:
        return False
    return True


# ------------------------------------------------------------------------------------------ screening


def screen_table(
    rulebook: RulebookData, table: pa.Table, engine: str | None, posture: Posture, provisional: bool
) -> tuple[np.ndarray, list[tuple]]:
    """For each row, the index of its verdict row in the returned list of distinct verdict rows."""
    rows = table.num_rows
    if rows == 0:
        return np.zeros(0, np.int32), []
    plan = plan_for(rulebook)
    resolver = rulebook.resolver
    col = {name: encode(table, name) for name in
           ("item", "buyer", "destination", "date", "kind", "origin", "seller", "claims", "quantity", *CHIP_COLUMNS, *BUYER_COLUMNS)}
    bad = np.zeros(rows, bool)

    # dates: ordinal, slot, group slot, coverage
    dates = col["date"]
    ordinal = np.zeros(dates.size, np.int64)
    date_ok = np.zeros(dates.size, bool)
    for i, value in enumerate(dates.values):
        if _valid(date=value):
            ordinal[i] = Order(buyer="x", date=value).date.toordinal()
            date_ok[i] = True
    cov = rulebook.coverage
    until = (cov.last_encoded if provisional else cov.until).toordinal()
    covered = date_ok & (ordinal >= cov.start.toordinal()) & (ordinal < until)
    slot_of = np.searchsorted(plan.breaks, ordinal, side="right").astype(np.int32)
    gslot_of = np.searchsorted(plan.group_breaks, ordinal, side="right").astype(np.int32)
    n_slots, n_gslots = len(plan.breaks) + 1, len(plan.group_breaks) + 1
    bad |= ~date_ok[dates.codes]
    row_slot = slot_of[dates.codes]
    row_gslot = gslot_of[dates.codes]

    # kinds and quantities
    kinds = col["kind"]
    kind_of = np.zeros(kinds.size, np.int32)
    for i, value in enumerate(kinds.values):
        if value is None:
            kind_of[i] = _KINDS.index(Kind.EXPORT)
        elif _valid(kind=value):
            kind_of[i] = _KINDS.index(Order(buyer="x", date=_DAY0, kind=value).kind)
        else:
            kind_of[i] = -1
    row_kind = kind_of[kinds.codes]
    bad |= row_kind < 0
    row_kind = np.maximum(row_kind, 0)
    quantities = col["quantity"]
    quantity_bad = np.array([v is not None and not _valid(quantity=quantity_of(v)) for v in quantities.values])
    bad |= quantity_bad[quantities.codes]
    quantity_given = np.array([v is not None for v in quantities.values])[quantities.codes]

    # claims
    claims = col["claims"]
    claim_sets: list[frozenset | None] = []
    for value in claims.values:
        try:
            listed = claims_of(value)
            claim_sets.append(frozenset(resolver.claim(c) for c in listed) if _valid(claims=listed) else None)
        except (InputError, TypeError):
            claim_sets.append(None)
    bad |= np.array([c is None for c in claim_sets])[claims.codes]
    claims_classes = _Classes(plan, ("order.claims",))
    claim_class = np.array([claims_classes.of({"order.claims": c if c is not None else frozenset()}) for c in claim_sets], np.int32)
    claims_entity = Entity(claim_class[claims.codes], claims_classes.reps)

    # items: the chip each distinct item (with its inline figures) stands for
    item_cols = ["item", *CHIP_COLUMNS]
    item_idx, n_items = combine([(col[c].codes, col[c].size) for c in item_cols])
    item_first = first_rows(item_idx, n_items)
    chips: list[Any] = []
    item_ok = np.zeros(n_items, bool)
    item_context: list[tuple] = []
    for e, row in enumerate(item_first):
        values = {c: col[c].values[col[c].codes[row]] for c in item_cols}
        notes: list = []
        try:
            item = item_of_row(values)
            if not _valid(item=item):
                raise InputError("bad item")
            chip = resolver.chip_of(item, notes) if item is not None else None
        except InputError:
            chips.append(None)
            item_context.append(())
            continue
        item_ok[e] = True
        chips.append(chip)
        disputed = tuple(rulebook.chips[chip.id].disputed_figures) if chip is not None and chip.id in rulebook.chips else ()
        item_context.append((tuple(n.kind for n in notes), disputed))
    chip_classes = _Classes(plan, _facts_of("chip"))
    chip_class = np.array([chip_classes.of(chip_facts(c)) for c in chips], np.int32)
    row_item_ok = item_ok[item_idx]
    bad |= ~row_item_ok
    needs_item = np.array([k not in (Kind.INVESTMENT, Kind.CLOUD_ACCESS) for k in _KINDS])
    bad |= np.array([c is None for c in chips])[item_idx] & needs_item[row_kind]
    chip_entity = Entity(chip_class[item_idx], chip_classes.reps)

    # buyers: each distinct buyer, then its state on each date slot where its list status may change
    buyer_cols = ["buyer", *BUYER_COLUMNS]
    buyer_idx, n_buyers = combine([(col[c].codes, col[c].size) for c in buyer_cols])
    buyer_first = first_rows(buyer_idx, n_buyers)
    whos: list[Any] = []
    buyer_ok = np.zeros(n_buyers, bool)
    dated = np.zeros(n_buyers, bool)
    buyer_hq = np.full(n_buyers, len(plan.countries), np.int32)  # None: last
    for e, row in enumerate(buyer_first):
        values = {c: col[c].values[col[c].codes[row]] for c in buyer_cols}
        try:
            who = buyer_of_row(values)
            if not _valid(buyer=who):
                raise InputError("bad buyer")
            party = resolver.party_of(who, "buyer", [])
        except InputError:
            whos.append(None)
            continue
        whos.append(who)
        buyer_ok[e] = True
        catalog = party.id in rulebook.parties
        dated[e] = catalog or party.lists is not None or bool(party.owners) or bool(resolver.screen._candidates(party.name))
        if party.headquarters is not None:
            buyer_hq[e] = plan.country_index[party.headquarters]
    bad |= ~buyer_ok[buyer_idx]
    state_key = buyer_idx.astype(np.int64) * n_slots + row_slot * dated[buyer_idx]
    bstate, n_states = factorize(state_key)
    state_first = first_rows(bstate, n_states)
    buyer_classes = _Classes(plan, _facts_of("buyer"))
    state_class = np.zeros(n_states, np.int32)
    state_context: list[tuple] = []
    state_hq = np.full(n_states, len(plan.countries), np.int32)
    state_parent = np.full(n_states, len(plan.countries), np.int32)
    for s, row in enumerate(state_first):
        e = buyer_idx[row]
        if not buyer_ok[e]:
            state_context.append(("bad",))
            continue
        day = _slot_day(plan.breaks, int(row_slot[row]))  # the buyer's state is the same all through the slot
        notes: list = []
        unknown: set[str] = set()
        party = resolver.buyer(whos[e], day, notes, unknown)
        ownership = resolver.ownership.listed_share(party, day)
        flags: list = []
        resolver.note_red_flags(party, ownership.red_flags, flags)
        facts = buyer_facts(party, day, ownership.share, frozenset(unknown))
        state_class[s] = buyer_classes.of(facts)
        state_context.append((tuple(n.kind for n in notes), tuple(n.kind for n in flags), bool(unknown)))
        state_hq[s] = buyer_hq[e]
        if party.ultimate_parent_headquarters is not None:
            state_parent[s] = plan.country_index[party.ultimate_parent_headquarters]
    buyer_entity = Entity(state_class[bstate], buyer_classes.reps)
    row_hq = state_hq[bstate]
    row_parent = state_parent[bstate]

    # sellers: as given, else the chip's vendor
    sellers = col["seller"]
    none_seller = sellers.values.index(None) if None in sellers.values else -1
    seller_key = np.where(sellers.codes == none_seller, sellers.size + item_idx, sellers.codes).astype(np.int64)
    seller_idx, n_sellers = factorize(seller_key)
    seller_first = first_rows(seller_idx, n_sellers)
    seller_classes = _Classes(plan, _facts_of("seller"))
    seller_class = np.zeros(n_sellers, np.int32)
    seller_ok = np.ones(n_sellers, bool)
    seller_hq = np.full(n_sellers, len(plan.countries), np.int32)
    seller_context: list[tuple] = []
    for e, row in enumerate(seller_first):
        given = sellers.values[sellers.codes[row]]
        notes = []
        try:
            if given is not None and not _valid(seller=given):
                raise InputError("bad seller")
            seller = resolver.seller(given, chips[item_idx[row]], notes)
        except InputError:
            seller_ok[e] = False
            seller_context.append(())
            continue
        facts = seller_facts(seller)
        seller_class[e] = seller_classes.of(facts)
        seller_context.append(tuple(n.kind for n in notes))
        if seller is not None and seller.headquarters is not None:
            seller_hq[e] = plan.country_index[seller.headquarters]
    bad |= ~seller_ok[seller_idx]
    seller_entity = Entity(seller_class[seller_idx], seller_classes.reps)

    # places: destination (given, else the buyer's headquarters) and origin, checked against the kind
    dests, origins = col["destination"], col["origin"]
    none_dest = dests.values.index(None) if None in dests.values else -1
    default_hq = np.where(dests.codes == none_dest, row_hq + 1, 0)
    geo_idx, n_geo = combine([(row_kind, len(_KINDS)), (dests.codes, dests.size), (origins.codes, origins.size),
                              (default_hq, len(plan.countries) + 2)])
    geo_first = first_rows(geo_idx, n_geo)
    geo_ok = np.zeros(n_geo, bool)
    geo_dest = np.zeros(n_geo, np.int32)
    geo_origin = np.full(n_geo, len(plan.countries), np.int32)
    for e, row in enumerate(geo_first):
        kind = _KINDS[row_kind[row]]
        given_dest, given_origin = dests.values[dests.codes[row]], origins.values[origins.codes[row]]
        hq = plan.countries[row_hq[row]] if row_hq[row] < len(plan.countries) else None
        try:
            if not _valid(destination=given_dest) or not _valid(origin=given_origin):
                raise InputError("bad place")
            destination = resolver.destination(given_dest, kind, SimpleNamespace(headquarters=hq, name=""))
            origin = resolver.origin(given_origin, kind, destination)
        except InputError:
            continue
        geo_ok[e] = True
        geo_dest[e] = plan.country_index[destination]
        if origin is not None:
            geo_origin[e] = plan.country_index[origin]
    bad |= ~geo_ok[geo_idx]
    row_dest = geo_dest[geo_idx]
    row_origin = geo_origin[geo_idx]

    # the destination as the EAR treats it, per group slot
    n_c = len(plan.countries) + 1
    ear_table = np.zeros((len(plan.countries), n_gslots), np.int32)
    for g in range(n_gslots):
        day = _slot_day(plan.group_breaks, g)
        for i, code in enumerate(plan.countries):
            ear_table[i, g] = plan.country_index[resolver.ear_destination(code, day)]
    row_ear = ear_table[row_dest, row_gslot]

    def country_entity(fact: str, codes: np.ndarray) -> Entity:
        table, reps = _country_classes(rulebook, plan, fact)
        return Entity(table[codes, row_gslot], reps)

    entities = {
        "chip": chip_entity,
        "buyer": buyer_entity,
        "buyer_hq": country_entity("buyer.headquarters", row_hq),
        "buyer_parent": country_entity("buyer.ultimate_parent_headquarters", row_parent),
        "seller": seller_entity,
        "seller_hq": country_entity("seller.headquarters", seller_hq[seller_idx]),
        "destination": country_entity("destination", row_ear),
        "origin": country_entity("order.origin", row_origin),
        "kind": _kind_entity(plan, row_kind),
        "claims": claims_entity,
    }

    # rule results, one group of rules (by the entities they read) at a time
    parts: list[tuple[np.ndarray, int]] = []
    # which rules are asked: those valid on the row's date slot for its kind (none out of coverage)
    asked_sets, asked_of = _asked(rulebook, plan, n_slots)
    excluded_row = _excluded(cov, plan, row_dest, row_ear, row_hq) >= 0
    in_coverage = covered[dates.codes] & np.isin(row_kind, [_KINDS.index(k) for k in cov.kinds]) & ~excluded_row
    row_asked = np.where(in_coverage, asked_of[row_slot, row_kind], 0)
    for names, rule_ids in plan.groups:
        # each distinct combination of the classes read: every rule's result, asked or not
        raw: dict[tuple, int] = {}
        if names:
            combo, n_combo = combine([(entities[n].classes, len(entities[n].reps)) for n in names])
            raw_of = np.empty(n_combo, np.int32)
            for k, row in enumerate(first_rows(combo, n_combo)):
                facts: dict[str, Any] = {}
                for n in names:
                    c = entities[n].classes[row]
                    if c < len(entities[n].reps):  # else a row in error, answered one by one
                        facts.update(entities[n].reps[c])
                raw_of[k] = raw.setdefault(tuple(_result(rulebook, r, facts) for r in rule_ids), len(raw))
            row_raw = raw_of[combo]
        else:
            raw[tuple(_result(rulebook, r, {}) for r in rule_ids)] = 0
            row_raw = np.zeros(rows, np.int32)
        # then, per distinct (results, rules asked): what reaches the verdict
        raws = list(raw)
        pair, n_pair = combine([(row_raw, len(raws)), (row_asked, len(asked_sets))])
        results: dict[tuple, int] = {}
        result_of = np.empty(n_pair, np.int32)
        for k, row in enumerate(first_rows(pair, n_pair)):
            asked = asked_sets[row_asked[row]]
            found = raws[row_raw[row]]
            signature = tuple(result if r in asked else False for r, result in zip(rule_ids, found))
            result_of[k] = results.setdefault(signature, len(results))
        parts.append((result_of[pair], len(results)))

    # the context. Out of coverage, the verdict depends only on why: the date (its reason names it), the kind
    # or the excluded country. In coverage: the rules asked (the slot and kind), whether past the verified
    # horizon, the resolution notes, the destination's EAR treatment.
    row_covered = covered[dates.codes]
    kind_covered = np.isin(row_kind, [_KINDS.index(k) for k in cov.kinds])
    hit = _excluded(cov, plan, row_dest, row_ear, row_hq)
    item_ctx, n_item_ctx = _ids(item_context)
    state_ctx, n_state_ctx = _ids(state_context)
    seller_ctx, n_seller_ctx = _ids(seller_context)
    past_horizon = (ordinal >= cov.until.toordinal())[dates.codes]
    inside = in_coverage.astype(np.int32)
    parts = [(part * inside, n) for part, n in parts] + [
        (np.where(row_covered, 0, dates.codes + 1), dates.size + 1),
        (np.where(row_covered & ~kind_covered, row_kind + 1, 0), len(_KINDS) + 1),
        (np.where(row_covered & kind_covered, hit + 1, 0), 2 * n_c + 1),
        (past_horizon * inside, 2),
        (item_ctx[item_idx] * inside, n_item_ctx),
        (state_ctx[bstate] * inside, n_state_ctx),
        (seller_ctx[seller_idx] * inside, n_seller_ctx),
        ((row_ear != row_dest) * inside, 2),
        (quantity_given * inside, 2),
    ]
    pattern, n_patterns = combine(parts)

    # one by one: rows in error and rows in a contested-date window
    alone = bad.copy()
    day_row = ordinal[dates.codes]
    for code, start, end in plan.contested:
        if code not in plan.country_index:
            continue
        c = plan.country_index[code]
        window = (day_row >= start) & (day_row < end)
        alone |= window & ((row_ear == c) | (row_dest == c) | (row_hq == c) | (row_parent == c) | (row_origin == c)
                           | (seller_hq[seller_idx] == c))

    out_rows: list[tuple] = []
    answer = np.full(rows, -1, np.int32)
    options = {"engine": engine, "posture": posture, "provisional": provisional}

    def row_verdict(i: int) -> tuple:
        row = {name: codes.values[codes.codes[i]] for name, codes in col.items()}  # the row as to_pylist gives it
        try:
            return verdict_row(evaluate(rulebook, order_of_row(row), **options))
        except InputError as exc:
            return error_row(str(exc))

    pattern = np.where(alone, -1, pattern)
    first = _first_rows_masked(pattern, n_patterns)
    pattern_answer = np.full(n_patterns, -1, np.int32)
    for p, row in enumerate(first):
        if row < 0:
            continue
        verdict = row_verdict(row)
        if verdict[-1] is not None:  # resolution found what the columns did not: evaluate that pattern row by row
            alone |= pattern == p
            continue
        pattern_answer[p] = len(out_rows)
        out_rows.append(verdict)
    has_pattern = pattern >= 0
    answer[has_pattern] = pattern_answer[pattern[has_pattern]]
    singles = np.flatnonzero(alone | (answer < 0))
    if len(singles):
        key_parts = [(col[c].codes[singles], col[c].size) for c in col]
        distinct, n_distinct = combine(key_parts)
        seen = np.full(n_distinct, -1, np.int32)
        for j, i in enumerate(singles):
            if seen[distinct[j]] < 0:
                seen[distinct[j]] = len(out_rows)
                out_rows.append(row_verdict(i))
            answer[i] = seen[distinct[j]]
    return answer, out_rows


def _asked(rulebook: RulebookData, plan: Plan, n_slots: int) -> tuple[list[frozenset[str]], np.ndarray]:
    """The distinct sets of rules asked (in force or advisory, valid in the slot, for the kind): the sets, with
    the empty set first, and the set's number per slot and kind."""
    sets: dict[frozenset[str], int] = {frozenset(): 0}
    of = np.zeros((n_slots, len(_KINDS)), np.int32)
    for slot in range(n_slots):
        day = _slot_day(plan.breaks, slot)
        for k, kind in enumerate(_KINDS):
            asked = frozenset(r.id for r in rulebook.rules_on(day, kind) + rulebook.rules_on(day, kind, ADVISORY_STATUSES))
            of[slot, k] = sets.setdefault(asked, len(sets))
    return list(sets), of


def _excluded(cov, plan: Plan, row_dest: np.ndarray, row_ear: np.ndarray, row_hq: np.ndarray) -> np.ndarray:
    """Per row, the first of destination, EAR destination and buyer headquarters the rulebook excludes: its
    country number (the headquarters: plus the number of countries + 1), or -1."""
    n_c = len(plan.countries) + 1
    excluded = np.zeros(n_c, bool)
    for ex in cov.excluded_destinations:
        for code in ex.countries:
            if code in plan.country_index:
                excluded[plan.country_index[code]] = True
    return np.where(excluded[row_dest], row_dest, np.where(excluded[row_ear], row_ear, np.where(excluded[row_hq], n_c + row_hq, -1)))


def _result(rulebook: RulebookData, rule_id: str, facts: dict[str, Any]) -> Any:
    """What of a rule's result reaches a verdict row: whether it fired, or the unknown facts it needed (a rule
    that does not fire is in no finding, so it reads like one not asked)."""
    result = get_engine(rulebook, "reference").condition(rule_id)(facts)
    if result is None:
        return tuple(sorted(f for f in rulebook.facts_used[rule_id] if facts.get(f) is None))
    return result


def _ids(contexts: list[tuple]) -> tuple[np.ndarray, int]:
    index: dict[tuple, int] = {}
    return np.array([index.setdefault(c, len(index)) for c in contexts], np.int32), max(len(index), 1)


def _kind_entity(plan: Plan, row_kind: np.ndarray) -> Entity:
    classes = _Classes(plan, ("order.kind",))
    of = np.array([classes.of({"order.kind": k.value}) for k in _KINDS], np.int32)
    return Entity(of[row_kind], classes.reps)


def _first_rows_masked(pattern: np.ndarray, n: int) -> np.ndarray:
    """The first row of each pattern number (-1 for a number no row has); rows with -1 are skipped."""
    first = np.full(n, -1, np.int64)
    rows = np.flatnonzero(pattern >= 0)
    if len(rows):
        encoded = pa.array(pattern[rows]).dictionary_encode()  # numbered in order of first appearance
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        first[encoded.dictionary.to_numpy(zero_copy_only=False)] = rows[first_rows(codes, len(encoded.dictionary))]
    return first
