"""Ownership by listed parties (ownership.py), the fact the 50 % Affiliates rule (90 FR 47201) reads:
`buyer.listed_owner_share`, direct and indirect, singly or in aggregate, unknown when a listed owner's share is."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chipcontrol as cc

from .conftest import add_rule, copy_rulesets, edit, hypothetical

DAY = "2024-06-01"  # Inspur Group (2023-03-02) and Huawei (2019-05-16) are on the Entity List


def buyer(*owners, lists=()) -> cc.Party:
    return cc.Party(name="Acme Compute SG", headquarters="SG", lists=list(lists), owners=list(owners))


def share(rb, party, day=DAY):
    return rb.resolve(cc.Order(item="L2", buyer=party, date=day)).buyer_listed_owner_share


@pytest.mark.parametrize(
    "owners, expected",
    [
        ([{"party": "Inspur Group", "share": 0.6}], 0.6),  # directly, singly
        ([{"party": "Inspur Group", "share": 0.3}, {"party": "Huawei", "share": 0.2}], 0.5),  # in aggregate
        ([{"party": "ByteDance", "share": 0.9}], 0.0),  # an owner on no list
        ([], 0.0),
        # indirectly: a holding company that Huawei owns 50 % of is itself an affiliate, and its 50 % counts
        ([{"party": cc.Party(name="Mid Holdco", headquarters="SG", lists=[], owners=[{"party": "Huawei", "share": 0.5}]), "share": 0.5}], 0.5),
        # ... but one Huawei owns 40 % of is not, so its stake does not count
        ([{"party": cc.Party(name="Mid Holdco", headquarters="SG", lists=[], owners=[{"party": "Huawei", "share": 0.4}]), "share": 0.9}], 0.0),
    ],
)
def test_the_listed_share_adds_direct_and_indirect_stakes_of_listed_owners(rb, owners, expected):
    assert share(rb, buyer(*owners)) == pytest.approx(expected)


def test_a_stake_of_a_party_not_yet_listed_on_the_date_does_not_count(rb):
    assert share(rb, buyer({"party": "Inspur Group", "share": 0.6}), day="2023-03-01") == 0.0
    assert share(rb, buyer({"party": "Inspur Group", "share": 0.6}), day="2023-03-02") == pytest.approx(0.6)


def test_a_listed_owner_with_an_unknown_share_makes_the_share_unknown_and_raises_red_flag_29(rb):
    party = buyer({"party": "Inspur Group", "share": None})
    assert share(rb, party) is None
    v = rb.evaluate(cc.Order(item="L2", buyer=party, date=DAY))
    (flag,) = [a.message for a in v.advisories if a.kind is cc.AdvisoryKind.RED_FLAG]
    assert "Inspur Group" in flag and "Red Flag 29" in flag


def test_a_known_majority_stands_even_when_another_listed_owners_share_is_unknown(rb):
    party = buyer({"party": "Inspur Group", "share": 0.6}, {"party": "Huawei", "share": None})
    assert share(rb, party) == pytest.approx(0.6)


def test_an_inline_owner_that_may_be_a_listed_party_leaves_the_share_unknown(rb):
    maybe = cc.Party(name="Huawei Technologies Investment Co", headquarters="CN")  # lists not stated: screened
    assert share(rb, buyer({"party": maybe, "share": 0.7})) is None
    assert share(rb, buyer({"party": maybe, "share": 0.0})) == 0.0


def test_an_unknown_owner_name_is_an_input_error_with_close_matches(rb):
    with pytest.raises(cc.InputError, match=r"unknown party 'Inspurr' \(the owner of the buyer\); did you mean"):
        rb.evaluate(cc.Order(item="L2", buyer=buyer({"party": "Inspurr", "share": 0.6}), date=DAY))


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan"), True, "60%"])
def test_a_share_that_is_not_a_fraction_is_refused(value):
    with pytest.raises(cc.InputError, match="bad Owner share"):
        buyer({"party": "Inspur Group", "share": value})


@pytest.fixture(scope="module")
def rb_with_affiliates_rule(tmp_path_factory):
    """The bundled rules plus a hypothetical Affiliates-style rule in force over the whole coverage."""
    rulesets = copy_rulesets(tmp_path_factory.mktemp("affiliates"))
    add_rule(
        rulesets,
        "entity-list.yaml",
        hypothetical(
            "hypothetical-affiliates",
            "Hypothetical: a buyer owned 50 % or more by listed parties needs a licence",
            "chip.subject_to_ear and buyer.listed_owner_share >= 0.5",
            source="ear-part-744-supp-4",
            effective="2022-01-01",
            effect="license_required",
        ),
    )
    return cc.load_rulebook(rulesets)


@settings(deadline=None, max_examples=150, derandomize=True)
@given(inspur=st.floats(0, 1), huawei=st.floats(0, 1), engine=st.sampled_from(["reference", "durable"]))
def test_a_buyer_inherits_the_requirement_exactly_when_listed_owners_hold_half_or_more(rb_with_affiliates_rule, inspur, huawei, engine):
    """Ownership below 50 % never inherits; at 50 % or more it does, with either engine."""
    if inspur + huawei > 1:
        inspur, huawei = inspur / 2, huawei / 2
    party = buyer({"party": "Inspur Group", "share": inspur}, {"party": "Huawei", "share": huawei})
    v = rb_with_affiliates_rule.evaluate(cc.Order(item="L2", buyer=party, date=DAY), engine=engine)
    if round(inspur + huawei, 6) >= 0.5:
        assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["hypothetical-affiliates"]
    else:
        assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []


def test_an_unknown_listed_share_makes_a_rule_that_reads_it_undetermined(rb_with_affiliates_rule):
    v = rb_with_affiliates_rule.evaluate(cc.Order(item="L2", buyer=buyer({"party": "Inspur Group", "share": None}), date=DAY))
    assert v.outcome is cc.Outcome.UNDETERMINED and v.deciding_rule_ids == ["hypothetical-affiliates"]
    assert v.finding("hypothetical-affiliates").missing_facts == ["buyer.listed_owner_share"]


def test_a_catalog_owner_must_be_a_catalog_party(rulesets_copy):
    owners = "    owners: [{party: no-such-party, share: 0.6, source: test, confidence: unverified}]\n"
    edit(rulesets_copy / "catalog" / "parties.yaml", "  - id: bytedance\n", "  - id: bytedance\n" + owners)
    with pytest.raises(cc.RulebookError, match=r"catalog/parties.yaml:\d+: party 'bytedance'.*owner 'no-such-party' is not a party"):
        cc.load_rulebook(rulesets_copy)
