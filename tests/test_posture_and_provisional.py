"""Codified and enforced law (design.md §3, rule 13), and answers past the verified horizon (`provisional`)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings

import chipcontrol as cc

from .conftest import BUNDLED, add_rule, copy_rulesets, hypothetical
from chipcontrol.testing import orders

LAB = cc.Party(name="Singapore Vision Lab", headquarters="SG", lists=[])  # screened, on no list; SG is A:6 only

CODIFIED_ONLY = hypothetical(
    "hypothetical-codified-only",
    "Hypothetical: 3A090.a ICs need a licence worldwide (codified, not enforced)",
    'chip.subject_to_ear and term("3A090.a-2023")',
    effective="2024-01-01",
    effect="license_required",
    enforced=False,
)


@pytest.fixture(scope="module")
def rb_codified(tmp_path_factory):
    rulesets = copy_rulesets(tmp_path_factory.mktemp("posture"))
    add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", CODIFIED_ONLY)
    return cc.load_rulebook(rulesets)


def posture_advisories(verdict) -> list[cc.Advisory]:
    return [a for a in verdict.advisories if a.kind is cc.AdvisoryKind.POSTURE]


def test_by_default_a_rule_that_is_not_enforced_does_not_decide_and_the_verdict_says_what_the_text_says(rb_codified):
    v = rb_codified.evaluate(cc.Order(item="H100 PCIe", buyer=LAB, date="2024-06-01"))
    assert v.posture is cc.Posture.ENFORCED
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    (advisory,) = posture_advisories(v)
    assert "under the text as codified (posture 'codified') the outcome would be license_required (hypothetical-codified-only [secondary])" in advisory.message
    assert [c.source_id for c in advisory.citations] == ["fr-88-73458"]


@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_the_codified_posture_applies_the_text_and_says_what_is_enforced(rb_codified, engine):
    v = rb_codified.evaluate(cc.Order(item="H100 PCIe", buyer=LAB, date="2024-06-01"), engine=engine, posture="codified")
    assert v.posture is cc.Posture.CODIFIED
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["hypothetical-codified-only"]
    (advisory,) = posture_advisories(v)
    assert "under what the agency enforces (posture 'enforced') the outcome would be permitted" in advisory.message


def test_an_unknown_posture_is_an_input_error(rb):
    with pytest.raises(cc.InputError, match="unknown posture 'lenient'"):
        rb.evaluate(cc.Order(item="A800", buyer="ByteDance", date="2024-01-15"), posture="lenient")


@settings(deadline=None, max_examples=200, derandomize=True)
@given(order=orders(BUNDLED))
def test_the_posture_advisory_appears_exactly_when_the_postures_disagree(rb_codified, order):
    try:
        enforced = rb_codified.evaluate(order)
    except cc.InputError:
        return
    codified = rb_codified.evaluate(order, posture="codified")
    differ = (enforced.outcome, enforced.deciding_rule_ids) != (codified.outcome, codified.deciding_rule_ids)
    assert bool(posture_advisories(enforced)) is differ
    assert bool(posture_advisories(codified)) is differ


@pytest.fixture(scope="module")
def rb_scheduled(tmp_path_factory):
    """The bundled rulebook (verified to 2026-09-19, provisional answers to 2026-11-30) with a hypothetical rule
    scheduled after the horizon."""
    rulesets = copy_rulesets(tmp_path_factory.mktemp("provisional"))
    add_rule(rulesets, "entity-list.yaml", hypothetical(
        "hypothetical-scheduled",
        "Hypothetical: all 3A090 ICs to Singapore need a licence (scheduled, unverified)",
        'chip.subject_to_ear and term("3A090-2023") and destination == "SG"',
        source="ear-part-744-supp-4",
        effective="2026-10-01",
        effect="license_required",
        confidence="unverified",
    ))
    return cc.load_rulebook(rulesets)


def test_past_the_verified_horizon_the_answer_is_out_of_coverage_unless_provisional_is_asked(rb_scheduled):
    order = cc.Order(item="H100 PCIe", buyer=LAB, date="2026-10-15")
    plain = rb_scheduled.evaluate(order)
    assert plain.outcome is cc.Outcome.OUT_OF_COVERAGE and plain.provisional is False
    assert "provisional answers to 2026-11-30 with provisional=True" in plain.reason
    best = rb_scheduled.evaluate(order, provisional=True)
    assert best.provisional is True
    assert best.outcome is cc.Outcome.LICENSE_REQUIRED and best.deciding_rule_ids == ["hypothetical-scheduled"]
    (note,) = [a for a in best.advisories if a.kind is cc.AdvisoryKind.PROVISIONAL]
    assert "past the verified horizon (2026-09-19)" in note.message and "hypothetical-scheduled from 2026-10-01 (unverified)" in note.message


def test_provisional_answers_stop_where_the_encoded_rules_stop(rb_scheduled):
    v = rb_scheduled.evaluate(cc.Order(item="H100 PCIe", buyer=LAB, date="2026-12-01"), provisional=True)
    assert v.outcome is cc.Outcome.OUT_OF_COVERAGE


def test_inside_the_verified_horizon_provisional_changes_nothing(rb_scheduled):
    order = cc.Order(item="A800", buyer="ByteDance", date="2024-01-15")
    a, b = rb_scheduled.evaluate(order), rb_scheduled.evaluate(order, provisional=True)
    assert b.provisional is False and (a.outcome, a.deciding_rule_ids) == (b.outcome, b.deciding_rule_ids)
    assert a.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]


def test_a_provisional_timeline_runs_past_the_horizon(rb_scheduled):
    timeline = rb_scheduled.timeline(cc.Order(item="H100 PCIe", buyer=LAB, date="2026-09-01"), "2026-09-01", "2026-11-01", provisional=True)
    assert [(s.start, s.outcome) for s in timeline.segments] == [
        (dt.date(2026, 9, 1), cc.Outcome.PERMITTED),
        (dt.date(2026, 10, 1), cc.Outcome.LICENSE_REQUIRED),
    ]


def test_the_text_and_html_views_say_when_a_verdict_is_provisional_or_codified(rb_scheduled, rb_codified):
    provisional = rb_scheduled.evaluate(cc.Order(item="H100 PCIe", buyer=LAB, date="2026-10-15"), provisional=True)
    assert "PROVISIONAL: the date is past the rulebook's verified horizon" in provisional.to_text()
    assert "<b>Provisional:</b>" in provisional._repr_html_()
    codified = rb_codified.evaluate(cc.Order(item="H100 PCIe", buyer=LAB, date="2024-06-01"), posture="codified")
    assert "Posture: codified" in codified.to_text() and "<b>Posture:</b> codified" in codified._repr_html_()
    assert "Posture:" not in rb_codified.evaluate(cc.Order(item="H100 PCIe", buyer=LAB, date="2024-06-01")).to_text()
