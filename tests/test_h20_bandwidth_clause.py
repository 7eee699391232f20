"""NVIDIA's H20 notice (2025-04-09) by figures: "our H20 integrated circuits and any other circuits achieving the
H20's memory bandwidth, interconnect bandwidth, or combination thereof" (NVIDIA 10-K FY2026, regulations-2025-2026.md
A04). Encoded as: seller NVIDIA and (the H20, or memory bandwidth >= 4,000 GB/s, or chip-to-chip I/O >= 900 GB/s)."""

from __future__ import annotations

import pytest

import chipcontrol as cc
from chipcontrol import Outcome


ENGINES = ["reference", "durable"]
H20_NOTICE = "nvda-2025-h20-notice"


def nvidia_chip(name: str, **figures) -> cc.Chip:
    return cc.Chip(name=name, vendor="NVIDIA", datacenter=True, tpp=2000, die_area_mm2=800, **figures)


def to_bytedance(rb, item, day="2025-06-01", engine=None) -> cc.Verdict:
    return rb.evaluate(cc.Order(item=item, buyer="ByteDance", destination="CN", date=day), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "figures, outcome",
    [
        (dict(memory_bandwidth_gbps=4000, io_bidirectional_gbps=64), Outcome.LICENSE_REQUIRED),
        (dict(memory_bandwidth_gbps=3999, io_bidirectional_gbps=64), Outcome.PERMITTED),
        (dict(memory_bandwidth_gbps=1000, io_bidirectional_gbps=900), Outcome.LICENSE_REQUIRED),
        (dict(memory_bandwidth_gbps=1000, io_bidirectional_gbps=899), Outcome.PERMITTED),
    ],
)
def test_an_unnamed_nvidia_chip_is_caught_exactly_when_it_reaches_either_h20_bandwidth(rb, engine, figures, outcome):
    v = to_bytedance(rb, nvidia_chip("Acme Q", **figures), engine=engine)
    assert v.outcome is outcome
    assert v.deciding_rule_ids == ([H20_NOTICE] if outcome is Outcome.LICENSE_REQUIRED else [])
    assert v.review_policy is None  # the notice states no review policy


@pytest.mark.parametrize("engine", ENGINES)
def test_an_nvidia_chip_with_an_unknown_bandwidth_is_undetermined_only_where_the_notice_could_reach_it(rb, engine):
    unknown = nvidia_chip("Acme Q", memory_bandwidth_gbps=3000)  # interconnect unknown
    v = to_bytedance(rb, unknown, engine=engine)
    assert v.outcome is Outcome.UNDETERMINED and H20_NOTICE in v.reason
    in_japan = rb.evaluate(
        cc.Order(item=unknown, buyer=cc.Party(name="Tokyo AI Lab", headquarters="JP", lists=[]), destination="JP", date="2025-06-01"),
        engine=engine,
    )
    assert in_japan.outcome is Outcome.PERMITTED and in_japan.deciding_rule_ids == []
    before = to_bytedance(rb, unknown, day="2025-04-08", engine=engine)
    assert before.outcome is Outcome.PERMITTED and before.deciding_rule_ids == []


def test_the_same_figures_from_another_vendor_are_not_caught_by_a_notice_addressed_to_nvidia(rb):
    chip = cc.Chip(name="Acme Q", vendor="Acme", datacenter=True, tpp=2000, die_area_mm2=800, memory_bandwidth_gbps=8000, io_bidirectional_gbps=64)
    v = to_bytedance(rb, chip)
    assert v.outcome is Outcome.PERMITTED and v.deciding_rule_ids == []


@pytest.mark.parametrize("item", ["L20", "L2", "RTX 4090 D", "H800 SXM", "H100 NVL"])
def test_the_china_market_parts_under_both_h20_figures_stay_permitted_to_bytedance_in_2025(rb, item):
    """Their catalog figures (memory bandwidth under 4,000 GB/s; PCIe or cut NVLink under 900 GB/s) are all known."""
    v = to_bytedance(rb, item)
    chip = rb.chip(item)
    assert chip.memory_bandwidth_gbps.value < 4000 and chip.io_bidirectional_gbps.value < 900
    assert H20_NOTICE not in v.deciding_rule_ids and v.finding(H20_NOTICE).role is cc.Role.NOT_FIRED


@pytest.mark.parametrize("item", ["H200", "B200", "H100 SXM"])
def test_nvidia_parts_past_the_h20_figures_are_caught_by_the_notice_as_well_as_by_3a090(rb, item):
    v = to_bytedance(rb, item)
    assert v.outcome is Outcome.LICENSE_REQUIRED and H20_NOTICE in v.deciding_rule_ids
    assert "bis-3a090-2023-destinations" in v.deciding_rule_ids


def test_the_h200_licence_is_reviewed_case_by_case_in_2026_even_though_the_h20_notice_also_requires_it(rb):
    v = rb.evaluate(cc.Order(item="H200", buyer="Tencent", destination="CN", date="2026-02-01"))
    assert v.outcome is Outcome.LICENSE_REQUIRED and H20_NOTICE in v.deciding_rule_ids
    assert v.review_policy is cc.ReviewPolicy.CASE_BY_CASE
    assert v.finding("bis-h200-case-by-case-2026-h20-notice").role is cc.Role.REVIEW


def test_the_h20_itself_keeps_an_unknown_review_policy_in_2026(rb):
    """Whether the January 2026 rule's policy reaches the H20 is an open question (regulations-2025-2026.md)."""
    v = rb.evaluate(cc.Order(item="H20", buyer="Tencent", destination="CN", date="2026-02-01"))
    assert v.outcome is Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == [H20_NOTICE]
    assert v.review_policy is None
    assert v.finding("bis-h200-case-by-case-2026-h20-notice").role is cc.Role.NOT_FIRED
