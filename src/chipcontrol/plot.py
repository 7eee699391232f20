"""Figures: legality over time (one row per order) and chips against the 2022 and 2023 thresholds.

matplotlib is an optional extra: `pip install 'chipcontrol[plot]'`. It is imported when a function here is
called, never when chipcontrol is imported.

    import chipcontrol as cc
    from chipcontrol.plot import plot_timelines, plot_thresholds
    rb = cc.load_rulebook()
    tl = rb.timeline(cc.Order(item="A800", buyer="ByteDance", date="2023-01-01"), "2022-01-01", "2025-09-01")
    fig = tl.plot()                                   # one order
    fig = plot_timelines([tl, ...], labels=[...])     # several orders, one row each
    fig = plot_thresholds(rb)                         # TPP x I/O and TPP x PD, with the threshold lines
    fig.savefig("timeline.png", dpi=150)

Figures are made with pyplot (so `plt.show()` works in a script and Jupyter shows them inline); pass
`ax=` to draw a timeline into axes of your own.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .presentation import register
from .render_html import OUTCOME_COLORS, OUTCOME_ORDER, OUTCOME_TEXT_COLORS, outcome_word
from .timeline import Timeline
from .verdict import Outcome

if TYPE_CHECKING:
    from .rulebook import Rulebook

INSTALL_HINT = "pip install 'chipcontrol[plot]'"

# The thresholds drawn by plot_thresholds, as the rulebook's terms state them
# (rulesets/rules/bis-ifr-2022-10.yaml: term 3A090-2022; bis-acs-ifr-2023-10.yaml: terms 3A090.*-2023).
def rule_thresholds(rulebook: Rulebook) -> dict[str, float]:
    """The 2022 and 2023 3A090 thresholds, read from the rulebook's named terms (never typed in here)."""
    from .conditions import Compare, parse, walk

    def lower_bounds(term: str) -> dict[str, float]:
        expr = parse(rulebook._loaded.terms[term].when)
        return {n.fact: float(n.value) for n in walk(expr) if isinstance(n, Compare) and n.op in (">=", ">")}

    y22, a1, a2 = lower_bounds("3A090-2022"), lower_bounds("3A090.a.1-2023"), lower_bounds("3A090.a.2-2023")
    b1, b2 = lower_bounds("3A090.b.1-2023"), lower_bounds("3A090.b.2-2023")
    return {
        "TPP_2022": y22["chip.tpp"], "IO_2022": y22["chip.io_bidirectional_gbps"], "TPP_A1_2023": a1["chip.tpp"],
        "TPP_A2_2023": a2["chip.tpp"], "PD_A2_2023": a2["chip.performance_density"],
        "TPP_B1_2023": b1["chip.tpp"], "PD_B1_2023": b1["chip.performance_density"],
        "TPP_B2_2023": b2["chip.tpp"], "PD_B2_2023": b2["chip.performance_density"],
    }

_INK = "#1F2328"
_MUTED = "#57606A"


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"chipcontrol's plots need matplotlib, which is not installed: {INSTALL_HINT}") from exc
    return plt


def _text_width_in(text: str, fontsize: float) -> float:
    """Estimated width of a line of text in inches (DejaVu Sans averages about 0.56 em per character)."""
    return len(text) * fontsize * 0.56 / 72.0


# ------------------------------------------------------------------------------------------ timelines


