"""The HTML report of a screened order book (`chipcontrol screen --report`), one self-contained file.

Sections: what was screened (file, rows, rulebook hash, posture); the summary counts; a stacked bar chart
of outcomes per month (per year past ten years) drawn as inline SVG; the restricted and undetermined
orders with their reason, deciding rules and sources, then the rows in error, each list cut at a stated
limit; last, each rule that decided a listed order with its legal basis and quoted sources.

Nothing is loaded from elsewhere: no script, no stylesheet, no image file, no link to the seeds folder
(article citations are quoted in full, not linked); instruments keep their official URL as a plain link.
A view module: only the CLI imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from .version import __version__
from .render_html import OUTCOME_COLORS, OUTCOME_ORDER, badge, citation_html, esc
from .render_text import policy_words
from .verdict import Finding, Outcome, Role, Verdict

if TYPE_CHECKING:
    import pyarrow as pa

    from .rulebook import Rulebook

#: Outcomes the report lists order by order.
LISTED = (Outcome.PROHIBITED.value, Outcome.LICENSE_REQUIRED.value, Outcome.UNDETERMINED.value)
#: Past this many months the chart has one bar a year.
MAX_MONTHS = 120
#: Order columns shown in the report's tables, when the book has them.
ORDER_COLUMNS = ("date", "item", "buyer", "destination", "kind", "origin")

_MUTED = "color:#57606A"
_CODE = "font-family:SFMono-Regular,Consolas,'Liberation Mono',Menlo,monospace;font-size:12px"
#: One style sheet in the page (the tables have hundreds of rows; inline styles would triple the file).
_STYLE = f"""
body {{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:13px;line-height:1.45;color:#1F2328;
  max-width:1200px;margin:16px auto;padding:0 16px}}
