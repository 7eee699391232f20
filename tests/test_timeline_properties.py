"""Properties of timelines and of the rulebook over time (hypothesis).

Example counts per run: 150 for the timeline shape, 100 for timeline-vs-point evaluation, 150 for the
constancy between rule boundaries, 300 + 300 for monotonicity.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.engines import ENGINES
from chipcontrol.timeline import change_dates

from .strategies import dates, orders

PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
DAY = dt.timedelta(days=1)


def _span(draw_dates):
    start, end = sorted(draw_dates)
    return (start, end) if start < end else (start, start + DAY)


@settings(PROPERTY, max_examples=150)
@given(order=orders(), span=st.tuples(dates, dates))
def test_a_timeline_covers_its_range_without_gaps_or_overlaps_and_adjacent_segments_differ(rb, order, span):
    start, end = _span(span)
    timeline = rb.timeline(order, start, end)
    segments = timeline.segments
    assert segments[0].start == start and segments[-1].end == end
    for before, after in zip(segments, segments[1:]):
        assert before.end == after.start
        assert before.start < before.end
        # a change of review policy alone is a boundary too (design.md §3, rule 11)
        assert (before.outcome, before.deciding_rule_ids, before.review_policy) != (after.outcome, after.deciding_rule_ids, after.review_policy)
        assert after.changes, f"no change recorded at {after.start}"


@settings(PROPERTY, max_examples=100)
@given(order=orders(), span=st.tuples(dates, dates), data=st.data(), engine=st.sampled_from(sorted(ENGINES)))
def test_evaluating_any_day_of_a_segment_gives_the_segments_verdict_with_either_engine(rb, order, span, data, engine):
    start, end = _span(span)
    timeline = rb.timeline(order, start, end, engine=engine)
    assert timeline.engine == engine
    for segment in timeline.segments:
        offset = data.draw(st.integers(min_value=0, max_value=(segment.end - segment.start).days - 1))
        verdict = rb.evaluate(order.model_copy(update={"date": segment.start + dt.timedelta(days=offset)}), engine=engine)
        assert (verdict.outcome, verdict.deciding_rule_ids, verdict.review_policy) == (
            segment.outcome, segment.deciding_rule_ids, segment.review_policy
        )


@settings(PROPERTY, max_examples=150)
@given(order=orders(), data=st.data())
def test_the_verdict_is_constant_between_consecutive_rule_boundaries(rb, order, data):
    boundaries = sorted(change_dates(rb, order))
    i = data.draw(st.integers(min_value=0, max_value=len(boundaries) - 2))
    low, high = boundaries[i], boundaries[i + 1]
    a, b = (low + dt.timedelta(days=data.draw(st.integers(0, (high - low).days - 1))) for _ in range(2))
    first = rb.evaluate(order.model_copy(update={"date": a})).model_dump(exclude={"order", "reason"})
    second = rb.evaluate(order.model_copy(update={"date": b})).model_dump(exclude={"order", "reason"})
    assert first == second


# --- spec monotonicity under the threshold rules ------------------------------------------------------
#
# Statement: with the same buyer, destination, date, kind and datacenter status, a chip at most as strong
# as a permitted chip on every figure (TPP, performance density, I/O, memory bandwidth) is permitted, and a
# chip at least as strong as a licence-required chip is not permitted. `permitted` counts
# notification_required as permitted (rule 9), which is what makes License Exception NAC monotone here.
# Exceptions, stated and tested below: (1) Note 2 to 3A090 — a non-datacenter chip is not comparable with
# a datacenter chip; (2) company notices that name chips by id (NVIDIA 2022/2025, AMD 2025) are not
# threshold rules, so the property uses a vendor with no company notice ("Acme Semi").

_figures = st.fixed_dictionaries(
    {
        "tpp": st.floats(min_value=0, max_value=20000, allow_nan=False),
        "performance_density": st.floats(min_value=0, max_value=25, allow_nan=False),
        "io_bidirectional_gbps": st.floats(min_value=0, max_value=1200, allow_nan=False),
        "memory_bandwidth_gbps": st.floats(min_value=0, max_value=9000, allow_nan=False),
    }
)


def _origin(context: dict) -> dict:
    """A reexport ships from abroad (Japan, which no context draws as a destination)."""
    return {**context, "origin": "JP"} if context["kind"] == "reexport" else context


_context = st.fixed_dictionaries(
    {
        "buyer": st.sampled_from(["ByteDance", "Tencent", "Biren"]) | st.builds(cc.Party, name=st.just("Lab"), headquarters=st.sampled_from(["VN", "SG", "US", "MY", "SA"])),
        "destination": st.sampled_from(["CN", "MO", "VN", "SA", "SG", "GB", "MY", "IL"]),
        "date": st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2025, 8, 31)),
        "kind": st.sampled_from(["export", "reexport", "in_country_transfer"]),
    }
).map(_origin)


def _chip(figures, datacenter):
    return cc.Chip(name="Acme part", vendor="Acme Semi", subject_to_ear=True, datacenter=datacenter, **figures)


def _scaled(figures, factors):
    return {k: v * f for (k, v), f in zip(figures.items(), factors)}


@settings(PROPERTY, max_examples=300)
@given(figures=_figures, datacenter=st.booleans(), context=_context, factors=st.tuples(*[st.floats(0, 1)] * 4))
def test_a_chip_no_stronger_than_a_permitted_chip_is_permitted(rb, figures, datacenter, context, factors):
    strong = rb.evaluate(cc.Order(item=_chip(figures, datacenter), **context))
    assume(strong.permitted is True)
    weak = rb.evaluate(cc.Order(item=_chip(_scaled(figures, factors), datacenter), **context))
    assert weak.permitted is True, (weak.outcome, weak.deciding_rule_ids)


_restricted_context = st.fixed_dictionaries(  # where licences are common, so few draws are discarded
    {
        "buyer": st.sampled_from(["ByteDance", "Tencent", "Biren"]),
        "destination": st.sampled_from(["CN", "MO", "VN", "SA"]),
        "date": st.dates(min_value=dt.date(2022, 10, 21), max_value=dt.date(2025, 8, 31)),
        "kind": st.sampled_from(["export", "reexport", "in_country_transfer"]),
    }
).map(_origin)


@settings(PROPERTY, max_examples=300)
@given(figures=_figures, datacenter=st.booleans(), context=_restricted_context | _context, factors=st.tuples(*[st.floats(1, 4)] * 4))
def test_a_chip_at_least_as_strong_as_a_licence_required_chip_is_not_permitted(rb, figures, datacenter, context, factors):
    weak = rb.evaluate(cc.Order(item=_chip(figures, datacenter), **context))
    assume(weak.permitted is False)
    strong = rb.evaluate(cc.Order(item=_chip(_scaled(figures, factors), datacenter), **context))
    assert strong.permitted is False, (strong.outcome, strong.deciding_rule_ids)


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
