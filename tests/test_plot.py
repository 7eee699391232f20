"""Figures: one row per order with one bar per segment; the thresholds scatter; a clear error without matplotlib."""

from __future__ import annotations

import io
import sys

import pytest

import chipcontrol as cc

matplotlib = pytest.importorskip("matplotlib", reason="plots need matplotlib (pip install 'chipcontrol[plot]')")
matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402

from chipcontrol import plot  # noqa: E402


@pytest.fixture(scope="module")
def timelines(rb):
    orders = [
        cc.Order(item="A100", buyer="ByteDance", destination="CN", date="2022-01-01"),
        cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2022-01-01"),
        cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2022-01-01"),
        cc.Order(item="H100", buyer="Biren", destination="CN", date="2022-01-01"),
    ]
    return [rb.timeline(order, "2022-01-01", "2025-12-31") for order in orders]


def _timeline_axes(fig):
    [ax] = [ax for ax in fig.axes if ax.get_gid() == "chipcontrol-timelines"]
    return ax


def _segments(ax) -> dict[int, int]:
    rows: dict[int, int] = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("segment:"):
            row = int(gid.split(":")[1])
            rows[row] = rows.get(row, 0) + 1
    return rows


def test_plot_timelines_draws_one_row_per_order_and_one_bar_per_segment(timelines):
    labels = ["A100", "A800", "H20", "H100 to Biren"]
    fig = plot.plot_timelines(timelines, labels=labels)
    try:
        ax = _timeline_axes(fig)
        assert [t.get_text() for t in ax.get_yticklabels()] == labels
        assert _segments(ax) == {row: len(t.segments) for row, t in enumerate(timelines)}
        for row, timeline in enumerate(timelines):  # the bars are coloured by outcome, in order
            bars = sorted((p for p in ax.patches if (p.get_gid() or "").startswith(f"segment:{row}:")), key=lambda p: p.get_x())
            colours = [matplotlib.colors.to_hex(p.get_facecolor()).upper() for p in bars]
            assert colours == [plot.OUTCOME_COLORS[s.outcome].upper() for s in timeline.segments]
        # every day a verdict changed is numbered above the chart and explained in the key
        change_days = {str(s.start) for t in timelines for s in t.segments[1:]}
        texts = " ".join(t.get_text() for t in fig.texts)
        assert all(day in texts for day in change_days)
        assert "nvda-2022-notice came into force" in texts
        numbers = [c.get_text() for c in ax.texts if c.get_text().isdigit()]
        assert numbers == [str(i) for i in range(1, len(change_days) + 1)]
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert "permitted" in legend and "license required" in legend
        fig.savefig(io.BytesIO(), format="png")
    finally:
        plt.close(fig)


def test_timeline_plot_is_one_row(timelines):
    fig = timelines[1].plot(label="A800 to ByteDance")
    try:
        ax = _timeline_axes(fig)
        assert [t.get_text() for t in ax.get_yticklabels()] == ["A800 to ByteDance"]
        assert _segments(ax) == {0: len(timelines[1].segments)}
    finally:
        plt.close(fig)


def test_plot_timelines_draws_into_given_axes(timelines):
    fig, ax = plt.subplots()
    try:
        assert plot.plot_timelines(timelines[:2], ax=ax) is fig
        assert _segments(ax) == {0: len(timelines[0].segments), 1: len(timelines[1].segments)}
        assert [t.get_text() for t in ax.get_yticklabels()] == [t.order_summary for t in timelines[:2]]
    finally:
        plt.close(fig)


def test_plot_timelines_checks_its_arguments(timelines):
    with pytest.raises(ValueError):
        plot.plot_timelines([])
    with pytest.raises(ValueError):
        plot.plot_timelines(timelines, labels=["only one"])


def test_plot_thresholds_places_every_chip_and_names_the_shaped_ones(rb):
    fig = plot.plot_thresholds(rb)
    try:
        ax_io, ax_pd = fig.axes
        chips = [r for r in rb.chips.values() if r.tpp is not None]
        for ax in (ax_io, ax_pd):
            points = sum(len(c.get_offsets()) for c in ax.collections)
            assert 0 < points <= len(chips)  # chips with identical figures share a point
            labels = " ".join(t.get_text() for t in ax.texts)
            for name in ("A800", "H800", "H20", "RTX 4090 D"):
                assert name in labels
        xs = {round(x) for c in ax_io.collections for x, _ in c.get_offsets()}
        assert {4990, 2368, 15831} <= xs
        fig.savefig(io.BytesIO(), format="png")
    finally:
        plt.close(fig)


def test_without_matplotlib_the_error_says_how_to_install_it(monkeypatch, timelines):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'chipcontrol\[plot\]'"):
        timelines[0].plot()


def test_the_threshold_figure_reads_its_lines_from_the_rulebook(rb):
    from chipcontrol.plot import rule_thresholds

    assert rule_thresholds(rb) == {
        "TPP_2022": 4800, "IO_2022": 600, "TPP_A1_2023": 4800, "TPP_A2_2023": 1600, "PD_A2_2023": 5.92,
        "TPP_B1_2023": 2400, "PD_B1_2023": 1.6, "TPP_B2_2023": 1600, "PD_B2_2023": 3.2,
    }