h2 {{font-size:17px;font-weight:600;margin:22px 0 6px 0;border-bottom:1px solid #D0D7DE;padding-bottom:3px}}
table {{border-collapse:collapse}}
td, th {{padding:3px 8px 3px 0;vertical-align:top;text-align:left;border-bottom:1px solid #EAEEF2}}
th {{vertical-align:bottom;font-weight:600;border-bottom:1px solid #D0D7DE}}
td.n {{text-align:right;font-variant-numeric:tabular-nums}}
td.r {{max-width:380px}}
.c {{{_CODE}}}
.m {{{_MUTED}}}
a {{color:#0969DA}}
"""


def report_html(
    orders: pa.Table,
    results: pa.Table,
    summary: dict,
    verdict: Callable[[int], Verdict],
    *,
    source: str,
    rulebook: Rulebook,
    limit: int = 500,
    posture: str = "enforced",
    provisional: bool = False,
) -> str:
    """The report as one HTML document. `verdict(i)` gives the full Verdict of row i (for the citations);
    it is asked only for the listed rows."""
    import pyarrow.compute as pc

    listed = pc.indices_nonzero(pc.is_in(results["outcome"], value_set=_strings(LISTED))).to_pylist()
    in_error = pc.indices_nonzero(pc.is_valid(results["error"])).to_pylist()
    shown = listed[:limit]
    verdicts = {i: verdict(i) for i in shown}
    rules: dict[str, Finding] = {}
    for v in verdicts.values():
        for finding in _deciding(v):
            rules.setdefault(finding.rule_id, finding)
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"Screening of {source}"
    body = [
        f'<h1 style="font-size:22px;margin:0 0 4px 0">{esc(title)}</h1>',
        f'<div class="m">{summary["rows"]:,} orders · rulebook {esc(rulebook.name)} · hash '
        f'<span class="c">{esc(rulebook.hash[:16])}</span> · posture {esc(posture)}'
        + (" · provisional answers past the verified horizon" if provisional else "")
        + f" · chipcontrol {esc(__version__)} · generated {esc(generated)}</div>",
        _summary_html(summary),
        '<h2>Outcomes over time</h2>',
        outcomes_chart(orders, results),
        '<h2>Restricted and undetermined orders</h2>',
        _cut_note(len(shown), len(listed), "restricted or undetermined orders"),
        _orders_table(orders, results, shown, verdicts),
        '<h2>Rows in error</h2>',
        _cut_note(min(limit, len(in_error)), len(in_error), "rows in error"),
        _errors_table(orders, results, in_error[:limit]),
        '<h2>The rules that decided the listed orders, and their sources</h2>',
        "".join(_rule_html(f) for _, f in sorted(rules.items())) or f'<p class="m">None.</p>',
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _strings(values):
    import pyarrow as pa

    return pa.array(list(values), pa.string())


def _deciding(verdict: Verdict) -> list[Finding]:
    """The findings behind the outcome: deciding rules (or undecidable ones) and the review rules that set the policy."""
    roles = (Role.UNDETERMINED,) if verdict.outcome is Outcome.UNDETERMINED else (Role.DECIDING, Role.REVIEW)
    return [f for f in verdict.findings if f.role in roles]


def _cut_note(shown: int, total: int, what: str) -> str:
    if total == 0:
        return f'<p class="m">No {esc(what)}.</p>'
    if shown == total:
        return f'<p class="m">All {total:,} {esc(what)}.</p>'
    return (
        f'<p class="m"><b>The first {shown:,} of {total:,} {esc(what)}</b> (the limit of this report, set with '
        "--report-rows); every row is in the output file.</p>"
    )


# ------------------------------------------------------------------------------------------ summary


def _summary_html(summary: dict) -> str:
    rows = summary["rows"]
    outcomes = summary["outcomes"]
    known = [o for o in OUTCOME_ORDER if o.value in outcomes]
    cells = "".join(
        f'<tr><td>{badge(o, small=True)}</td><td class="n">{outcomes[o.value]:,}</td>'
        f'<td class="n">{100 * outcomes[o.value] / rows:.1f} %</td></tr>'
        for o in known
    )
    parts = [
        '<h2>Summary</h2><div style="display:flex;flex-wrap:wrap;gap:28px">',
        _box("Outcomes", f'<table>{cells}</table>'),
        _box("Review policy (licence required)", _count_table({_policy(k): n for k, n in summary["review_policies"].items()})),
        _box("Rules that decided most orders", _count_table(summary["top_deciding_rules"], code=True)),
        _box("Buyers most often restricted", _count_table(summary["top_restricted_buyers"])),
        _box("Destinations most often restricted", _count_table(summary["top_restricted_destinations"])),
        _box("Rows in error", f'<div style="font-size:20px">{summary["errors"]:,}</div>'),
        "</div>",
    ]
    return "".join(parts)


def _policy(value: str) -> str:
    return value.replace("_", " ") if value else policy_words(None)


def _box(title: str, inner: str) -> str:
    return f'<div><div style="font-weight:600;margin-bottom:2px">{esc(title)}</div>{inner}</div>'


def _count_table(counts: dict[str, int], code: bool = False) -> str:
    if not counts:
        return f'<div class="m">none</div>'
    cls = ' class="c"' if code else ""
    rows = "".join(
        f'<tr><td{cls}>{esc(name)}</td><td class="n">{n:,}</td></tr>' for name, n in counts.items()
    )
    return f'<table>{rows}</table>'


# ------------------------------------------------------------------------------------------ chart


def outcomes_chart(orders: pa.Table, results: pa.Table, width: int = 1000, height: int = 240) -> str:
    """Orders per month (or year) and outcome as an inline SVG stacked bar chart, with its legend."""
    counts, periods, unit, undated = _period_counts(orders, results)
    if not periods:
        return f'<p class="m">No order with a valid date and an outcome to chart.</p>'
    left, right, top, bottom = 56, 8, 8, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(sum(c.values()) for c in counts.values()) or 1
    step = _nice_step(peak)
    ymax = step * -(-peak // step)
    bar_w = plot_w / len(periods)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="orders per {unit} by outcome" style="font-family:Helvetica,Arial,sans-serif;font-size:11px">'
    ]
    for tick in range(0, ymax + 1, step):
        y = top + plot_h - plot_h * tick / ymax
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#EAEEF2"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#57606A">{tick:,}</text>')
    for i, period in enumerate(periods):
        x = left + i * bar_w
        y = top + plot_h
        for outcome in OUTCOME_ORDER:
            n = counts.get(period, {}).get(outcome.value, 0)
            if not n:
                continue
            h = plot_h * n / ymax
            y -= h
            parts.append(
                f'<rect x="{x + 0.5:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" '
                f'fill="{OUTCOME_COLORS[outcome]}"><title>{esc(period)}: {n:,} {esc(outcome.value)}</title></rect>'
            )
        if unit == "year" or period.endswith("-01") or len(periods) <= 12:
            label = period[:4] if unit == "month" and len(periods) > 12 else period
            parts.append(f'<text x="{x + 1:.1f}" y="{height - 10}" fill="#57606A">{esc(label)}</text>')
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#57606A"/></svg>'
    )
    legend = " ".join(badge(o, small=True) for o in OUTCOME_ORDER if any(o.value in c for c in counts.values()))
    note = f" · {undated:,} orders with no valid date or no outcome are not charted" if undated else ""
    return f'<div>{"".join(parts)}</div><div class="m">orders per {unit} · {legend}{esc(note)}</div>'


def _period_counts(orders: pa.Table, results: pa.Table) -> tuple[dict[str, dict[str, int]], list[str], str, int]:
    """{period: {outcome: n}}, every period from the first to the last (empty ones too), the unit, and the
    number of rows left out (no valid date, or no outcome)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "date" not in orders.column_names:
        return {}, [], "month", results.num_rows
    month = pc.utf8_slice_codeunits(pc.cast(orders["date"], pa.string()), 0, 7)
    valid = pc.and_(pc.match_substring_regex(month, r"^\d{4}-(0[1-9]|1[0-2])$"), pc.is_valid(results["outcome"]))
    valid = pc.fill_null(valid, False)
    table = pa.table({"period": pc.filter(month, valid), "outcome": pc.filter(results["outcome"], valid)})
    undated = results.num_rows - table.num_rows
    if table.num_rows == 0:
        return {}, [], "month", undated
    first, last = pc.min(table["period"]).as_py(), pc.max(table["period"]).as_py()
    months = _months(first, last)
    unit = "month"
    if len(months) > MAX_MONTHS:
        unit = "year"
        table = table.set_column(0, "period", pc.utf8_slice_codeunits(table["period"], 0, 4))
        months = [str(y) for y in range(int(first[:4]), int(last[:4]) + 1)]
    grouped = table.group_by(["period", "outcome"]).aggregate([([], "count_all")]).to_pylist()
    counts: dict[str, dict[str, int]] = {}
    for row in grouped:
        counts.setdefault(row["period"], {})[row["outcome"]] = row["count_all"]
    return counts, months, unit, undated


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _nice_step(peak: int) -> int:
    """A round gridline step giving about four lines up to `peak`."""
    raw = max(peak / 4, 1)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


# ------------------------------------------------------------------------------------------ tables


def _order_cells(orders: pa.Table, index: int) -> tuple[list[str], list[str]]:
    columns = [c for c in ORDER_COLUMNS if c in orders.column_names]
    values = [orders[c][index].as_py() for c in columns]
    return columns, ["" if v is None else str(v) for v in values]


def _orders_table(orders: pa.Table, results: pa.Table, rows: list[int], verdicts: dict[int, Verdict]) -> str:
    if not rows:
        return ""
    columns, _ = _order_cells(orders, rows[0])
    head = "".join(f'<th>{esc(h)}</th>' for h in ["row", *columns, "outcome", "reason", "rules that decided", "sources"])
    lines = []
    for i in rows:
        verdict = verdicts[i]
        _, values = _order_cells(orders, i)
        policy = results["review_policy"][i].as_py()
        outcome = badge(Outcome(results["outcome"][i].as_py()), small=True)
        if policy:
            outcome += f'<div style="{_MUTED};font-size:11px">review: {esc(policy.replace("_", " "))}</div>'
        findings = _deciding(verdict)
        rules = "<br>".join(
            f'<a href="#rule-{esc(f.rule_id)}" class="c">{esc(f.rule_id)}</a>' + (' <span class="m">(review policy)</span>' if f.role is Role.REVIEW else "")
            for f in findings
        )
        sources = sorted({c.source_id for f in findings for c in f.citations} | {c.source_id for c in verdict.reason_citations})
        cells = [f'<td class="n">{i}</td>', *(f'<td>{esc(v)}</td>' for v in values)]
        cells += [
            f'<td>{outcome}</td>',
            f'<td class="r">{esc(results["reason"][i].as_py())}</td>',
            f'<td>{rules}</td>',
            f'<td class="c">{"<br>".join(esc(s) for s in sources)}</td>',
        ]
        lines.append(f'<tr data-row="{i}">{"".join(cells)}</tr>')
    return f'<table style="width:100%"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def _errors_table(orders: pa.Table, results: pa.Table, rows: list[int]) -> str:
    if not rows:
        return ""
    columns, _ = _order_cells(orders, rows[0])
    head = "".join(f'<th>{esc(h)}</th>' for h in ["row", *columns, "error"])
    lines = []
    for i in rows:
        _, values = _order_cells(orders, i)
        cells = [f'<td class="n">{i}</td>', *(f'<td>{esc(v)}</td>' for v in values)]
        cells.append(f'<td>{esc(results["error"][i].as_py())}</td>')
        lines.append(f'<tr data-error-row="{i}">{"".join(cells)}</tr>')
    return f'<table style="width:100%"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def _rule_html(finding: Finding) -> str:
    """A rule's title, effect, legal basis and quoted sources (the order-independent part of a finding)."""
    basis = finding.legal_basis
    effect = badge(Outcome(finding.effect.value), small=True) if finding.effect else f'<span class="m">review rule</span>'
    until = f" until {finding.until} (exclusive)" if finding.until else ""
    cites = "".join(citation_html(c, link_base=None) for c in finding.citations)
    return (
        f'<div id="rule-{esc(finding.rule_id)}" style="border-left:4px solid #D0D7DE;padding:2px 0 2px 10px;margin:10px 0">'
        f'<div><span class="c">{esc(finding.rule_id)}</span> {effect} <b>{esc(finding.title)}</b></div>'
        f'<div style="{_MUTED};font-size:12px">in force from {esc(finding.effective)}{esc(until)}</div>'
        f"<div><b>Legal basis:</b> {esc(basis.provision)} — {esc(basis.instrument)}</div>{cites}</div>"
    )
