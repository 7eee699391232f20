"""Cloud access and outbound investment orders, and article-versus-law discrepancies."""

from __future__ import annotations

import json
import subprocess

import pytest

import chipcontrol as cc

from .test_cli import script
from .test_seed_claims import assert_quoted


def test_renting_cloud_gpus_is_not_an_export_and_cites_the_reported_extension(rb, article_text):
    # 002: "Washington devrait également étendre ses restrictions d’exportation aux services de cloud, qui ne
    # sont pour le moment pas concernés."
    assert_quoted(article_text, "article-002", "étendre ses restrictions d’exportation aux services de cloud, qui ne sont pour le moment pas concernés")
    v = rb.evaluate(cc.Order(kind="cloud_access", item="H100", buyer="ByteDance", destination="SG", date="2023-09-01"))
    assert v.outcome is cc.Outcome.PERMITTED
    assert v.deciding_rule_ids == ["cloud-access-not-an-export"]
    assert [a.rule_id for a in v.advisories if a.kind.value == "reported"] == ["reported-2023-08-cloud-controls"]
    assert "article-002" in {c.source_id for a in v.advisories for c in a.citations}


def test_cloud_access_in_2024_carries_the_iaas_proposal_as_an_advisory(rb):
    v = rb.evaluate(cc.Order(kind="cloud_access", item="H100", buyer="ByteDance", destination="US", date="2024-06-01"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == ["cloud-access-not-an-export"]
    proposed = [a for a in v.advisories if a.kind.value == "proposed"]
    assert [a.rule_id for a in proposed] == ["proposed-2024-iaas-customer-identification"]
    assert proposed[0].citations[0].official_citation == "89 FR 5698"


def test_cloud_access_by_an_entity_listed_buyer_is_still_not_an_export(rb):
    v = rb.evaluate(cc.Order(kind="cloud_access", item="H100", buyer="Huawei", destination="SG", date="2024-06-01"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == ["cloud-access-not-an-export"]
    assert "entity-list-license" not in {f.rule_id for f in v.findings + v.checked}


STARTUP = dict(name="Shanghai LLM Start-up", headquarters="CN", ai_military_intelligence_surveillance=False, designs_3a090a_ics=False, other_semiconductor_activity=False, quantum=False)


@pytest.mark.parametrize(
    "compute, outcome, deciding",
    [
        (1e26, "prohibited", ["outbound-850-prohibited-ai"]),
        (1e25, "notification_required", ["outbound-850-notifiable-ai"]),  # "more than 10^25" is strict
        (3e24, "notification_required", ["outbound-850-notifiable-ai"]),
        (1e23, "permitted", []),
        (5e22, "permitted", []),
    ],
)
def test_investment_in_a_chinese_ai_start_up_from_2025_depends_on_its_training_compute(rb, compute, outcome, deciding):
    target = cc.Party(ai_training_compute_ops=compute, **STARTUP)
    v = rb.evaluate(cc.Order(kind="investment", buyer=target, date="2025-03-01"))
    assert v.outcome.value == outcome and v.deciding_rule_ids == deciding


def test_investment_with_unknown_training_compute_is_undetermined_and_names_the_fact(rb):
    target = cc.Party(**STARTUP)
    v = rb.evaluate(cc.Order(kind="investment", buyer=target, date="2025-03-01"))
    assert v.outcome is cc.Outcome.UNDETERMINED
    assert "buyer.ai_training_compute_log10_ops" in v.finding("outbound-850-prohibited-ai").missing_facts


def test_investment_before_2025_was_permitted_with_the_announced_ban_as_an_advisory_and_the_date_discrepancy(rb, article_text):
    # 000: "Le 9 août, Washington a annoncé une nouvelle interdiction, applicable dès l'année prochaine"
    assert_quoted(article_text, "article-000", "Le 9 août, Washington a annoncé une nouvelle interdiction, applicable dès l'année prochaine")
    target = cc.Party(ai_training_compute_ops=1e26, **STARTUP)
    v = rb.evaluate(cc.Order(kind="investment", buyer=target, date="2024-03-01"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    assert "reported-2023-08-eo-14105-investment-ban" in {a.rule_id for a in v.advisories}
    discrepancies = [a for a in v.advisories if a.kind.value == "discrepancy"]
    assert len(discrepancies) == 1 and "2025-01-02" in discrepancies[0].message
    assert {c.source_id for c in discrepancies[0].citations} == {"article-000", "fr-89-90398"}


def test_investment_in_huawei_is_prohibited_as_a_3a090a_designer(rb):
    v = rb.evaluate(cc.Order(kind="investment", buyer="Huawei", date="2025-03-01"))
    assert v.outcome is cc.Outcome.PROHIBITED and v.deciding_rule_ids == ["outbound-850-prohibited-semiconductors"]


def test_the_publicly_traded_securities_exception_must_be_claimed(rb):
    claimed = rb.evaluate(cc.Order(kind="investment", buyer="Huawei", date="2025-03-01", claims=["publicly-traded-security"]))
    assert claimed.outcome is cc.Outcome.PERMITTED and claimed.deciding_rule_ids == ["outbound-850-publicly-traded-exception"]


def test_investment_in_a_us_firm_is_not_covered_by_part_850(rb):
    v = rb.evaluate(cc.Order(kind="investment", buyer="NVIDIA", date="2025-03-01"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []


def test_an_nvidia_2022_verdict_shows_the_article_001_delay_discrepancy(rb):
    v = rb.evaluate(cc.Order(item="A100", buyer="ByteDance", date="2022-09-15"))
    messages = [a.message for a in v.advisories if a.kind.value == "discrepancy"]
    assert len(messages) == 1 and "article-001" in messages[0] and "2023-09-01" in messages[0]


def test_a_verdict_not_involving_a_discrepancy_shows_none(rb):
    v = rb.evaluate(cc.Order(item="H20", buyer="ByteDance", date="2024-06-01"))
    assert not [a for a in v.advisories if a.kind.value == "discrepancy"]


def test_the_timeline_command_prints_the_a800_story(rb):
    result = subprocess.run(
        [script(), "timeline", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--from", "2022-01-01", "--to", "2026-12-31"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line[:4].isdigit()]
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("2022-01-01", "2023-10-22", "PERMITTED"),
        ("2023-10-23", "2023-11-16", "LICENSE_REQUIRED"),
        ("2023-11-17", "2026-01-14", "LICENSE_REQUIRED"),  # presumption of denial
        ("2026-01-15", "2026-09-19", "LICENSE_REQUIRED"),  # the same rules, reviewed case by case (91 FR 1684)
        ("2026-09-20", "2026-12-31", "OUT_OF_COVERAGE"),
    ]
    timeline = rb.timeline(cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2022-01-01"), "2022-01-01", "2026-01-01")
    before, acceleration = timeline.segments[0], timeline.segments[1]
    assert {c.source_id for c in before.citations if c.kind.value == "article"} >= {"article-000", "article-002"}
    assert {c.source_id for c in acceleration.citations if c.kind.value == "article"} == {"article-003", "article-004"}
    assert acceleration.changes[0].rule_id == "nvda-2023-acceleration" and acceleration.changes[0].kind.value == "came_into_force"


def test_the_timeline_json_is_a_timeline(rb):
    result = subprocess.run(
        [script(), "timeline", "--item", "A100", "--buyer", "ByteDance", "--from", "2022-08-01", "--to", "2022-12-31", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    timeline = cc.Timeline.model_validate(json.loads(result.stdout))
    assert [s.outcome.value for s in timeline.segments] == ["permitted", "license_required", "license_required"]
    assert timeline.segments[1].start.isoformat() == "2022-08-26"


def test_a_timeline_marks_the_day_a_buyer_was_added_to_the_entity_list(rb):
    timeline = rb.timeline(cc.Order(item="L2", buyer="Biren", destination="CN", date="2023-01-01"), "2023-01-01", "2024-01-01")
    assert [(s.start.isoformat(), s.outcome.value) for s in timeline.segments] == [("2023-01-01", "permitted"), ("2023-10-17", "license_required")]
    change = timeline.segments[1].changes[-1]
    assert change.kind.value == "listed" and change.rule_id == "entity-list-license"
    assert change.citations[0].official_citation == "88 FR 71991"
