"""Every rule's dates, tested the day before, on and after its effective date and its end date.

Each rule has a witness order that makes it fire while it is valid. A rule added to the rulebook without
a witness here fails `test_every_rule_has_a_witness_order`.
"""

from __future__ import annotations

import datetime as dt

import pytest

import chipcontrol as cc

VIETNAM_LAB = cc.Party(name="Hanoi Vision Lab", headquarters="VN")  # a made-up buyer headquartered in D:1
#: A made-up Singapore buyer 60 % owned by Inspur Group (on the Entity List since 2023-03-02).
INSPUR_AFFILIATE = cc.Party(name="Inspur Cloud Singapore", headquarters="SG", lists=[], owners=[{"party": "Inspur Group", "share": 0.6}])


def startup(**figures) -> cc.Party:
    """A made-up Chinese investment target with the given Part 850 facts (others known to be false)."""
    facts = dict(ai_training_compute_ops=1e20, ai_military_intelligence_surveillance=False, designs_3a090a_ics=False, other_semiconductor_activity=False, quantum=False)
    return cc.Party(name="Shanghai Start-up", headquarters="CN", **{**facts, **figures})


CLOUD = dict(kind="cloud_access", item="H100", buyer="ByteDance", destination="SG")

#: rule id -> the order fields that make it fire (the date is set by the test).
WITNESSES: dict[str, dict] = {
    "nvda-2022-notice": dict(item="A100", buyer="ByteDance", destination="CN"),
    "nvda-2022-auth-h100-development": dict(item="H100", buyer="ByteDance", destination="CN", claims=["nvda-2022-h100-development"]),
    "nvda-2022-auth-a100-us-customers": dict(item="A100", buyer="ByteDance", destination="CN", claims=["nvda-2022-a100-us-customers"]),
    "nvda-2022-auth-hk-fulfilment": dict(item="H100", buyer="ByteDance", destination="HK", claims=["nvda-2022-hk-fulfilment"]),
    "bis-3a090-2022-china": dict(item="A100", buyer="ByteDance", destination="CN"),
    "bis-3a090-2023-01-china-macau": dict(item="A100 PCIe", buyer="ByteDance", destination="MO"),
    "bis-2023-01-macau-savings-clause": dict(item="A100", buyer="ByteDance", destination="MO", claims=["macau-en-route-2023-01-17"]),
    "nvda-2023-acceleration": dict(item="A800", buyer="ByteDance", destination="CN"),
    "bis-3a090-2023-destinations": dict(item="A800", buyer="ByteDance", destination="CN"),
    "bis-3a090-2023-headquarters": dict(item="A800", buyer="ByteDance", destination="MY"),
    "bis-3a090-2023-review-d1-d4": dict(item="A800", buyer=VIETNAM_LAB, destination="VN"),
    "bis-nac-2023-notification": dict(item="RTX 4090", buyer="ByteDance", destination="CN"),
    "bis-nac-2023-without-notification": dict(item="RTX 4090", buyer=VIETNAM_LAB, destination="VN"),
    "bis-nac-2024-notification": dict(item="RTX 4090", buyer="ByteDance", destination="CN"),
    "bis-aca-2024": dict(item="RTX 4090", buyer=VIETNAM_LAB, destination="VN"),
    "entity-list-license": dict(item="L2", buyer="Huawei", destination="CN"),
    "bis-affiliates-2025": dict(item="L2", buyer=INSPUR_AFFILIATE),
    "bis-affiliates-2026-return": dict(item="L2", buyer=INSPUR_AFFILIATE),
    "bis-h200-case-by-case-2026": dict(item="H200", buyer="Tencent", destination="CN"),
    "bis-h200-case-by-case-2026-h20-notice": dict(item="H200", buyer="Tencent", destination="CN"),
    "bis-ai-diffusion-2025-worldwide": dict(item="H100 SXM", buyer=cc.Party(name="KL Compute", headquarters="MY", lists=[]), destination="MY"),
    "bis-h200-rule-d5-headquartered-abroad-2026": dict(item="H200", buyer="Tencent", destination="SG"),
    "bis-uae-2026-advanced-computing": dict(item="H100 PCIe", buyer=cc.Party(name="Dubai Compute", headquarters="AE", lists=[])),
    "usg-2025-h20-revenue-share-expectation": dict(item="H20", buyer="ByteDance", destination="CN"),
    "proclamation-11002-section-232-tariff": dict(item="H200", buyer="Tencent", destination="CN"),
    "nvda-2025-h20-notice": dict(item="H20", buyer="ByteDance", destination="CN"),
    "amd-2025-mi308-notice": dict(item="MI308", buyer="ByteDance", destination="CN"),
    "ear-item-not-subject": dict(item="Ascend 910B", buyer="ByteDance", destination="CN"),
    "reported-2023-08-a800-h800-tightening": dict(item="A800", buyer="ByteDance", destination="CN"),
    "bis-2025-gp10-ascend-guidance": dict(item="Ascend 910B", buyer="ByteDance", destination="CN"),
    "cloud-access-not-an-export": CLOUD,
    "reported-2023-08-cloud-controls": CLOUD,
    "proposed-2024-iaas-customer-identification": CLOUD,
    "bis-2025-iaas-policy-statement": CLOUD,
    "reported-2023-08-eo-14105-investment-ban": dict(kind="investment", buyer=startup()),
    "proposed-2024-07-outbound-nprm": dict(kind="investment", buyer=startup()),
    "outbound-850-prohibited-ai": dict(kind="investment", buyer=startup(ai_training_compute_ops=2e25)),
    "outbound-850-prohibited-semiconductors": dict(kind="investment", buyer="Huawei"),
    "outbound-850-prohibited-quantum": dict(kind="investment", buyer=startup(quantum=True)),
    "outbound-850-notifiable-ai": dict(kind="investment", buyer=startup(ai_training_compute_ops=2e23)),
    "outbound-850-notifiable-semiconductors": dict(kind="investment", buyer=startup(other_semiconductor_activity=True)),
    "outbound-850-publicly-traded-exception": dict(kind="investment", buyer="Huawei", claims=["publicly-traded-security"]),
}

