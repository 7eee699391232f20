"""What we knew when: `rb.evaluate(order, known_on=K)` answers with only what was public on K (knowledge.py),
`rb.belief_timeline(order)` shows how the answer for the order's date changed as rules were announced.

A change without `announced` is taken as public on the day it applies."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings

import chipcontrol as cc
from chipcontrol import cli
from chipcontrol.errors import InputError, RulebookError
from chipcontrol.testing import orders

from .conftest import BUNDLED, add_rule, copy_rulesets, edit, hypothetical

RB = BUNDLED
D = dt.date.fromisoformat
ACS_2023 = ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
#: Article 000: ByteDance's A800s, ordered in the summer of 2023, for delivery in March 2024.
STOCKPILE = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2024-03-01")


# ------------------------------------------------------------------------------------------ article 000, both ways


def test_on_2023_09_01_bytedances_a800_order_for_march_2024_looked_permitted(rb):
    verdict = rb.evaluate(STOCKPILE, known_on="2023-09-01")
    assert verdict.outcome is cc.Outcome.PERMITTED
    assert verdict.deciding_rule_ids == []
    assert verdict.review_policy is None
    assert verdict.known_on == D("2023-09-01")
    advisory = next(a for a in verdict.advisories if a.kind is cc.AdvisoryKind.KNOWN_ON)
    assert "Today's answer is license_required" in advisory.message
    assert all(rule_id in advisory.message for rule_id in ACS_2023)
    assert [c.source_id for c in advisory.citations] == ["nvda-8k-2023-10-17"]


def test_after_the_2023_rule_was_announced_on_2023_10_17_the_same_order_needed_a_licence(rb):
    for day in ("2023-10-17", "2023-10-18"):
        verdict = rb.evaluate(STOCKPILE, known_on=day)
        assert verdict.outcome is cc.Outcome.LICENSE_REQUIRED
        assert verdict.deciding_rule_ids == ACS_2023
        assert verdict.review_policy is cc.ReviewPolicy.PRESUMPTION_OF_DENIAL


def test_the_day_before_the_announcement_the_order_still_looked_permitted(rb):
    verdict = rb.evaluate(STOCKPILE, known_on="2023-10-16")
    assert (verdict.outcome, verdict.deciding_rule_ids, verdict.review_policy) == (cc.Outcome.PERMITTED, [], None)


def test_without_known_on_the_answer_is_todays_and_is_not_marked(rb):
    verdict = rb.evaluate(STOCKPILE)
    assert verdict.outcome is cc.Outcome.LICENSE_REQUIRED
    assert verdict.deciding_rule_ids == ACS_2023
    assert verdict.review_policy is cc.ReviewPolicy.PRESUMPTION_OF_DENIAL
    assert verdict.known_on is None
    assert not any(a.kind is cc.AdvisoryKind.KNOWN_ON for a in verdict.advisories)


def test_a_rule_whose_end_was_set_by_a_later_rule_was_believed_open_before_that_rule_was_public(rb):
    """The 2022 rule ends on 2023-01-17, when the Macau rule of its series replaced it; on 2022-12-01 no one knew
    that, so an A100 order for March 2023 was believed caught by the 2022 rule (and NVIDIA's notice)."""
    order = cc.Order(item="A100", buyer="ByteDance", destination="CN", date="2023-03-01")
    then = rb.evaluate(order, known_on="2022-12-01")
    assert then.outcome is cc.Outcome.LICENSE_REQUIRED
    assert then.deciding_rule_ids == ["bis-3a090-2022-china", "nvda-2022-notice"]
    assert then.review_policy is cc.ReviewPolicy.PRESUMPTION_OF_DENIAL
    today = rb.evaluate(order)
    assert today.deciding_rule_ids == ["bis-3a090-2023-01-china-macau", "nvda-2022-notice"]


def test_a_bad_known_on_date_is_one_clear_input_error(rb):
    with pytest.raises(InputError, match="bad known_on"):
        rb.evaluate(STOCKPILE, known_on="2023-13-01")


# ------------------------------------------------------------------------------------------ announced, not yet effective

H20_BAN = hypothetical(
    "hypothetical-h20-ban", "Hypothetical: ICs of TPP 2000 or more to the 2023 destinations are prohibited",
    'chip.subject_to_ear and chip.tpp >= 2000 and term("acs-2023-destination")',
    effective="2024-06-01", effect="prohibited",
    announced={"date": "2024-01-10", "source": "fr-89-23876", "note": "made up"},
)


@pytest.fixture(scope="module")
def banned(tmp_path_factory) -> cc.Rulebook:
    rulesets = copy_rulesets(tmp_path_factory.mktemp("h20ban"))
    add_rule(rulesets, "bis-ifr-2024-04-corrections.yaml", H20_BAN)
    return cc.load_rulebook(rulesets)


def test_a_rule_announced_before_k_and_effective_by_the_order_date_is_known_on_k(banned):
    order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-09-01")
    for day in ("2024-01-10", "2024-03-01"):  # announced, not yet effective on K; effective on the order's date
        verdict = banned.evaluate(order, known_on=day)
        assert verdict.outcome is cc.Outcome.PROHIBITED
        assert verdict.deciding_rule_ids == ["hypothetical-h20-ban"]
        assert verdict.review_policy is None


def test_a_rule_announced_after_k_is_not_known_on_k(banned):
    order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-09-01")
    verdict = banned.evaluate(order, known_on="2024-01-09")
    assert (verdict.outcome, verdict.deciding_rule_ids, verdict.review_policy) == (cc.Outcome.PERMITTED, [], None)
    assert "hypothetical-h20-ban (announced 2024-01-10, effective 2024-06-01)" in verdict.advisories[-1].message


def test_an_announced_rule_does_not_apply_to_an_order_before_its_effective_date(banned):
    order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-05-31")
    verdict = banned.evaluate(order, known_on="2024-03-01")
    assert (verdict.outcome, verdict.deciding_rule_ids, verdict.review_policy) == (cc.Outcome.PERMITTED, [], None)


def test_belief_timeline_boundaries_are_exactly_announcement_dates(banned):
    order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-09-01")
    beliefs = banned.belief_timeline(order)
    assert [b.known_from for b in beliefs.beliefs[1:]] == [D("2024-01-10")]
    assert beliefs.beliefs[-1].known_until is None
    assert (beliefs.beliefs[-1].outcome, beliefs.beliefs[-1].deciding_rule_ids) == (cc.Outcome.PROHIBITED, ["hypothetical-h20-ban"])
    assert any("hypothetical-h20-ban announced (fr-89-23876)" in a for a in beliefs.beliefs[-1].announcements)
    assert beliefs.on("2024-01-09").outcome is cc.Outcome.PERMITTED


# ------------------------------------------------------------------------------------------ belief timeline (bundled)


def test_belief_timeline_of_the_stockpile_changes_once_on_2023_10_17(rb):
    beliefs = rb.belief_timeline(STOCKPILE)
    assert [(b.known_from, b.known_until, b.outcome) for b in beliefs.beliefs] == [
        (D("2019-05-16"), D("2023-10-17"), cc.Outcome.PERMITTED),
        (D("2023-10-17"), None, cc.Outcome.LICENSE_REQUIRED),
    ]
    last = beliefs.beliefs[-1]
    assert last.deciding_rule_ids == ACS_2023
    assert last.review_policy is cc.ReviewPolicy.PRESUMPTION_OF_DENIAL
    assert "known 2023-10-17 .. today" in beliefs.to_text()


def test_every_belief_boundary_is_a_day_something_became_public_and_matches_known_on(rb):
    order = cc.Order(item="A100", buyer="ByteDance", destination="CN", date="2026-03-01")
    beliefs = rb.belief_timeline(order)
    public_days = set(rb.knowledge_dates())
    for belief in beliefs.beliefs:
        assert belief.known_from in public_days
        for day in (belief.known_from, (belief.known_until or D("2026-03-01")) - dt.timedelta(days=1)):
            verdict = rb.evaluate(order, known_on=day)
            assert (verdict.outcome, verdict.deciding_rule_ids, verdict.review_policy) == (
                belief.outcome, belief.deciding_rule_ids, belief.review_policy)
    assert [b.known_from for b in beliefs.beliefs][1:] == [D("2022-08-26"), D("2022-10-07"), D("2023-01-17"),
                                                          D("2023-10-17"), D("2026-01-13")]


# ------------------------------------------------------------------------------------------ today's knowledge


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders(RB, inline=False, unknown=False))
def test_known_on_none_and_known_on_today_give_todays_answer(order):
    try:
        today = RB.evaluate(order)
    except InputError:
        return
    assert RB.evaluate(order, known_on=None) == today
    later = RB.evaluate(order, known_on="2100-01-01")
    assert (later.outcome, later.deciding_rule_ids, later.review_policy) == (
        today.outcome, today.deciding_rule_ids, today.review_policy)


