"""Review policy (design.md §3, rule 11): a licence-required verdict says how BIS would review the application;
the most restrictive policy among the deciding requirements stands, an Entity List entry's denial overrides a
favourable one, an unknown policy is None, and a review policy never changes the outcome."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings

import chipcontrol as cc

from .conftest import BUNDLED, add_rule, copy_rulesets, edit, hypothetical
from chipcontrol.testing import orders

Outcome, Policy = cc.Outcome, cc.ReviewPolicy
SAUDI_LAB = cc.Party(name="Riyadh Vision Lab", headquarters="SA", lists=[])  # screened: on no list


def ev(rb, **order):
    return rb.evaluate(cc.Order(**order))


@pytest.mark.parametrize(
    "order, deciding, policy",
    [
        # China, 2022 rule: presumption of denial (regulations.md §2.3, text unverified)
        (dict(item="A100", buyer="ByteDance", destination="CN", date="2022-12-01"), ["bis-3a090-2022-china", "nvda-2022-notice"], Policy.PRESUMPTION_OF_DENIAL),
        # D:5 destination and a D:5-headquartered buyer, 2023 rule: denial
        (dict(item="A800", buyer="ByteDance", destination="CN", date="2024-01-15"), ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"], Policy.PRESUMPTION_OF_DENIAL),
        # a D:1/D:4 destination outside D:5, a buyer not D:5-headquartered: approval
        (dict(item="A800", buyer=SAUDI_LAB, destination="SA", date="2024-01-15"), ["bis-3a090-2023-destinations"], Policy.PRESUMPTION_OF_APPROVAL),
        # the same destination for a D:5-headquartered buyer: denial (the headquarters rule fires too)
        (dict(item="A800", buyer="ByteDance", destination="SA", date="2024-01-15"), ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"], Policy.PRESUMPTION_OF_DENIAL),
        # a non-D destination for a D:5-headquartered buyer: case by case
        (dict(item="A800", buyer="ByteDance", destination="SG", date="2024-01-15"), ["bis-3a090-2023-headquarters"], Policy.CASE_BY_CASE),
        # an Entity List buyer in Saudi Arabia: the listing's denial overrides
        (dict(item="L2", buyer="Huawei", destination="SA", date="2024-01-15"), ["entity-list-license"], Policy.PRESUMPTION_OF_DENIAL),
        # the H20 notice states no review policy: unknown, not a default
        (dict(item="H20", buyer="ByteDance", destination="CN", date="2025-06-01"), ["nvda-2025-h20-notice"], None),
    ],
)
def test_a_licence_required_verdict_carries_the_most_restrictive_review_policy_of_its_deciding_rules(rb, order, deciding, policy):
    v = ev(rb, **order)
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == deciding
    assert v.review_policy is policy


def test_the_review_rule_that_sets_a_favourable_policy_is_named_in_the_verdict(rb):
    v = ev(rb, item="A800", buyer=SAUDI_LAB, destination="SA", date="2024-01-15")
    review = v.finding("bis-3a090-2023-review-d1-d4")
    assert review.role is cc.Role.REVIEW and review.effect is None
    assert review.review_policy is Policy.PRESUMPTION_OF_APPROVAL
    assert v.finding("bis-3a090-2023-destinations").review_policy is Policy.PRESUMPTION_OF_APPROVAL
    assert "review-d1-d4" not in " ".join(v.deciding_rule_ids)


def test_a_verdict_that_needs_no_licence_has_no_review_policy(rb):
    v = ev(rb, item="A800", buyer="ByteDance", destination="CN", date="2023-06-15")
    assert v.outcome is Outcome.PERMITTED and v.deciding_rule_ids == [] and v.review_policy is None


def test_the_review_policy_is_shown_in_the_text_json_and_html_views(rb):
    v = ev(rb, item="A800", buyer="ByteDance", destination="SG", date="2024-01-15")
    assert "Review policy: case by case" in v.to_text()
    assert '"review_policy": "case_by_case"' in v.model_dump_json(indent=1).replace('":  "', '": "')
    assert "<b>Review policy:</b> case by case" in v._repr_html_()
    assert cc.Verdict.model_validate_json(v.model_dump_json()).review_policy is Policy.CASE_BY_CASE


def _without_review_policies(rulesets_copy):
    """The bundled rules with every review rule and every review policy taken out."""
    for path in (rulesets_copy / "rules").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["rules"] = [{k: v for k, v in r.items() if k != "review_policy"} for r in data.get("rules", []) if not r.get("reviews")]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cc.load_rulebook(rulesets_copy)


@pytest.fixture(scope="module")
def rb_without_policies(tmp_path_factory):
    return _without_review_policies(copy_rulesets(tmp_path_factory.mktemp("no-policy")))


@settings(deadline=None, max_examples=300, derandomize=True)
@given(order=orders(BUNDLED))
def test_a_review_policy_never_changes_the_outcome_or_the_deciding_rules(rb, rb_without_policies, order):
    try:
        with_policies = rb.evaluate(order)
    except cc.InputError as exc:
        with pytest.raises(cc.InputError, match="^" + __import__("re").escape(str(exc)) + "$"):
            rb_without_policies.evaluate(order)
        return
    without = rb_without_policies.evaluate(order)
    assert (with_policies.outcome, with_policies.deciding_rule_ids) == (without.outcome, without.deciding_rule_ids)
    assert without.review_policy is None
    if with_policies.outcome is not Outcome.LICENSE_REQUIRED:
        assert with_policies.review_policy is None


def test_a_change_of_review_policy_alone_is_a_timeline_boundary(rulesets_copy):
    """A hypothetical review rule from 2024-06-01 splits an otherwise constant licence-required segment."""
    add_rule(
        rulesets_copy,
        "bis-acs-ifr-2023-10.yaml",
        hypothetical(
            "hypothetical-case-by-case-2024",
            "Hypothetical: D:5 applications reviewed case by case from 2024-06-01",
            'destination == "VN"',
            effective="2024-06-01",
            reviews=["bis-3a090-2023-destinations"],
            review_policy="case_by_case",
        ),
    )
    rb = cc.load_rulebook(rulesets_copy)
    buyer = cc.Party(name="Hanoi Vision Lab", headquarters="VN", lists=[])
    timeline = rb.timeline(cc.Order(item="A800", buyer=buyer, date="2024-01-01"), "2024-05-01", "2024-07-01")
    before, after = timeline.at(dt.date(2024, 5, 31)), timeline.at(dt.date(2024, 6, 1))
    assert after.start == dt.date(2024, 6, 1)
    assert (before.outcome, before.deciding_rule_ids) == (after.outcome, after.deciding_rule_ids)
    assert before.deciding_rule_ids == ["bis-3a090-2023-destinations"]
    assert (before.review_policy, after.review_policy) == (Policy.PRESUMPTION_OF_APPROVAL, Policy.CASE_BY_CASE)


@pytest.mark.parametrize(
    "reviews, message",
    [
        (["no-such-rule"], "reviews unknown rule 'no-such-rule'"),
        (["bis-nac-2024-notification"], "reviews 'bis-nac-2024-notification', which requires no licence"),
    ],
)
def test_a_review_rule_must_name_licence_requirements_of_the_rulebook(rulesets_copy, reviews, message):
    edit(rulesets_copy / "rules" / "bis-acs-ifr-2023-10.yaml", "reviews: [bis-3a090-2023-destinations]", f"reviews: [{reviews[0]}]")
    with pytest.raises(cc.RulebookError) as caught:
        cc.load_rulebook(rulesets_copy)
    assert "rules/bis-acs-ifr-2023-10.yaml:" in str(caught.value) and "rule 'bis-3a090-2023-review-d1-d4'" in str(caught.value)
    assert message in str(caught.value)


def test_a_rule_with_neither_an_effect_nor_reviews_is_refused(rulesets_copy):
    edit(rulesets_copy / "rules" / "bis-acs-ifr-2023-10.yaml", "    reviews: [bis-3a090-2023-destinations]\n", "")
    with pytest.raises(cc.RulebookError, match="`effect` is required"):
        cc.load_rulebook(rulesets_copy)