DAY = dt.timedelta(days=1)


def fired(verdict: cc.Verdict, rule_id: str) -> bool:
    """Did the rule fire (in force: any role but not-fired; reported/proposed: shown as an advisory)?"""
    in_findings = any(f.rule_id == rule_id for f in verdict.findings)
    in_advisories = any(
        a.rule_id == rule_id and a.kind.value in ("reported", "proposed", "not_export_control") for a in verdict.advisories
    )
    return in_findings or in_advisories


def test_every_rule_has_a_witness_order(rb):
    assert sorted(WITNESSES) == sorted(rb.rules)


def _edges(rb, rule):
    """(date, should fire) around the rule's effective date and end date, inside the coverage."""
    cov = rb.coverage
    cases = []
    start = max(rule.effective, cov.start)
    if rule.effective > cov.start:
        cases.append((rule.effective - DAY, False))
    cases += [(start, True), (start + DAY, True)]
    if rule.until is not None and rule.until < cov.last_encoded:
        cases += [(rule.until - DAY, True), (rule.until, False), (rule.until + DAY, False)]
    return cases


@pytest.mark.parametrize("rule_id", sorted(WITNESSES))
def test_a_rule_fires_exactly_from_its_effective_date_until_the_day_before_its_end(rb, rule_id):
    rule = rb.rules[rule_id]
    for day, expected in _edges(rb, rule):
        posture = "enforced" if rule.enforced else "codified"  # a rule that is not enforced decides only when codified
        verdict = rb.evaluate(cc.Order(date=day, **WITNESSES[rule_id]), provisional=True, posture=posture)
        assert fired(verdict, rule_id) is expected, f"{rule_id} on {day}: expected fired={expected}"
        assert verdict.provisional is (day >= rb.coverage.until)


def test_a_rule_effective_before_the_coverage_is_not_applied_before_the_coverage(rb):
    early = [r for r in rb.rules.values() if r.effective < rb.coverage.start]
    assert early, "expected the Entity List rule to predate the coverage"
    for rule in early:
        verdict = rb.evaluate(cc.Order(date=rb.coverage.start - DAY, **WITNESSES[rule.id]))
        assert verdict.outcome is cc.Outcome.OUT_OF_COVERAGE


@pytest.mark.parametrize(
    "party, listed",
    [("Biren", "2023-10-17"), ("Moore Threads", "2023-10-17"), ("Huawei", "2019-05-16"), ("Sophgo", "2025-01-16")],
)
def test_an_entity_list_buyer_needs_a_licence_from_its_listing_date(rb, party, listed):
    listed_on = dt.date.fromisoformat(listed)
    for day in (listed_on - DAY, listed_on, listed_on + DAY):
        if not rb.coverage.start <= day < rb.coverage.until:
            continue
        verdict = rb.evaluate(cc.Order(item="L2", buyer=party, destination="CN", date=day))
        expected = day >= listed_on
        assert ("entity-list-license" in verdict.deciding_rule_ids) is expected, (party, day)


def test_the_coverage_ends_on_its_declared_day(rb):
    last = rb.coverage.until - DAY
    inside = rb.evaluate(cc.Order(item="H20", buyer="ByteDance", destination="CN", date=last))
    outside = rb.evaluate(cc.Order(item="H20", buyer="ByteDance", destination="CN", date=rb.coverage.until))
    assert inside.outcome is cc.Outcome.LICENSE_REQUIRED and inside.deciding_rule_ids == ["nvda-2025-h20-notice"]
    assert outside.outcome is cc.Outcome.OUT_OF_COVERAGE and outside.permitted is None


def test_rule_versions_in_a_series_tile_time_without_gaps(rb):
    series = sorted((r for r in rb.rules.values() if r.series == "bis-3a090-license"), key=lambda r: r.effective)
    assert [r.id for r in series] == ["bis-3a090-2022-china", "bis-3a090-2023-01-china-macau", "bis-3a090-2023-destinations"]
    assert all(a.until == b.effective for a, b in zip(series, series[1:]))
