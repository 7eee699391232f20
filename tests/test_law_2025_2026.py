"""The law from September 2025 to 2026-01-14 as encoded from regulations-2025-2026.md: the Entity List additions of
September and October 2025 (and a removal), the Affiliates rule and its stay, and Cambodia leaving D:5 on a
contested date. Each test names the sheet's action; outcomes are asserted with their deciding rules."""

from __future__ import annotations

import datetime as dt

import pytest

import chipcontrol as cc

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


def test_the_coverage_now_ends_before_the_h200_review_policy_of_2026_01_15(rb):
    assert rb.coverage.until == dt.date(2026, 1, 15)
    last = ev(rb, item="H20", buyer="ByteDance", destination="CN", date="2026-01-14")
    assert last.outcome is Outcome.LICENSE_REQUIRED and last.deciding_rule_ids == ["nvda-2025-h20-notice"]
    past = ev(rb, item="H200", buyer="Tencent", destination="CN", date="2026-02-01")
    assert past.outcome is Outcome.OUT_OF_COVERAGE and past.permitted is None