def _wrap_to_width(text: str, width_in: float, fontsize: float) -> list[str]:
    """Lines of `text` no wider than `width_in` inches in the default font, measured with Agg."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    dpi = 96  # hinting makes small text a little wider at screen resolutions than at print ones
    renderer = RendererAgg(10, 10, dpi)
    font = FontProperties(size=fontsize)

    def fits(line: str) -> bool:
        return renderer.get_text_width_height_descent(line, font, ismath=False)[0] / dpi <= width_in * 0.98

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _change_markers(timelines: Sequence[Timeline]) -> list[tuple[_dt.date, list[str], set[int]]]:
    """(date, what changed, rows it changed) for every segment boundary of every timeline, by date."""
    by_date: dict[_dt.date, tuple[list[str], set[int]]] = {}
    for row, timeline in enumerate(timelines):
        for segment in timeline.segments[1:]:
            lines, rows = by_date.setdefault(segment.start, ([], set()))
            rows.add(row)
            ordered = sorted(segment.changes, key=lambda c: (c.kind.value not in ("came_into_force", "listed"), c.rule_id or ""))
            for change in ordered:
                if change.description not in lines:
                    lines.append(change.description)
    return [(day, lines, rows) for day, (lines, rows) in sorted(by_date.items())]


def _segment_label(segment, width_in: float, fontsize: float) -> str | None:
    """The deciding rules, shortened to fit the bar, or None when nothing useful fits."""
    rules = segment.deciding_rule_ids
    candidates = [", ".join(rules) if rules else "no restricting rule"]
    if len(rules) > 1:
        candidates.append(f"{rules[0]} +{len(rules) - 1}")
    for text in candidates:
        if _text_width_in(text, fontsize) + 0.1 <= width_in:
            return text
    return None


def plot_timelines(
    timelines: Sequence[Timeline],
    labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    ax: Any = None,
    segment_labels: bool | None = None,
    key: bool = True,
    max_key_lines: int = 5,
    width: float = 10.0,
    row_height: float = 0.4,
):
    """Legality over time for one or several orders: one row per timeline, one coloured bar per segment.

    Colours are outcomes (legend at the top). Every date on which a row's verdict changed is marked by a
    dotted line with a number above the chart, a dark tick on each row it changed, and, under the chart,
    a key saying what changed that day (rule ids and titles). `segment_labels` writes the deciding rule
    ids inside bars wide enough for them (default: on for up to 6 rows). Returns the matplotlib Figure;
    with `ax=` the chart is drawn into those axes and the caller owns the layout (no key is drawn).
    """
    plt = _pyplot()
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    timelines = list(timelines)
    if not timelines:
        raise ValueError("plot_timelines needs at least one timeline")
    labels = list(labels) if labels is not None else [t.order_summary for t in timelines]
    if len(labels) != len(timelines):
        raise ValueError(f"{len(labels)} labels for {len(timelines)} timelines")
    n = len(timelines)
    if segment_labels is None:
        segment_labels = n <= 6
    start = min(t.start for t in timelines)
    end = max(t.end for t in timelines)
    markers = _change_markers(timelines)
    label_font, key_font = 9.0, 8.5

    # ---- layout, in inches: title, legend, numbered markers, rows, date axis, key
    own_figure = ax is None
    left = min(max(1.0, max(_text_width_in(lab, label_font) for lab in labels) + 0.35), width * 0.45)
    right = 0.35
    axes_w = width - left - right
    span_days = max((end - start).days, 1)
    levels: list[float] = []  # x (inches) of the last badge on each level
    marker_level = []
    for day, _, _ in markers:
        x = axes_w * (day - start).days / span_days
        for level, last_x in enumerate(levels):
            if x - last_x >= 0.3:
                levels[level] = x
                marker_level.append(level)
                break
        else:
            levels.append(x)
            marker_level.append(len(levels) - 1)
    key_lines: list[tuple[str, str]] = []  # (number/date column, text)
    key_width = width - 1.45 - 0.25
    for number, (day, lines, _) in enumerate(markers, start=1):
        shown = lines[:max_key_lines]
        if len(lines) > max_key_lines:
            shown.append(f"… and {len(lines) - max_key_lines} more change(s) that day")
        for i, line in enumerate(shown):
            for j, piece in enumerate(_wrap_to_width(line, key_width, key_font)):
                key_lines.append((f"{number}  {day}" if i == 0 and j == 0 else "", piece))
    title_h = 0.78
    legend_h = 0.35
    badges_h = (0.15 + 0.24 * len(levels)) if markers else 0.1
    rows_h = max(n * row_height, 0.7)
    axis_h = 0.5
    key_h = (0.45 + 0.17 * len(key_lines)) if (key and key_lines) else 0.1
    height = title_h + legend_h + badges_h + rows_h + axis_h + key_h

    if own_figure:
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((left / width, (axis_h + key_h) / height, axes_w / width, rows_h / height))
    else:
        fig = ax.figure
    ax.set_gid("chipcontrol-timelines")

    # ---- bars
    x0 = mdates.date2num(start)
    for row, timeline in enumerate(timelines):
        for i, segment in enumerate(timeline.segments):
            left_x = mdates.date2num(segment.start)
            bar_w = mdates.date2num(segment.end) - left_x
            bars = ax.barh(row, bar_w, left=left_x, height=0.68, color=OUTCOME_COLORS[segment.outcome], linewidth=0)
            bars[0].set_gid(f"segment:{row}:{i}")
            if i:  # a white gap shows a boundary even between two segments of the same outcome
                ax.vlines(left_x, row - 0.34, row + 0.34, color="white", linewidth=1.6, zorder=3)
            if segment_labels and own_figure:
                width_in = axes_w * bar_w / span_days
                text = _segment_label(segment, width_in, 7.5)
                if text:
                    ax.text(
                        left_x + bar_w / 2, row, text, ha="center", va="center", fontsize=7.5, zorder=4,
                        color=OUTCOME_TEXT_COLORS[segment.outcome], clip_on=True,
                    )
    ax.set_xlim(x0, mdates.date2num(end))
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels, fontsize=label_font)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="x", which="major", color="#D0D7DE", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)

    # ---- rule changes: a dotted guide across all rows, a dark tick on the rows it changed, a numbered badge
    for number, ((day, _, rows), level) in enumerate(zip(markers, marker_level), start=1):
        x = mdates.date2num(day)
        ax.axvline(x, color="#30363D", linewidth=0.7, linestyle=(0, (1.5, 2.5)), zorder=2)
        for row in rows:
            ax.vlines(x, row - 0.46, row + 0.46, color=_INK, linewidth=1.8, zorder=5)
        ax.annotate(
            str(number), xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 6 + 17 * level),
            textcoords="offset points", ha="center", va="bottom", fontsize=8, fontweight="bold", color=_INK,
            bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec=_INK, lw=0.8),
            arrowprops=dict(arrowstyle="-", color="#30363D", lw=0.7, shrinkA=0, shrinkB=0),
            annotation_clip=False,
        )

    # ---- title, legend, key
    if own_figure:
        if title is None:
            title = f"{timelines[0].order_summary}: legality over time" if n == 1 else "Legality over time, one order per row"
        last = end - _dt.timedelta(days=1)
        fig.text(0.35 / width, 1 - 0.25 / height, title, fontsize=12, fontweight="bold", va="center", color=_INK)
        fig.text(
            0.35 / width, 1 - 0.48 / height,
            f"Each bar is the outcome of the order on every day from {start} to {last}; numbered lines mark the days a verdict changed.",
            fontsize=8.5, va="center", color=_MUTED,
        )
    present = [o for o in OUTCOME_ORDER if any(s.outcome is o for t in timelines for s in t.segments)]
    handles = [Patch(facecolor=OUTCOME_COLORS[o], label=outcome_word(o).lower()) for o in present]
    if markers:
        handles.append(Line2D([], [], color=_INK, marker="|", linestyle="none", markersize=11, markeredgewidth=1.8, label="verdict changed (see key)"))
    if own_figure:
        fig.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(0.35 / width, 1 - 0.64 / height), ncol=len(handles),
            frameon=False, fontsize=8.5, handlelength=1.4, columnspacing=1.4, borderaxespad=0,
        )
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=len(handles), frameon=False, fontsize=8)
    if own_figure and key and key_lines:
        top = key_h - 0.12
        fig.text(0.35 / width, top / height, "What changed on each numbered day (the rules that came into force or ended):",
                 fontsize=key_font, fontweight="bold", va="top", color=_INK)
        for i, (head, text) in enumerate(key_lines):
            y = (top - 0.22 - 0.17 * i) / height
            if head:
                fig.text(0.35 / width, y, head, fontsize=key_font, va="top", color=_INK, fontweight="bold")
            fig.text(1.45 / width, y, text, fontsize=key_font, va="top", color=_INK)
    return fig


# ------------------------------------------------------------------------------------------ thresholds


def _short_name(rulebook: Rulebook, record) -> str:
    vendor = rulebook.parties.get(record.vendor)
    name = record.name
    if vendor is not None and name.startswith(vendor.name + " "):
        name = name[len(vendor.name) + 1 :]
    return name.removeprefix("GeForce ")


# Where a label may go, nearest first: (dx, dy) in points from its point, and the text's alignment there.
_LABEL_POSITIONS = (
    (6, 3, "left", "bottom"), (6, -3, "left", "top"), (-6, 3, "right", "bottom"), (-6, -3, "right", "top"),
    (0, 7, "center", "bottom"), (0, -7, "center", "top"),
    (8, 16, "left", "bottom"), (8, -16, "left", "top"), (-8, 16, "right", "bottom"), (-8, -16, "right", "top"),
    (0, 22, "center", "bottom"), (0, -22, "center", "top"),
    (14, 28, "left", "bottom"), (14, -28, "left", "top"), (-14, 28, "right", "bottom"), (-14, -28, "right", "top"),
)


def _place_labels(ax, points: list[tuple[float, float, str, bool]], fontsize: float = 8.0, vlines: Sequence[float] = ()) -> None:
    """Write each point's label beside it, choosing among ten positions the first that overlaps nothing.

    Obstacles are the labels already placed, every point, and the vertical lines at the x of `vlines`.
    """
    fig = ax.figure
    dpi = fig.dpi
    to_px = ax.transData.transform
    axes_box = ax.get_window_extent()
    placed: list[tuple[float, float, float, float]] = []
    leaders: list[tuple[tuple[float, float], tuple[float, float]]] = []
    dots = [tuple(to_px((x, y))) for x, y, _, _ in points]
    r = 7.0 * dpi / 72  # keep labels this far from every point, so none sits nearer another point than its own
    try:  # text sizes are measured when the canvas has a renderer (Agg, inline), estimated otherwise
        renderer = fig.canvas.get_renderer()
    except AttributeError:
        renderer = None
    if renderer is not None:  # the panel's own notes are obstacles too
        for note in ax.texts:
            box = note.get_window_extent(renderer)
            placed.append((box.x0, box.y0, box.x1, box.y1))
    for vx in vlines:
        lx = to_px((vx, 1.0))[0]
        placed.append((lx - 1.5, axes_box.y0, lx + 1.5, axes_box.y1))
    for x, y, text, bold in points:
        px, py = to_px((x, y))
        w, h = _text_size(fig, renderer, text, fontsize, bold)
        best = None
        for dx, dy, ha, va in _LABEL_POSITIONS:
            ox, oy = px + dx * dpi / 72, py + dy * dpi / 72
            x0 = ox if ha == "left" else ox - w if ha == "right" else ox - w / 2
            y0 = oy if va == "bottom" else oy - h
            box = (x0, y0, x0 + w, y0 + h)
            leader = ((px, py), (ox, oy)) if abs(dx) + abs(dy) > 12 else None
            overlap = sum(_overlap(box, other) for other in placed)
            if leader is not None:  # a leader crossing another is confusing: as bad as a large overlap
                overlap += 2000 * sum(_crosses(leader, other) for other in leaders)
            overlap += sum(
                _overlap(box, (qx - r, qy - r, qx + r, qy + r)) for qx, qy in dots if abs(qx - px) > 0.5 or abs(qy - py) > 0.5
            )
            outside = max(0, axes_box.x0 - box[0]) + max(0, box[2] - axes_box.x1) + max(0, axes_box.y0 - box[1]) + max(0, box[3] - axes_box.y1)
            score = overlap + 50 * outside * h
            if best is None or score < best[0]:
                best = (score, dx, dy, ha, va, box)
            if score == 0:
                break
        _, dx, dy, ha, va, box = best
        placed.append(box)
        if abs(dx) + abs(dy) > 12:
            leaders.append(((px, py), (px + dx * dpi / 72, py + dy * dpi / 72)))
        far = abs(dx) + abs(dy) > 12  # a label set off from its point gets a thin leader line
        ax.annotate(
            text, xy=(x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
            fontweight="bold" if bold else "normal", color=_INK if bold else _MUTED, zorder=6,
            arrowprops=dict(arrowstyle="-", color="#8C959F", lw=0.6, shrinkA=1, shrinkB=4) if far else None,
        )


def _text_size(fig, renderer, text: str, fontsize: float, bold: bool) -> tuple[float, float]:
    """Width and height of a label in pixels: measured with the renderer, else estimated."""
    if renderer is not None:
        from matplotlib.text import Text

        probe = Text(0, 0, text, fontsize=fontsize, fontweight="bold" if bold else "normal")
        probe.set_figure(fig)
        box = probe.get_window_extent(renderer)
        return box.width + 2, box.height + 2
    lines = text.split("\n")
    dpi = fig.dpi
    return max(len(line) for line in lines) * fontsize * (0.62 if bold else 0.57) * dpi / 72, len(lines) * fontsize * 1.25 * dpi / 72


def _join_names(names: list[str], width: int) -> str:
    """Names joined with " · ", on lines of about `width` characters, never breaking a name.

    Variants of one part share its first word: "A100 SXM4", "A100 PCIe" -> "A100 SXM4 / PCIe".
    """
    by_first: dict[str, list[str]] = {}
    for name in names:
        head, _, rest = name.partition(" ")
        by_first.setdefault(head, []).append(rest)
    names = [
        f"{head} {' / '.join(rests)}" if len(rests) > 1 and all(rests) else " · ".join(f"{head} {r}".strip() for r in rests)
        for head, rests in by_first.items()
    ]
    lines: list[str] = []
    for name in names:
        if lines and len(lines[-1]) + 3 + len(name) <= width:
            lines[-1] += " · " + name
        else:
            lines.append(name)
    return "\n".join(lines)


def _crosses(s1, s2) -> bool:
    """Whether two segments ((x, y), (x, y)) cross."""

    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    (a, b), (c, d) = s1, s2
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _resolve_chips(rulebook: Rulebook, chips) -> list:
    from .chips import ChipRecord

    if chips is None:
        return [r for r in rulebook.chips.values() if r.tpp is not None]
    out = []
    for chip in chips:
        out.append(chip if isinstance(chip, ChipRecord) else rulebook.chip(chip))
    return out


def plot_thresholds(
    rulebook: Rulebook,
    chips: Iterable[str] | None = None,
    *,
    highlight: Iterable[str] = ("A800", "H800", "H20", "RTX 4090D"),
    title: str | None = None,
):
    """Where each chip sits against the 2022 and 2023 3A090 thresholds: a TPP × I/O and a TPP × PD panel.

    `chips` are catalog names or ids (default: every catalog chip with a published TPP); `highlight` names
    the chips drawn in bold (by default the four that were shaped to pass). Points of chips with identical
    figures are merged and labelled together; a chip whose I/O or PD is not published sits in a band under
    the panel. Returns the matplotlib Figure.
    """
    t = rule_thresholds(rulebook)
    TPP_2022, IO_2022, TPP_A1_2023 = t["TPP_2022"], t["IO_2022"], t["TPP_A1_2023"]  # noqa: N806
    TPP_A2_2023, PD_A2_2023, TPP_B1_2023, PD_B1_2023 = t["TPP_A2_2023"], t["PD_A2_2023"], t["TPP_B1_2023"], t["PD_B1_2023"]  # noqa: N806
    TPP_B2_2023, PD_B2_2023 = t["TPP_B2_2023"], t["PD_B2_2023"]  # noqa: N806
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon, Rectangle

    records = [r for r in _resolve_chips(rulebook, chips) if r.tpp is not None]
    bold = {rulebook.chip(name).id for name in highlight}
    views = [(r, r.to_chip()) for r in records]
    red, ochre = OUTCOME_COLORS[Outcome.LICENSE_REQUIRED], OUTCOME_COLORS[Outcome.NOTIFICATION_REQUIRED]

    fig, (ax_io, ax_pd) = plt.subplots(2, 1, figsize=(10, 13))
    fig.subplots_adjust(left=0.09, right=0.98, top=0.915, bottom=0.135, hspace=0.26)
    tpps = [c.tpp for _, c in views]
    xmin = min(1000.0, min(tpps) * 0.8)
    xmax = max(30000.0, max(tpps) * 1.7)
    xticks = [1000, 1600, 2400, 4800, 10000, 20000]

    def setup_x(ax):
        ax.set_xscale("log")
        ax.set_xlim(xmin, xmax)
        ax.set_xticks(xticks)
        ax.set_xticklabels([f"{t:,}" for t in xticks], fontsize=9)
        ax.minorticks_off()
        ax.set_xlabel("TPP, total processing performance (dense TOPS × bit length; log scale)", fontsize=9.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    # ---- TPP × I/O
    ax = ax_io
    setup_x(ax)
    io_top, io_unknown = 1180.0, -95.0
    ax.set_ylim(-160, io_top)
    ax.add_patch(Rectangle((TPP_2022, IO_2022), xmax - TPP_2022, io_top - IO_2022, facecolor=red, alpha=0.16, edgecolor="none", zorder=0))
    ax.plot([TPP_2022, TPP_2022, xmax], [io_top, IO_2022, IO_2022], color=red, linewidth=1.8, zorder=1)
    ax.text(xmax / 1.04, io_top - 15, f"2022 rule (Oct 2022, 3A090): licence for China\nwhen I/O ≥ {IO_2022:g} GB/s AND TPP ≥ {TPP_2022:g}",
            ha="right", va="top", fontsize=8.5, color=red, fontweight="bold")
    ax.axvline(TPP_A1_2023, color=_INK, linestyle=(0, (5, 3)), linewidth=1.3, zorder=1)
    ax.text(TPP_A1_2023 / 1.03, 250, f"2023 rule (Nov 2023): TPP ≥ {TPP_A1_2023:g} needs a licence\nwhatever the I/O (3A090.a.1) →",
            ha="right", va="center", fontsize=8.5, color=_INK)
    ax.axhline(-35, color="#8C959F", linewidth=0.8)
    ax.text(xmin * 1.03, io_unknown, "I/O not\npublished", fontsize=8, color=_MUTED, va="center")
    ax.set_yticks([0, 200, 400, 600, 800, 1000])
    ax.tick_params(axis="y", labelsize=9)
    ax.set_ylabel("aggregate bidirectional chip-to-chip I/O, GB/s", fontsize=9.5)
    ax.set_title("A. TPP × I/O: the 2022 test needed both", fontsize=11, loc="left", fontweight="bold")

    # ---- TPP × PD
    ax = ax_pd
    setup_x(ax)
    ax.set_yscale("log")
    pd_bottom, pd_top, pd_unknown = 0.42, 40.0, 0.64
    ax.set_ylim(pd_bottom, pd_top)
    ax.set_yticks([1, 1.6, 3.2, 5.92, 10, 20])
    ax.set_yticklabels(["1", "1.6", "3.2", "5.92", "10", "20"], fontsize=9)
    ax.minorticks_off()
    region_a = [(TPP_A1_2023, 1.0), (xmax, 1.0), (xmax, pd_top), (TPP_A2_2023, pd_top), (TPP_A2_2023, PD_A2_2023), (TPP_A1_2023, PD_A2_2023)]
    region_b = [(TPP_B1_2023, PD_B1_2023), (TPP_A1_2023, PD_B1_2023), (TPP_A1_2023, PD_A2_2023), (TPP_B2_2023, PD_A2_2023), (TPP_B2_2023, PD_B2_2023), (TPP_B1_2023, PD_B2_2023)]
    ax.add_patch(Polygon(region_a, closed=True, facecolor=red, alpha=0.16, edgecolor=red, linewidth=1.6, zorder=0))
    ax.add_patch(Polygon(region_b, closed=True, facecolor=ochre, alpha=0.28, edgecolor="#9A6700", linewidth=1.3, zorder=0))
    ax.text(xmax / 1.04, pd_top / 1.08, f"3A090.a (2023): licence\nTPP ≥ {TPP_A1_2023:g}, or TPP ≥ {TPP_A2_2023:g} with PD ≥ {PD_A2_2023:g}",
            ha="right", va="top", fontsize=8.5, color=red, fontweight="bold")
    ax.text(TPP_B1_2023 * 1.04, PD_B1_2023 * 1.08,
            f"3A090.b (2023): for datacenter chips,\na notification to BIS (NAC) for China\n{TPP_B1_2023:g} ≤ TPP < {TPP_A1_2023:g} with PD ≥ {PD_B1_2023:g},\nor TPP ≥ {TPP_B2_2023:g} with PD ≥ {PD_B2_2023:g}",
            ha="left", va="bottom", fontsize=7.5, color="#7D4E00", fontweight="bold")
    ax.axhline(1.0, color="#8C959F", linewidth=0.8)
    ax.text(xmin * 1.03, pd_unknown, "PD not published", fontsize=8, color=_MUTED, va="center")
    ax.text(TPP_2022 * 1.03, 1.12, f"TPP {TPP_2022:g} was also the 2022 line\n(there with I/O ≥ {IO_2022:g} GB/s)", fontsize=7.5, color=_MUTED, va="bottom")
    ax.set_ylabel("PD, performance density (TPP / die area in mm²; log scale)", fontsize=9.5)
    ax.set_title("B. TPP × PD: the 2023 tests (I/O no longer counts)", fontsize=11, loc="left", fontweight="bold")

    # ---- points: chips with the same figures share a point and a label
    for ax, value_of, unknown_y in ((ax_io, lambda c: c.io_bidirectional_gbps, io_unknown), (ax_pd, lambda c: c.performance_density, pd_unknown)):
        groups: dict[tuple, list] = {}
        for record, chip in views:
            value = value_of(chip)
            key = (round(chip.tpp, 0), round(value, 2) if value is not None else None, bool(chip.datacenter))
            groups.setdefault(key, []).append(record)
        points = []
        for (tpp, value, datacenter), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            y = value if value is not None else unknown_y
            strong = any(m.id in bold for m in members)
            ax.scatter(
                [tpp], [y], s=70 if strong else 34, marker="o" if datacenter else "s", zorder=5,
                facecolor=_INK if strong else "white", edgecolor=_INK if strong else "#6E7781", linewidth=1.3,
            )
            names = [_short_name(rulebook, m) for m in members]
            if not datacenter and tpp < TPP_A1_2023:
                names[-1] += " (Note 2)"
            label = _join_names(names, 26)
            points.append((tpp, y, label, strong))
        _place_labels(ax, points, vlines=[TPP_A1_2023])

    handles = [
        Line2D([], [], marker="o", color="none", markerfacecolor="white", markeredgecolor="#6E7781", markersize=7, label="datacenter chip"),
        Line2D([], [], marker="s", color="none", markerfacecolor="white", markeredgecolor="#6E7781", markersize=7,
               label="not for datacenters (gaming card): 2023 Note 2 frees it when TPP < 4800"),
        Line2D([], [], marker="o", color="none", markerfacecolor=_INK, markeredgecolor=_INK, markersize=8.5,
               label="shaped to pass: " + ", ".join(_short_name(rulebook, rulebook.chips[i]) for i in sorted(bold))),
        Patch(facecolor=red, alpha=0.3, edgecolor=red, label="3A090.a (2023): licence for China, Macau and D:1/D:4/D:5 (gaming cards: License Exceptions NAC/ACA)"),
        Patch(facecolor=ochre, alpha=0.4, edgecolor="#9A6700", label="3A090.b (2023): a notification (NAC) for China and Macau; no notice elsewhere (ACA)"),
    ]
    fig.legend(handles=handles, loc="lower left", ncol=1, frameon=False, fontsize=9, bbox_to_anchor=(0.04, 0.005))
    fig.suptitle(
        title or "Where each chip sat against the 2022 and 2023 thresholds",
        x=0.035, ha="left", y=0.985, fontsize=13, fontweight="bold", color=_INK,
    )
    fig.text(
        0.035, 0.952,
        "Figures from the chipcontrol catalog (rulesets/catalog/chips.yaml); chips with identical figures share a point.\n"
        "A chip outside every shaded area passed that year's test.",
        fontsize=9, color=_MUTED, ha="left", va="center",
    )
    return fig


def close(fig) -> None:
    """Release a figure made here (pyplot keeps every figure until it is closed)."""
    _pyplot().close(fig)


__all__ = ["INSTALL_HINT", "close", "plot_thresholds", "plot_timelines"]



def _plot_one(timeline: Timeline, label: str | None = None, **kwargs):
    """`Timeline.plot()`: one timeline as a coloured bar."""
    return plot_timelines([timeline], labels=[label] if label is not None else None, **kwargs)


register(Timeline, "plot", _plot_one)
