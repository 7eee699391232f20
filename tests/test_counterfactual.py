"""Counterfactuals: the nearest changes that flip a verdict, each the verdict `rb.evaluate` gives the changed order."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, assume, given, settings, strategies as st

import chipcontrol as cc
from chipcontrol.cli import main
from chipcontrol.counterfactual import Alternative, AlternativeKind, counterfactual

from .conftest import copy_rulesets, edit

A800_2024 = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2024-03-01")
H20_2024 = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-06-01")


def _of(alternatives: list[Alternative], kind: AlternativeKind, field: str | None = None) -> list[Alternative]:
    return [a for a in alternatives if a.kind is kind and (field is None or a.change.field == field)]


def test_the_a800_in_2024_was_last_permitted_on_2023_10_22_the_day_before_nvidias_acceleration(rb):
    base = rb.evaluate(A800_2024)
    assert (base.outcome, base.deciding_rule_ids, base.review_policy) == (
        cc.Outcome.LICENSE_REQUIRED, ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"],
        cc.ReviewPolicy.PRESUMPTION_OF_DENIAL,
    )
    (last,) = _of(counterfactual(rb, A800_2024), AlternativeKind.DATE)
    assert last.change.value == "2023-10-22"
    assert last.order.date == dt.date(2023, 10, 22)
    assert (last.verdict.outcome, last.verdict.deciding_rule_ids, last.verdict.review_policy) == (cc.Outcome.PERMITTED, [], None)
    assert "nvda-2023-acceleration came into force" in last.change.description
    assert rb.evaluate(A800_2024.model_copy(update={"date": dt.date(2023, 10, 23)})).permitted is False


def test_the_a800_would_pass_with_a_tpp_3_82_percent_lower_and_no_destination_or_headquarters_alone_frees_it(rb):
    alternatives = counterfactual(rb, A800_2024)
    (tpp,) = _of(alternatives, AlternativeKind.FIGURE, "chip.tpp")
    assert (tpp.change.was, tpp.change.value, tpp.change.margin_percent) == (4990.4, 4799.9, -3.82)
    assert tpp.verdict.outcome is cc.Outcome.NOTIFICATION_REQUIRED and tpp.verdict.permitted is True
    # ByteDance is headquartered in China: the headquarters rule catches it wherever it ships, and a buyer
    # headquartered elsewhere still ships to China (D:1): no single one of those changes frees it.
    assert _of(alternatives, AlternativeKind.DESTINATION) == []
    assert _of(alternatives, AlternativeKind.BUYER) == []


def test_an_unlisted_buyer_in_singapore_shipping_an_h100_to_vietnam_could_ship_to_france_not_to_china(rb):
    buyer = cc.Party(name="Acme Compute", headquarters="SG", lists=[])
    order = cc.Order(item="H100", buyer=buyer, destination="VN", date="2024-06-01")
    base = rb.evaluate(order)
    assert (base.outcome, base.deciding_rule_ids) == (cc.Outcome.LICENSE_REQUIRED, ["bis-3a090-2023-destinations"])
    (group,) = _of(counterfactual(rb, order), AlternativeKind.DESTINATION)
    passing = {group.change.value, *group.change.also}
    assert "FR" in passing and "CN" not in passing and "VN" not in passing
    assert group.verdict.outcome is cc.Outcome.PERMITTED


def test_authorisations_that_would_permit_an_a100_to_alibaba_in_october_2022_are_named(rb):
    order = cc.Order(item="A100", buyer="Alibaba", date="2022-10-01")
    assert rb.evaluate(order).deciding_rule_ids == ["nvda-2022-notice"]
    claims = {a.change.value: a for a in _of(counterfactual(rb, order), AlternativeKind.CLAIM)}
    assert {"nvda-2022-a100-us-customers", "nvda-2022-hk-fulfilment"} <= set(claims)
    for claim, alt in claims.items():
        assert claim in alt.order.claims and alt.verdict.permitted is True


def test_a_permitted_h20_gets_the_figure_that_would_be_caught_and_a_rule_change_that_is_checked(rb):
    base = rb.evaluate(H20_2024)
    assert (base.outcome, base.deciding_rule_ids) == (cc.Outcome.PERMITTED, [])
    alternatives = counterfactual(rb, H20_2024)
    (after,) = _of(alternatives, AlternativeKind.DATE)
    assert after.change.value == "2025-04-09" and after.verdict.deciding_rule_ids == ["nvda-2025-h20-notice"]
    (tpp,) = _of(alternatives, AlternativeKind.FIGURE, "chip.tpp")
    assert (tpp.change.was, tpp.change.value) == (2368.0, 4800.0)
    assert tpp.verdict.outcome is cc.Outcome.LICENSE_REQUIRED
    assert tpp.change.rule_change.startswith("term 3A090.a.1-2023 with `chip.tpp >= 4800` changed to `chip.tpp >= 2368` "
                                             "would catch this order as it is: license_required under bis-3a090-2023-destinations")


def test_the_proposed_rule_change_really_catches_the_order_when_made_in_the_rule_file(tmp_path, rb):
    rulesets = copy_rulesets(tmp_path)
    edit(rulesets / "rules" / "bis-acs-ifr-2023-10.yaml", "when: chip.tpp >= 4800\n", "when: chip.tpp >= 2368\n")
    verdict = cc.load_rulebook(rulesets).evaluate(H20_2024)
    assert verdict.outcome is cc.Outcome.LICENSE_REQUIRED
    assert "bis-3a090-2023-destinations" in verdict.deciding_rule_ids


def test_an_order_out_of_coverage_has_no_alternatives(rb):
    order = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2021-06-01")
    assert rb.evaluate(order).outcome is cc.Outcome.OUT_OF_COVERAGE
    assert counterfactual(rb, order) == []


# ------------------------------------------------------------------------------------------------ the property

ITEMS = ["A800", "H20", "H100", "A100", "H800", "MI308X", "Gaudi 2"]
BUYERS = ["ByteDance", "Alibaba", "Tencent", "Huawei"]
DESTINATIONS = ["CN", "AE", "SG", "FR", "VN", "HK"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    item=st.sampled_from(ITEMS),
    buyer=st.sampled_from(BUYERS),
    destination=st.sampled_from(DESTINATIONS),
    day=st.dates(dt.date(2022, 6, 1), dt.date(2026, 9, 19)),
)
def test_every_alternative_is_what_evaluate_gives_the_changed_order_and_flips_the_verdict(rb, item, buyer, destination, day):
    try:
        order = cc.Order(item=item, buyer=buyer, destination=destination, date=day)
        base = rb.evaluate(order)
    except cc.InputError:
        assume(False)
    for alt in counterfactual(rb, order):
        assert alt.verdict == rb.evaluate(alt.order)
        if base.permitted is True:
            assert alt.verdict.permitted is False
        else:
            assert alt.verdict.permitted is True


# ------------------------------------------------------------------------------------------------ the CLI


def test_whatif_prints_the_outcome_then_one_line_per_alternative(capsys):
    assert main(["whatif", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-03-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("NVIDIA A800 SXM -> ByteDance, CN, 2024-03-01: license_required")
    assert lines[1] == "nearest changes that make it permitted:"
    assert lines[2].startswith("  [date] on 2023-10-22, the last day it was permitted")
    assert any(line.startswith("  [figure] a chip like NVIDIA A800 SXM with tpp 4799.9 instead of 4990.4 (-3.82 %)") for line in lines)


def test_whatif_json_is_the_alternatives_with_their_orders_and_verdicts(capsys):
    assert main(["whatif", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-03-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["kind"] for a in data] == ["date", "figure"]
    assert data[0]["verdict"]["outcome"] == "permitted" and data[0]["order"]["date"] == "2023-10-22"


def test_whatif_with_an_unknown_chip_exits_2_with_one_line(capsys):
    assert main(["whatif", "--item", "A8000", "--buyer", "ByteDance", "--date", "2024-03-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chipcontrol: ")
