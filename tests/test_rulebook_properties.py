"""Properties of the rulebook as data, on chipcontrol.testing: file layout does not matter; advisories never decide.

Example counts per run: 150 orders for file layout, 150 for the rulebook without its advisory rules, 40
random reported/proposed rules x 8 orders each.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.resources import bundled_seeds
from chipcontrol.testing import advisories_never_decide, layout_does_not_matter, orders, relayouts, without_advisories

from .conftest import BUNDLED

RB = BUNDLED
PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    return relayouts(RB, tmp_path_factory.mktemp("layouts"))


@pytest.fixture(scope="module")
def no_advisories(tmp_path_factory):
    return without_advisories(RB, tmp_path_factory.mktemp("advisories"))


def test_the_rulebook_hash_does_not_depend_on_file_order_or_splitting(layouts):
    assert {how: layout.hash for how, layout in layouts.items()} == {how: RB.hash for how in layouts}
    assert len({tuple(sorted(layout.rule_files.values())) for layout in layouts.values()}) == 3  # three real layouts


@settings(PROPERTY, max_examples=150)
@given(order=orders(RB, unknown=False))
def test_no_verdict_depends_on_file_order_or_splitting(layouts, order):
    try:
        layout_does_not_matter(RB, layouts, order)
    except cc.InputError:
        pass


def test_the_rulebook_without_advisories_has_no_proposed_reported_or_not_export_control_rule(no_advisories):
    assert {r.status for r in no_advisories.rules.values()} <= {cc.Status.IN_FORCE, cc.Status.RESCINDED}
    assert len(no_advisories.rules) < len(RB.rules)


@settings(PROPERTY, max_examples=150)
@given(order=orders(RB, unknown=False))
def test_removing_every_advisory_rule_changes_no_answer(no_advisories, order):
    try:
        advisories_never_decide(RB, no_advisories, order)
    except cc.InputError:
        pass


_conditions = st.sampled_from(
    [
        "true",
        "chip.tpp >= 1000",
        'destination in group("D:5")',
        'buyer.headquarters == "CN" and chip.datacenter',
        "chip.performance_density >= 2",
        "not buyer.entity_listed",
    ]
)


@settings(PROPERTY, max_examples=40)
@given(
    status=st.sampled_from(["reported", "proposed"]),
    effect=st.sampled_from(["permitted", "notification_required", "license_required", "prohibited"]),
    when=_conditions,
    start=st.dates(dt.date(2021, 1, 1), dt.date(2025, 6, 1)),
    sample=st.lists(orders(RB, unknown=False), min_size=8, max_size=8),
)
def test_adding_a_reported_or_proposed_rule_never_changes_an_outcome(tmp_path_factory, status, effect, when, start, sample):
    root = tmp_path_factory.mktemp("advisory")
    shutil.copytree(RB.root, root / "rulesets")
    shutil.copytree(bundled_seeds(), root / "seeds")
    rule = {
        "id": "hypothetical-advisory",
        "title": "A hypothetical measure",
        "status": status,
        "effective": start.isoformat(),
        "effect": effect,
        "legal_basis": {"source": "fr-88-73458", "provision": "hypothetical"},
        "citations": [{"source": "fr-88-73458"}],
        "explanation": "A measure that is reported or proposed, not in force.",
        "when": when,
    }
    (root / "rulesets/rules/hypothetical.yaml").write_text(yaml.safe_dump({"title": "hypothetical", "rules": [rule]}), encoding="utf-8")
    extended = cc.load_rulebook(root / "rulesets")
    for order in sample:
        try:
            before = RB.evaluate(order)
        except cc.InputError:
            continue
        after = extended.evaluate(order)
        assert (after.outcome, after.deciding_rule_ids) == (before.outcome, before.deciding_rule_ids)
        assert [f.model_dump() for f in after.findings] == [f.model_dump() for f in before.findings]