# ------------------------------------------------------------------------------------------ the data is checked on load


def test_announced_after_effective_is_a_load_error_naming_file_and_rule(tmp_path):
    rulesets = copy_rulesets(tmp_path)
    edit(rulesets / "rules" / "bis-ifr-2022-10.yaml", "date: 2022-10-07", "date: 2022-10-22")
    with pytest.raises(RulebookError) as info:
        cc.load_rulebook(rulesets)
    message = str(info.value)
    assert "bis-ifr-2022-10.yaml" in message and "bis-3a090-2022-china" in message
    assert "announced 2022-10-22 is after effective 2022-10-21" in message


def test_a_dangling_announced_source_is_a_load_error_naming_file_and_rule(tmp_path):
    rulesets = copy_rulesets(tmp_path)
    edit(rulesets / "rules" / "bis-ifr-2022-10.yaml", "source: fr-87-62186\n      note: \"Released", "source: fr-no-such\n      note: \"Released")
    with pytest.raises(RulebookError) as info:
        cc.load_rulebook(rulesets)
    message = str(info.value)
    assert "bis-ifr-2022-10.yaml" in message and "bis-3a090-2022-china" in message
    assert "announced cites unknown source 'fr-no-such'" in message


def test_an_entity_list_entry_announced_after_it_was_added_is_a_load_error(tmp_path):
    rulesets = copy_rulesets(tmp_path)
    edit(rulesets / "catalog" / "parties.yaml", "date: 2019-10-07", "date: 2019-10-10")
    with pytest.raises(RulebookError, match="announced 2019-10-10 is after added 2019-10-09"):
        cc.load_rulebook(rulesets)


# ------------------------------------------------------------------------------------------ CLI


def test_check_known_on_prints_the_answer_as_then_believed(capsys):
    code = cli.main(["check", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-03-01",
                     "--known-on", "2023-09-01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Outcome: PERMITTED" in out and "AS KNOWN ON 2023-09-01" in out


def test_check_with_a_bad_known_on_exits_2_with_one_line(capsys):
    code = cli.main(["check", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-03-01",
                     "--known-on", "soon"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "--known-on" in err


def test_beliefs_prints_the_belief_timeline(capsys):
    code = cli.main(["beliefs", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-03-01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "known 2023-10-17 .. today       LICENSE_REQUIRED" in out


def test_an_as_known_on_verdict_cannot_be_certified_as_if_it_were_todays(rb):
    with pytest.raises(ValueError, match="today's answer"):
        rb.evaluate(STOCKPILE, known_on="2023-09-01").certificate()
