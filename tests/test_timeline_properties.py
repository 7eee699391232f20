"""Properties of timelines and of the rulebook over time, on chipcontrol.testing (hypothesis).

Example counts per run: 100 for the timeline against point evaluation (either engine), 150 for the constancy
between boundaries, 400 for monotonicity in the chip figures (200 weaker, 200 stronger, about).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.engines import ENGINES, UNAVAILABLE
from chipcontrol.rules import EXPORT_KINDS
from chipcontrol.testing import days, inline_chips, monotone_in_figures, orders, timeline_agrees_with_points, verdict_constant_between_boundaries

from .conftest import BUNDLED

RB = BUNDLED
PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck))
INSIDE = (RB.coverage.start, RB.coverage.until - RB.coverage.start.resolution)
ENGINE_NAMES = sorted(e for e in ENGINES if e not in UNAVAILABLE)


@settings(PROPERTY, max_examples=100)
@given(order=orders(RB, dates=INSIDE, unknown=False), start=days(RB, outside=False), length=st.sampled_from([1, 30, 365, 1000, 2000]) | st.integers(1, 2000), engine=st.sampled_from(ENGINE_NAMES))
def test_a_timeline_has_no_gaps_its_segments_differ_and_each_agrees_with_evaluating_its_days(order, start, length, engine):
    end = min(start + length * start.resolution, RB.coverage.last_encoded)
    try:
        timeline_agrees_with_points(RB, order, start, max(end, start + start.resolution), engine=engine)
    except cc.InputError:
        pass  # the order is refused on every day alike


@settings(PROPERTY, max_examples=150)
@given(order=orders(RB, unknown=False), offset=st.integers(-120, 120))
def test_the_verdict_is_constant_between_consecutive_boundaries(order, offset):
    try:
        verdict_constant_between_boundaries(RB, order, order.date + offset * order.date.resolution)
    except cc.InputError:
        pass


# Statement (properties.monotone_in_figures): with the same buyer, destination, date, kind, chip name, vendor
# and datacenter flag, a chip at most as strong as a permitted chip on every figure is permitted, and one at
# least as strong as a chip that is not permitted is not. The rulebook's exceptions are held fixed, and
# stated by the two tests after it: Note 2 to 3A090 (a non-datacenter chip is not comparable with a
# datacenter one) and the company notices that name chips.
@settings(PROPERTY, max_examples=400)
@given(
    order=orders(RB, item=inline_chips(RB), kinds=[k.value for k in EXPORT_KINDS], dates=INSIDE, unknown=False),
    factors=st.tuples(*[st.floats(0, 1)] * 4) | st.tuples(*[st.floats(1, 4)] * 4),
)
def test_a_weaker_chip_than_a_permitted_one_is_permitted_and_a_stronger_one_than_a_restricted_one_is_not(order, factors):
    try:
        monotone_in_figures(RB, order, factors)
    except cc.InputError:
        pass


def test_exception_note_2_a_stronger_non_datacenter_chip_can_be_permitted_where_a_datacenter_one_is_not(rb):
    context = dict(buyer="ByteDance", destination="CN", date="2024-05-01", kind="in_country_transfer")
    datacenter = cc.Chip(name="DC part", vendor="Acme Semi", subject_to_ear=True, datacenter=True, tpp=3000, performance_density=4.0, io_bidirectional_gbps=64)
    gaming = cc.Chip(name="Gaming part", vendor="Acme Semi", subject_to_ear=True, datacenter=False, tpp=4700, performance_density=7.0, io_bidirectional_gbps=64)
    licensed = rb.evaluate(cc.Order(item=datacenter, **context))
    freed = rb.evaluate(cc.Order(item=gaming, **context))
    assert licensed.outcome is cc.Outcome.LICENSE_REQUIRED
    assert licensed.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    assert freed.outcome is cc.Outcome.PERMITTED and freed.deciding_rule_ids == []


def test_exception_company_notices_name_chips_so_a_weaker_nvidia_chip_can_need_a_licence(rb):
    # The H20 is weaker than the (permitted) RTX 4090D on TPP, yet NVIDIA's 2025 notice names it.
    context = dict(buyer="ByteDance", destination="CN", date="2025-05-01")
    assert rb.evaluate(cc.Order(item="RTX 4090D", **context)).permitted is True
    assert rb.evaluate(cc.Order(item="H20", **context)).deciding_rule_ids == ["nvda-2025-h20-notice"]
