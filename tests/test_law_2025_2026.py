"""The law from September 2025 to 2026-01-14 as encoded from regulations-2025-2026.md: the Entity List additions of
September and October 2025 (and a removal), the Affiliates rule and its stay, and Cambodia leaving D:5 on a
contested date. Each test names the sheet's action; outcomes are asserted with their deciding rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chipcontrol as cc

from chipcontrol.testing import orders

from .conftest import BUNDLED

Outcome, Policy = cc.Outcome, cc.ReviewPolicy
DAY = dt.timedelta(days=1)


def ev(rb, **order):
    return rb.evaluate(cc.Order(**order))


def advisories(verdict, kind):
    return [a.message for a in verdict.advisories if a.kind is kind]


# --- A07: Entity List additions of 2025-09-12 ------------------------------------------------------------------


@pytest.mark.parametrize("party", ["Shanghai Fudan Microelectronics", "GMC Semiconductor Technology (Wuxi)", "Jicun Semiconductor Technology (Shanghai)"])
def test_the_september_2025_listings_require_a_licence_for_any_item_from_2025_09_12(rb, party):
    before, on = (ev(rb, item="L2", buyer=party, date=d) for d in ("2025-09-11", "2025-09-12"))
    assert before.outcome is Outcome.PERMITTED and before.deciding_rule_ids == []
    assert on.outcome is Outcome.LICENSE_REQUIRED and on.deciding_rule_ids == ["entity-list-license"]
    assert on.review_policy is Policy.PRESUMPTION_OF_DENIAL


def test_an_inline_buyer_named_like_a_new_listing_is_screened_against_it(rb):
    buyer = cc.Party(name="Fudan Micro-electronics Group (HK) Ltd", headquarters="HK")
    v = ev(rb, item="L2", buyer=buyer, date="2025-10-01")
    assert v.outcome is Outcome.UNDETERMINED and v.deciding_rule_ids == ["entity-list-license"]
    assert any("Shanghai Fudan Microelectronics" in m for m in advisories(v, cc.AdvisoryKind.POSSIBLE_LIST_MATCH))


# --- A10 / A15: Arrow China, listed 2025-10-08 and removed 2025-11-12 ----------------------------------------


@pytest.mark.parametrize("day, listed", [("2025-10-07", False), ("2025-10-08", True), ("2025-11-11", True), ("2025-11-12", False)])
def test_arrow_china_needs_a_licence_only_while_it_was_listed(rb, day, listed):
    v = ev(rb, item="L2", buyer="Arrow China Electronics Trading", date=day)
    assert (v.outcome, v.deciding_rule_ids) == ((Outcome.LICENSE_REQUIRED, ["entity-list-license"]) if listed else (Outcome.PERMITTED, []))


# --- A08 / A14: the Affiliates rule and its stay ---------------------------------------------------------------


def affiliate(share):
    return cc.Party(name="Inspur Cloud Singapore", headquarters="SG", lists=[], owners=[{"party": "Inspur Group", "share": share}])


@pytest.mark.parametrize(
    "day, outcome, deciding",
    [
        ("2025-09-28", Outcome.PERMITTED, []),  # before the rule
        ("2025-09-29", Outcome.LICENSE_REQUIRED, ["bis-affiliates-2025"]),  # effective
        ("2025-11-09", Outcome.LICENSE_REQUIRED, ["bis-affiliates-2025"]),
        ("2025-11-10", Outcome.PERMITTED, []),  # stayed by 90 FR 50857
        ("2026-01-14", Outcome.PERMITTED, []),
    ],
)
def test_a_buyer_60_percent_owned_by_a_listed_party_inherits_its_licence_requirement_until_the_stay(rb, day, outcome, deciding):
    v = ev(rb, item="L2", buyer=affiliate(0.6), date=day)
    assert (v.outcome, v.deciding_rule_ids) == (outcome, deciding)
    if outcome is Outcome.LICENSE_REQUIRED:
        assert v.review_policy is Policy.PRESUMPTION_OF_DENIAL


@pytest.mark.parametrize("share", [0.0, 0.25, 0.49])
def test_ownership_below_half_never_inherits(rb, share):
    v = ev(rb, item="L2", buyer=affiliate(share), date="2025-10-01")
    assert v.outcome is Outcome.PERMITTED and v.deciding_rule_ids == []


def test_a_listed_owner_with_an_unknown_share_is_undetermined_under_the_rule_and_a_red_flag_during_the_stay(rb):
    in_force = ev(rb, item="L2", buyer=affiliate(None), date="2025-10-01")
    assert in_force.outcome is Outcome.UNDETERMINED and in_force.deciding_rule_ids == ["bis-affiliates-2025"]
    stayed = ev(rb, item="L2", buyer=affiliate(None), date="2025-12-01")
    assert stayed.outcome is Outcome.PERMITTED and stayed.deciding_rule_ids == []
    for v in (in_force, stayed):
        assert any("Red Flag 29" in m for m in advisories(v, cc.AdvisoryKind.RED_FLAG))


def test_the_affiliates_rule_reaches_indirect_ownership(rb):
    holdco = cc.Party(name="Mid Holdco", headquarters="SG", lists=[], owners=[{"party": "Inspur Group", "share": 0.5}])
    buyer = cc.Party(name="Compute Co", headquarters="MY", lists=[], owners=[{"party": holdco, "share": 0.5}])
    v = ev(rb, item="L2", buyer=buyer, date="2025-10-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["bis-affiliates-2025"]


# --- A13: Cambodia leaves D:5 (2025-11-07 or 2026-02-03, contested) -------------------------------------------

CAMBODIAN_LAB = cc.Party(name="Phnom Penh AI Lab", headquarters="KH", lists=[])


def test_a_cambodian_headquartered_buyer_abroad_is_caught_by_the_headquarters_rule_until_cambodia_leaves_d5(rb):
    before = ev(rb, item="A800", buyer=CAMBODIAN_LAB, destination="SG", date="2025-11-06")
    assert before.outcome is Outcome.LICENSE_REQUIRED and before.deciding_rule_ids == ["bis-3a090-2023-headquarters"]
    assert not advisories(before, cc.AdvisoryKind.CONTESTED)
    after = ev(rb, item="A800", buyer=CAMBODIAN_LAB, destination="SG", date="2025-11-07")
    assert after.outcome is Outcome.PERMITTED and after.deciding_rule_ids == []
    (contested,) = advisories(after, cc.AdvisoryKind.CONTESTED)
    assert "KH left D:5 on 2025-11-07 (encoded) or on 2026-02-03" in contested
    assert "the outcome would be license_required (bis-3a090-2023-headquarters)" in contested


def test_cambodia_as_a_destination_stays_in_scope_through_d1_and_leaves_nac_notification(rb):
    before = ev(rb, item="RTX 4090", buyer=CAMBODIAN_LAB, date="2025-11-06")
    after = ev(rb, item="RTX 4090", buyer=CAMBODIAN_LAB, date="2025-11-07")
    assert before.outcome is Outcome.NOTIFICATION_REQUIRED and before.deciding_rule_ids == ["bis-nac-2024-notification"]
    assert after.outcome is Outcome.PERMITTED and after.deciding_rule_ids == ["bis-aca-2024"]


def test_the_coverage_ends_at_the_verified_horizon_and_provisional_answers_run_to_november_2026(rb):
    assert rb.coverage.until == dt.date(2026, 9, 20) and rb.coverage.provisional_until == dt.date(2026, 12, 1)
    past = ev(rb, item="H20", buyer="ByteDance", destination="CN", date="2026-09-20")
    assert past.outcome is Outcome.OUT_OF_COVERAGE and past.permitted is None


# --- A04: the uncodified 15 % revenue share; A20: the H200 review policy; A21: the Section 232 tariff -----------


def test_an_h20_to_china_after_the_august_2025_licences_carries_the_revenue_share_advisory_not_a_condition(rb):
    v = ev(rb, item="H20", buyer="ByteDance", destination="CN", date="2025-08-20")
    assert v.outcome is Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["nvda-2025-h20-notice"]
    (share,) = advisories(v, cc.AdvisoryKind.NOT_EXPORT_CONTROL)
    assert "15 %" in share and "not an export control" in share
    assert not advisories(ev(rb, item="H20", buyer="ByteDance", destination="CN", date="2025-08-10"), cc.AdvisoryKind.NOT_EXPORT_CONTROL)


# The H200's 4,800 GB/s reaches the H20's 4,000 GB/s memory bandwidth, so NVIDIA's H20 notice requires the licence too.
H200_TO_TENCENT = ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice", "nvda-2025-h20-notice"]


@pytest.mark.parametrize("day, policy", [("2026-01-14", Policy.PRESUMPTION_OF_DENIAL), ("2026-01-15", Policy.CASE_BY_CASE), ("2026-02-01", Policy.CASE_BY_CASE)])
def test_an_h200_exported_from_the_us_to_tencent_in_china_is_reviewed_case_by_case_from_2026_01_15(rb, day, policy):
    v = ev(rb, item="H200", buyer="Tencent", destination="CN", date=day)
    assert v.outcome is Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == H200_TO_TENCENT
    assert v.review_policy is policy
    if policy is Policy.CASE_BY_CASE:
        assert v.finding("bis-h200-case-by-case-2026").role is cc.Role.REVIEW
        assert v.finding("bis-h200-case-by-case-2026-h20-notice").role is cc.Role.REVIEW
        assert len(v.policy_conditions) == 7 and any("third-party laboratory" in c for c in v.policy_conditions)
        (tariff,) = advisories(v, cc.AdvisoryKind.NOT_EXPORT_CONTROL)
        assert "25 %" in tariff


@pytest.mark.parametrize(
    "order, why",
    [
        (dict(item="H200", buyer="Tencent", destination="CN", kind="reexport", origin="SG"), "a reexport is not an export from the US"),
        (dict(item="B200", buyer="Tencent", destination="CN"), "TPP over 21,000"),
        (dict(item="H200", buyer="Huawei", destination="CN"), "an Entity List party: its listing's denial stands"),
        (dict(item="H200", buyer="Tencent", destination="SG"), "a China-headquartered buyer outside China"),
    ],
)
def test_outside_the_h200_rule_the_presumption_of_denial_stands(rb, order, why):
    v = ev(rb, date="2026-02-01", **order)
    assert v.outcome is Outcome.LICENSE_REQUIRED and v.review_policy is Policy.PRESUMPTION_OF_DENIAL, why


# --- A30: the UAE moves to A:5 with a UAE-specific licence requirement -------------------------------------------

DUBAI_LAB = cc.Party(name="Dubai Compute", headquarters="AE", lists=[])


def test_a_uae_recipient_needs_a_licence_under_the_2023_rule_then_under_the_uae_rule(rb):
    before = ev(rb, item="H100 PCIe", buyer=DUBAI_LAB, date="2026-07-09")
    after = ev(rb, item="H100 PCIe", buyer=DUBAI_LAB, date="2026-07-10")
    assert before.outcome is Outcome.LICENSE_REQUIRED and before.deciding_rule_ids == ["bis-3a090-2023-destinations"]
    assert after.outcome is Outcome.LICENSE_REQUIRED and after.deciding_rule_ids == ["bis-uae-2026-advanced-computing"]
    assert rb.groups_on("AE", dt.date(2026, 7, 10)) == {"A:5"}


@pytest.mark.parametrize("buyer", ["UAE Government", "G42", "Core42", "Microsoft", "OpenAI"])
def test_the_uae_rule_exempts_the_government_the_approved_entities_and_the_named_us_firms(rb, buyer):
    v = ev(rb, item="H100 PCIe", buyer=buyer, destination="AE", date="2026-08-01")
    assert v.outcome is Outcome.PERMITTED and v.deciding_rule_ids == []


def test_a_china_headquartered_buyer_in_the_uae_is_still_caught_by_the_headquarters_rule(rb):
    v = ev(rb, item="H100 PCIe", buyer="ByteDance", destination="AE", date="2026-08-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-headquarters", "bis-uae-2026-advanced-computing"]


# --- A31: the Affiliates rule's scheduled return (unverified), provisional answers only -----------------------


def test_the_affiliates_rules_return_answers_only_provisionally(rb):
    order = cc.Order(item="L2", buyer=affiliate(0.6), date="2026-11-15")
    assert rb.evaluate(order).outcome is Outcome.OUT_OF_COVERAGE
    v = rb.evaluate(order, provisional=True)
    assert v.provisional and v.outcome is Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["bis-affiliates-2026-return"]
    (note,) = advisories(v, cc.AdvisoryKind.PROVISIONAL)
    assert "bis-affiliates-2026-return from 2026-11-10 (unverified)" in note


@settings(deadline=None, max_examples=200, derandomize=True)
@given(order=orders(BUNDLED, kinds=["reexport"]))
def test_the_h200_rule_never_sets_the_review_of_a_reexport(rb, order):
    """91 FR 1684 covers exports from the US only: a reexport keeps the presumption of denial."""
    try:
        v = rb.evaluate(order.model_copy(update={"date": dt.date(2026, 3, 1)}))
    except cc.InputError:
        return
    assert not [f for f in v.findings if f.rule_id == "bis-h200-case-by-case-2026" and f.role is cc.Role.REVIEW]
