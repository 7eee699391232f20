"""Differential test: on the bundled rulebook, durable_rules and the reference evaluator give identical
verdicts for random orders.

Orders come from chipcontrol.testing.orders: catalog chips (by id, name or alias) and inline chips whose
figures sit at, just above and just below every threshold the rules compare them with (read from the
rulebook, so new rules are covered automatically), or None; catalog and inline buyers and sellers (with
list entries, owners around the affiliates threshold and investment facts); destinations from every group
the rules name, by code or name, and some they do not; dates at every boundary and beyond the coverage;
every kind of order; known and unknown claims.

Examples per run: 1500 verdict comparisons (test_verdicts_are_identical), 500 engine-level comparisons of
every rule (test_every_rule_has_the_same_result), 300 of random subsets of the rules
(test_any_subset_of_rules_has_the_same_result), and an exhaustive sweep of catalog chips x buyers x
destinations x kinds x rule boundary dates.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.durable_engine import AVAILABLE, IMPORT_ERROR
from chipcontrol.facts import build_facts
from chipcontrol.testing import engines_agree, orders

from .conftest import BUNDLED

pytestmark = pytest.mark.skipif(not AVAILABLE, reason=f"durable_rules_engine does not import here: {IMPORT_ERROR}")

RB = BUNDLED
COVERAGE = RB.coverage


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
@given(orders(RB))
def test_verdicts_are_identical(order):
    """For random orders, rb.evaluate gives the same verdict with durable_rules as with the reference
    evaluator (properties.engines_agree: outcome, deciding rule ids, review policy, every finding's (rule id,
    role), and the whole verdict except its `engine` field), or the same error."""
    engines_agree(RB, order, ("reference", "durable"))
    reference = evaluate(order, "reference")
    if not isinstance(reference, cc.InputError):
        assert reference.engine == "reference" and evaluate(order, "durable").engine == "durable"
        event(f"outcome: {reference.outcome.value}")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(orders(RB))
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
@given(orders(RB), st.lists(st.sampled_from(sorted(RB.conditions)), unique=True))
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
