"""The AI Diffusion rule (90 FR 4544): codified but not enforced (design.md §3, rule 13).

Its worldwide licence requirement for 3A090.a ICs decides only with posture="codified", from its compliance date
of 2025-05-15; by default a verdict it would change carries a `posture` advisory saying what the codified text
requires. License Exception AIA's destinations (Supplement No. 5 to Part 740) were not confirmed from a copy of the
rule, so no destination is excepted; LPP and ACM (quantities, end uses) are not modelled.
"""

from __future__ import annotations

import pytest

import chipcontrol as cc

RULE = "bis-ai-diffusion-2025-worldwide"
ENGINES = ["reference", "durable"]
KL_COMPUTE = cc.Party(name="KL Compute", headquarters="MY", lists=[])  # made up; screened, on no list; MY is in no D group
OSAKA_COMPUTE = cc.Party(name="Osaka Compute", headquarters="JP", lists=[])  # made up; Japan is an ally AIA names (secondary)


def h100_to_malaysia(date: str) -> cc.Order:
    return cc.Order(item="H100 SXM", buyer=KL_COMPUTE, destination="MY", date=date)


def posture_advisories(verdict: cc.Verdict) -> list[cc.Advisory]:
    return [a for a in verdict.advisories if a.kind is cc.AdvisoryKind.POSTURE]


@pytest.mark.parametrize("engine", ENGINES)
def test_by_default_an_h100_to_a_malaysian_buyer_is_permitted_and_the_verdict_says_the_codified_text_needs_a_licence(rb, engine):
    v = rb.evaluate(h100_to_malaysia("2025-06-01"), engine=engine)
    assert v.posture is cc.Posture.ENFORCED
    assert v.outcome is cc.Outcome.PERMITTED and v.permitted is True
    assert v.deciding_rule_ids == []
    (advisory,) = posture_advisories(v)
    assert RULE in advisory.message and "license_required" in advisory.message
    assert advisory.message == f"under the text as codified (posture 'codified') the outcome would be license_required ({RULE} [unverified])"
    assert {c.source_id for c in advisory.citations} == {"fr-90-4544", "bis-guidance-2025-05-13"}


@pytest.mark.parametrize("engine", ENGINES)
def test_under_the_codified_posture_the_ai_diffusion_rule_requires_a_licence_for_an_h100_to_malaysia(rb, engine):
    v = rb.evaluate(h100_to_malaysia("2025-06-01"), engine=engine, posture="codified")
    assert v.posture is cc.Posture.CODIFIED
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.permitted is False
    assert v.deciding_rule_ids == [RULE]
    assert v.review_policy is None  # the rule's review policy was not confirmed, so none is encoded
    (advisory,) = posture_advisories(v)
    assert advisory.message == "under what the agency enforces (posture 'enforced') the outcome would be permitted (no restricting rule)"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("posture", ["enforced", "codified"])
def test_before_the_compliance_date_the_postures_agree_and_there_is_no_posture_advisory(rb, engine, posture):
    v = rb.evaluate(h100_to_malaysia("2025-05-14"), engine=engine, posture=posture)
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    assert posture_advisories(v) == []
    assert RULE not in {f.rule_id for f in v.findings}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_requirement_starts_on_the_compliance_date_under_the_codified_posture(rb, engine):
    on = rb.evaluate(h100_to_malaysia("2025-05-15"), engine=engine, posture="codified")
    assert on.outcome is cc.Outcome.LICENSE_REQUIRED and on.deciding_rule_ids == [RULE]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_h100_to_china_needs_a_licence_under_both_postures_and_the_codified_text_adds_the_ai_diffusion_rule(rb, engine):
    """ByteDance in China on 2025-06-01: the 2023 rule's destination and headquarters requirements decide, and so
    do NVIDIA's 2022 notice (it has no end date in the rulebook and still names the H100 for China) and its 2025 H20
    notice (the H100 SXM's 900 GB/s NVLink reaches the H20's interconnect bandwidth). The codified
    posture adds the AI Diffusion rule to the same licence requirement; the outcome and the review policy (denial,
    from the 2023 rule) are the same, but the deciding rules differ, so each verdict carries a posture advisory."""
    order = cc.Order(item="H100 SXM", buyer="ByteDance", destination="CN", date="2025-06-01")
    enforced = rb.evaluate(order, engine=engine)
    codified = rb.evaluate(order, engine=engine, posture="codified")
    common = ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice", "nvda-2025-h20-notice"]
    assert enforced.outcome is cc.Outcome.LICENSE_REQUIRED and enforced.deciding_rule_ids == common
    assert codified.outcome is cc.Outcome.LICENSE_REQUIRED
    assert codified.deciding_rule_ids == sorted(common + [RULE])
    assert enforced.review_policy is codified.review_policy is cc.ReviewPolicy.PRESUMPTION_OF_DENIAL
    (to_codified,) = posture_advisories(enforced)
    assert to_codified.message == (
        "under the text as codified (posture 'codified') the outcome would be license_required "
        f"(bis-3a090-2023-destinations, bis-3a090-2023-headquarters, {RULE} [unverified], nvda-2022-notice, "
        "nvda-2025-h20-notice)"
    )
    (to_enforced,) = posture_advisories(codified)
    assert to_enforced.message == (
        "under what the agency enforces (posture 'enforced') the outcome would be license_required "
        "(bis-3a090-2023-destinations, bis-3a090-2023-headquarters, nvda-2022-notice, nvda-2025-h20-notice)"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_aia_destinations_are_not_excepted_so_the_codified_text_requires_a_licence_for_a_japanese_buyer_in_japan(rb, engine):
    """Supplement No. 5 to Part 740 was not read in a primary copy: the rule excepts no destination, which
    overstates the codified requirement for the AIA allies. Encoding the list must change this test."""
    order = cc.Order(item="H100 SXM", buyer=OSAKA_COMPUTE, destination="JP", date="2025-06-01")
    enforced = rb.evaluate(order, engine=engine)
    codified = rb.evaluate(order, engine=engine, posture="codified")
    assert enforced.outcome is cc.Outcome.PERMITTED and enforced.deciding_rule_ids == []
    assert codified.outcome is cc.Outcome.LICENSE_REQUIRED and codified.deciding_rule_ids == [RULE]
    assert rb.rules[RULE].confidence.value == "unverified"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("posture", ["enforced", "codified"])
def test_a_3a090b_chip_is_not_reached_by_the_worldwide_requirement(rb, engine, posture):
    """The NVIDIA L40 meets 3A090.b, not 3A090.a: the AI Diffusion requirement covers 3A090.a and .z items only."""
    v = rb.evaluate(cc.Order(item="L40", buyer=KL_COMPUTE, destination="MY", date="2025-06-01"), engine=engine, posture=posture)
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    assert posture_advisories(v) == []


def test_the_rule_is_on_the_books_but_not_enforced_from_the_compliance_date(rb):
    rule = rb.rules[RULE]
    assert rule.enforced is False
    assert str(rule.effective) == "2025-05-15" and rule.until is None
    assert rule.effect is cc.Effect.LICENSE_REQUIRED and rule.review_policy is None
    assert rule.legal_basis.source == "fr-90-4544"
