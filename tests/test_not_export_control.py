"""Measures that are not export controls (a Section 232 tariff, an uncodified revenue-share expectation) are rules
of status `not_export_control`: shown as advisories of their own kind on the orders they concern, never deciding."""

from __future__ import annotations

import pytest

import chipcontrol as cc

from .conftest import add_rule, copy_rulesets, hypothetical

TARIFF = hypothetical(
    "hypothetical-tariff",
    "Hypothetical: a 25 % duty on imports of chips in the H100 band",
    "chip.tpp >= 14000 and chip.tpp < 17500",
    status="not_export_control",
    effective="2024-01-01",
)


@pytest.fixture(scope="module")
def rb_with_tariff(tmp_path_factory):
    rulesets = copy_rulesets(tmp_path_factory.mktemp("tariff"))
    add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", TARIFF)
    return cc.load_rulebook(rulesets)


@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_a_tariff_is_an_advisory_of_its_own_kind_and_does_not_change_the_outcome(rb, rb_with_tariff, engine):
    order = cc.Order(item="H100 SXM5", buyer="ByteDance", date="2024-06-01")  # TPP 15,831: in the band
    with_tariff, without = rb_with_tariff.evaluate(order, engine=engine), rb.evaluate(order, engine=engine)
    assert (with_tariff.outcome, with_tariff.deciding_rule_ids) == (without.outcome, without.deciding_rule_ids)
    assert with_tariff.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice"]
    (advisory,) = [a for a in with_tariff.advisories if a.kind is cc.AdvisoryKind.NOT_EXPORT_CONTROL]
    assert advisory.rule_id == "hypothetical-tariff" and "not an export control" in advisory.message
    assert advisory.citations and advisory.citations[0].source_id == "fr-88-73458"


def test_a_tariff_is_not_shown_on_an_order_it_does_not_concern(rb_with_tariff):
    v = rb_with_tariff.evaluate(cc.Order(item="A800", buyer="ByteDance", date="2024-06-01"))
    assert not [a for a in v.advisories if a.kind is cc.AdvisoryKind.NOT_EXPORT_CONTROL]


def test_a_measure_that_is_not_an_export_control_may_not_have_an_effect(tmp_path):
    rulesets = copy_rulesets(tmp_path)
    add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", {**TARIFF, "effect": "license_required"})
    with pytest.raises(cc.RulebookError, match="rule 'hypothetical-tariff'.*not_export_control measure is an advisory only"):
        cc.load_rulebook(rulesets)
