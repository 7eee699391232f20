"""Differential test: on the bundled rulebook, durable_rules and the reference evaluator give identical
verdicts for random orders.

Orders mix catalog chips (by name and alias) and inline chips whose figures are drawn at, just above and
just below every threshold the rules compare them with (read from the compiled rulebook, so new rules are
covered automatically), or None; catalog and inline buyers and sellers (with activities, training compute
and Entity List entries); every destination the rulebook knows (by code and by name) and some it does
not; dates before, across and after the coverage; every kind of order; known and unknown claims.

Examples per run: 1500 verdict comparisons (test_verdicts_are_identical), 500 engine-level comparisons of
every rule (test_every_rule_has_the_same_result), 300 of random subsets of the rules
(test_any_subset_of_rules_has_the_same_result), and an exhaustive sweep of catalog chips x buyers x
destinations x kinds x rule boundary dates.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.durable_compiler import compile_rulebook
from chipcontrol.durable_engine import AVAILABLE, IMPORT_ERROR
from chipcontrol.facts import build_facts
from chipcontrol.parties import ListEntry, ListName

pytestmark = pytest.mark.skipif(not AVAILABLE, reason=f"durable_rules_engine does not import here: {IMPORT_ERROR}")

RB = cc.load_rulebook()
COMPILED = compile_rulebook(RB.conditions)
THRESHOLDS = {spec.fact: spec.thresholds for spec in COMPILED.fields.values() if spec.kind == "number"}
STRING_LITERALS = {
    spec.fact: [lit for lit, _ in spec.codes] for spec in COMPILED.fields.values() if spec.kind == "code"
}
CLAIMS = sorted({spec.member for spec in COMPILED.fields.values() if spec.kind == "claim"})
COUNTRIES = sorted(RB.countries)
INSTRUMENTS = sorted(s.id for s in RB.sources.values() if s.kind.value == "instrument")
COVERAGE = RB.coverage


def around(values, *, low: float | None = None) -> st.SearchStrategy:
    """Numbers at, just above and just below each value, a little further off, or anything."""
    points = []
    for v in values:
        v = float(v)
        points += [v, math.nextafter(v, math.inf), math.nextafter(v, -math.inf), v + 0.1, v - 0.1, v * 1.001, v * 0.999]
    if low is not None:
        points = [p for p in points if p >= low]
    pool = st.sampled_from(points) if points else st.nothing()
    return st.one_of(
        st.none(), pool, pool, st.floats(min_value=low if low is not None else -1e6, max_value=1e6, allow_nan=False)
    )


def thresholds(fact: str) -> list:
    return list(THRESHOLDS.get(fact, ()))


def _pd_area(draw) -> tuple:
    """(performance_density, die_area) to give explicitly, or via the area, or neither."""
    how = draw(st.sampled_from(["none", "density", "area"]))
    if how == "density":
        return draw(around(thresholds("chip.performance_density"), low=0)), None
    if how == "area":
        return None, draw(st.one_of(st.none(), around([200, 600, 814, 1000, 5000], low=1)))
    return None, None


CHIP_NAMES = ["Inline GPU", "nvidia-h20", "amd-mi308", "huawei-ascend-910b", "Ünïcode “chip” $1", 'back\\slash "q"']


@st.composite
def inline_chips(draw):
    pd, area = _pd_area(draw)
    if area is not None and area <= 0:
        area = None
    vendor = draw(st.sampled_from(["NVIDIA", "nvidia", "AMD", "amd", "Huawei", "Intel", "Acme Semi", "unknown"]))
    tpp = draw(around(thresholds("chip.tpp"), low=0))
    fields = dict(
        name=draw(st.sampled_from(CHIP_NAMES) | st.text(min_size=1, max_size=12).filter(str.strip)),
        vendor=vendor,
        tpp=tpp,
        io_bidirectional_gbps=draw(around(thresholds("chip.io_bidirectional_gbps"), low=0)),
        die_area_mm2=area,
        datacenter=draw(st.none() | st.booleans()),
        memory_bandwidth_gbps=draw(around(thresholds("chip.memory_bandwidth_gbps"), low=0)),
        subject_to_ear=draw(st.none() | st.booleans()),
    )
    if pd is not None:
        fields["performance_density"] = pd
    if draw(st.integers(0, 4)) == 0:
        fields["id"] = draw(st.sampled_from(STRING_LITERALS.get("chip.id", ["x"])) | st.text(max_size=8))
    return cc.Chip(**fields)


@st.composite
def list_entries(draw):
    added = draw(st.dates(min_value=COVERAGE.start - dt.timedelta(days=500), max_value=COVERAGE.until))
    removed = draw(
        st.none() | st.dates(min_value=added + dt.timedelta(days=1), max_value=added + dt.timedelta(days=900))
    )
    return ListEntry(
        list=draw(st.sampled_from(list(ListName))),
        added=added,
        removed=removed,
        source=draw(st.sampled_from(INSTRUMENTS)),
        confidence=draw(st.sampled_from(list(ListEntry.model_fields["confidence"].annotation))),
    )


@st.composite
def inline_parties(draw):
    fields = dict(
        name=draw(
            st.sampled_from(["Inline Buyer", "Acme AI", "Lab “x”", "nvidia", "$and"]) | st.text(min_size=1, max_size=10).filter(str.strip)
        ),
        headquarters=draw(st.none() | st.sampled_from(COUNTRIES) | st.sampled_from(["cn", " mo ", "XX"])),
    )
    optional = {
        "ultimate_parent_headquarters": st.none() | st.sampled_from(COUNTRIES),
        "lists": st.lists(list_entries(), max_size=2),
        "ai_training_compute_ops": st.none()
        | st.sampled_from(
            [0.0]
            + [
                10.0**t * f
                for t in thresholds("buyer.ai_training_compute_log10_ops")
                if t < 300
                for f in (1, 0.999, 1.001, 10)
            ]
        ),
        "ai_military_intelligence_surveillance": st.none() | st.booleans(),
        "designs_3a090a_ics": st.none() | st.booleans(),
        "other_semiconductor_activity": st.none() | st.booleans(),
        "quantum": st.none() | st.booleans(),
    }
    for name, strategy in optional.items():
        if name in cc.Party.model_fields and draw(st.booleans()):
            fields[name] = draw(strategy)
    if draw(st.integers(0, 4)) == 0:
        fields["id"] = draw(
            st.sampled_from(STRING_LITERALS.get("buyer.id", ["x"]) + STRING_LITERALS.get("seller.id", ["y"]))
        )
    return cc.Party(**fields)


def _catalog_names(records) -> list[str]:
    names = []
    for record in records.values():
        names += [record.id, record.name, *record.aliases[:3]]
    return names


CHIP_REFS = _catalog_names(RB.chips)
PARTY_REFS = _catalog_names(RB.parties)
DESTINATIONS = COUNTRIES + [RB.countries[c].name for c in COUNTRIES[::7]] + ["XX", "Atlantis", "hong kong", " cn"]
HOT_DESTINATIONS = ["CN", "HK", "MO", "VN", "AE", "SA", "SG", "MY", "IN", "IL", "US", "FR", "KZ"]


@st.composite
def orders(draw):
    kind = draw(st.one_of(st.just(cc.Kind.EXPORT), st.sampled_from(list(cc.Kind))))
    item = draw(st.one_of(st.none(), st.sampled_from(CHIP_REFS), st.sampled_from(CHIP_REFS), inline_chips()))
    buyer = draw(st.one_of(st.sampled_from(PARTY_REFS), st.sampled_from(PARTY_REFS), inline_parties()))
    seller = draw(st.one_of(st.none(), st.none(), st.sampled_from(PARTY_REFS), inline_parties()))
    inside = st.dates(min_value=COVERAGE.start, max_value=COVERAGE.until - dt.timedelta(days=1))
    date = draw(
        st.one_of(
            inside,
            inside,
            inside,
            st.dates(
                min_value=COVERAGE.start - dt.timedelta(days=400), max_value=COVERAGE.until + dt.timedelta(days=400)
            ),
            st.sampled_from([COVERAGE.start, COVERAGE.until, COVERAGE.until - dt.timedelta(days=1)]),
        )
    )
    claims = draw(st.lists(st.sampled_from(CLAIMS + ["made-up", 'q"$']), max_size=3, unique=True))
    destination = draw(st.one_of(st.none(), st.sampled_from(HOT_DESTINATIONS), st.sampled_from(DESTINATIONS)))
    return cc.Order(item=item, buyer=buyer, seller=seller, destination=destination, date=date, kind=kind, claims=claims)


def evaluate(order, engine: str):
    try:
        return RB.evaluate(order, engine=engine)
    except cc.InputError as exc:
        return exc


def essentials(verdict: cc.Verdict) -> dict:
    return {
        "outcome": verdict.outcome,
        "permitted": verdict.permitted,
        "deciding": verdict.deciding_rule_ids,
        "findings": {(f.rule_id, f.role) for f in verdict.findings},
        "checked": {(f.rule_id, f.role) for f in verdict.checked},
        "advisories": [a.model_dump(mode="json") for a in verdict.advisories],
    }


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(orders())
def test_verdicts_are_identical(order):
    """For random orders, rb.evaluate gives the same verdict with durable_rules as with the reference
    evaluator: outcome, permitted, deciding rule ids, every finding's (rule id, role), advisories, and the
    whole verdict except its `engine` field."""
    reference = evaluate(order, "reference")
    durable = evaluate(order, "durable")
    if isinstance(reference, cc.InputError):
        assert isinstance(durable, cc.InputError) and str(durable) == str(reference)
        assume(False)
    assert reference.engine == "reference" and durable.engine == "durable"
    event(f"outcome: {reference.outcome.value}")
    assert essentials(durable) == essentials(reference)
    assert durable.model_dump(mode="json", exclude={"engine"}) == reference.model_dump(mode="json", exclude={"engine"})


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(orders())
def test_every_rule_has_the_same_result(order):
    """Below the verdict: for the facts of a random order, every rule of the rulebook (not only those in
    force on the order's date) is True, False or None alike in both engines."""
    try:
        resolved = RB.resolve(order)
    except cc.InputError:
        assume(False)
    facts = build_facts(resolved, RB.groups_on)
    ids = sorted(RB.conditions)
    assert RB.engine("durable").evaluate(ids, facts) == RB.engine("reference").evaluate(ids, facts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(orders(), st.lists(st.sampled_from(sorted(RB.conditions)), unique=True))
def test_any_subset_of_rules_has_the_same_result(order, rule_ids):
    """The durable engine only lets the request groups it is asked about fire: for any subset of the rules
    (not only those the rulebook asks for on the order's date), the results are the reference's, and an
    unknown rule id is a KeyError in both engines."""
    try:
        resolved = RB.resolve(order)
    except cc.InputError:
        assume(False)
    facts = build_facts(resolved, RB.groups_on)
    assert RB.engine("durable").evaluate(rule_ids, facts) == RB.engine("reference").evaluate(rule_ids, facts)
    for name in ("durable", "reference"):
        with pytest.raises(KeyError):
            RB.engine(name).evaluate([*rule_ids, "no-such-rule"], facts)


def test_the_catalog_against_every_destination_on_key_dates():
    """Exhaustively: every catalog chip x catalog buyer (by id) x a spread of destinations x every kind x
    dates at the rule boundaries give identical verdicts."""
    days = sorted({r.effective for r in RB.rules.values()} | {r.until for r in RB.rules.values() if r.until})
    days = [d for d in days if COVERAGE.start <= d < COVERAGE.until]
    destinations = ["CN", "HK", "MO", "US", "VN", "AE", "SA", "FR", "IL"]
    count = 0
    for chip in list(RB.chips)[::2]:
        for buyer in list(RB.parties)[::3]:
            for destination in destinations[::2] if count % 2 else destinations[1::2]:
                for kind in cc.Kind:
                    for day in days[:: max(1, len(days) // 4)]:
                        order = cc.Order(item=chip, buyer=buyer, destination=destination, date=day, kind=kind)
                        reference, durable = evaluate(order, "reference"), evaluate(order, "durable")
                        if isinstance(reference, cc.InputError):
                            assert isinstance(durable, cc.InputError)
                            continue
                        assert essentials(durable) == essentials(reference), order
                        count += 1
    assert count > 300


def test_evaluate_many_matches_evaluate():
    """DurableEngine.evaluate_many gives, in order, what evaluate gives one at a time."""
    engine = RB.engine("durable")
    ids = sorted(RB.conditions)
    requests = []
    for chip in RB.chips:
        order = cc.Order(item=chip, buyer="ByteDance", destination="CN", date=dt.date(2024, 1, 5))
        requests.append((ids, build_facts(RB.resolve(order), RB.groups_on)))
    assert engine.evaluate_many(requests) == [engine.evaluate(i, f) for i, f in requests]
    assert engine.evaluate_many(requests) == [RB.engine("reference").evaluate(i, f) for i, f in requests]
