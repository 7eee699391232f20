"""Verdicts and timelines as self-contained HTML for Jupyter (`_repr_html_`) and reports.

The same content as `render_text`, laid out for a reader: the outcome as a coloured word, the rules that
decided it, the conditions with the order's actual figures and margins, the legal basis, each quote with
its article, date and a link to the article's text in `seeds/`, and the advisories.

Every string is HTML-escaped (quotes hold « » ’, user-supplied party and chip names may hold < & ").
Styles are inline attributes: no <style> block, no script, nothing loaded from the network.

Links to the articles are relative: `LINK_BASE + "seeds/<file>"`. The default, "../", is right for a
notebook in `examples/` of a checkout (and on a code host). Set `chipcontrol.render_html.LINK_BASE = ""`
for a notebook at the project root, an absolute URL for anything else, or None for no links.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as _urlquote

from .conditions import ConditionCheck
from .presentation import register
from .sources import Citation
from .timeline import Timeline
from .verdict import Advisory, Finding, Outcome, Verdict

if TYPE_CHECKING:
    from .timeline import RuleChange, Segment

LINK_BASE: str | None = "../"
"""Prefix of the links to the articles' text (`<LINK_BASE>seeds/<file>`); None: no links."""

_ONE_DAY = _dt.timedelta(days=1)


class _Default:
    """Marks "use the module's LINK_BASE as it is when rendering"."""

    def __repr__(self) -> str:
        return "LINK_BASE"


_DEFAULT: Any = _Default()

# One palette for HTML and plots, readable by colour-blind readers (Paul Tol's "vibrant"/"muted" hues):
# teal for permitted, ochre for notification, red for licence, wine for prohibited, grey and lilac for the
# two answers that are not a yes or a no.
OUTCOME_COLORS: dict[Outcome, str] = {
    Outcome.PERMITTED: "#009988",
    Outcome.NOTIFICATION_REQUIRED: "#DDAA33",
    Outcome.LICENSE_REQUIRED: "#CC3311",
    Outcome.PROHIBITED: "#882255",
    Outcome.OUT_OF_COVERAGE: "#BBBBBB",
    Outcome.UNDETERMINED: "#AA99DD",
}
"""Background colour of each outcome."""

OUTCOME_TEXT_COLORS: dict[Outcome, str] = {
    Outcome.PERMITTED: "#FFFFFF",
    Outcome.NOTIFICATION_REQUIRED: "#1F2328",
    Outcome.LICENSE_REQUIRED: "#FFFFFF",
    Outcome.PROHIBITED: "#FFFFFF",
    Outcome.OUT_OF_COVERAGE: "#1F2328",
    Outcome.UNDETERMINED: "#1F2328",
}
"""Text colour that reads on each outcome's background."""

OUTCOME_ORDER = (
    Outcome.PERMITTED,
    Outcome.NOTIFICATION_REQUIRED,
    Outcome.LICENSE_REQUIRED,
    Outcome.PROHIBITED,
    Outcome.UNDETERMINED,
    Outcome.OUT_OF_COVERAGE,
)

_PERMITTED_WORD = {True: "yes", False: "no", None: "cannot say"}

_NO_ITEM = {"cloud_access": "Cloud access for", "investment": "Investment in"}  # orders without a chip

from .render_text import ROLE_HEADINGS as _ROLE_HEAD  # noqa: E402  one table for text and HTML
from .render_text import policy_words  # noqa: E402

_FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_BOX = f"{_FONT};font-size:13px;line-height:1.45;color:#1F2328;background:#FFFFFF;max-width:1000px;border:1px solid #D0D7DE;border-radius:6px;padding:10px 14px;margin:4px 0"
_MUTED = "color:#57606A"
_SMALL = "font-size:12px"
_CODE = "font-family:SFMono-Regular,Consolas,'Liberation Mono',Menlo,monospace;font-size:12px"
_H = "font-size:14px;font-weight:600;margin:14px 0 4px 0"
_TD = "padding:2px 8px 2px 0;vertical-align:top;text-align:left;border:none"
_TH = f"{_TD};font-weight:600;border-bottom:1px solid #D0D7DE"


def esc(value: Any) -> str:
    """HTML-escape any value's text (quotes included, so it is safe in attributes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def outcome_word(outcome: Outcome) -> str:
    return outcome.value.upper().replace("_", " ")


def badge(outcome: Outcome, *, small: bool = False) -> str:
    """The outcome as a coloured word."""
    size = "font-size:11px;padding:0 5px" if small else "font-size:13px;padding:2px 9px"
    return (
        f'<span style="background:{OUTCOME_COLORS[outcome]};color:{OUTCOME_TEXT_COLORS[outcome]};{size};'
        f'border-radius:4px;font-weight:700;letter-spacing:.02em;white-space:nowrap">{esc(outcome_word(outcome))}</span>'
    )


def _effect_badge(effect_value: str) -> str:
    return badge(Outcome(effect_value), small=True)


def _finding_badge(finding: Finding) -> str:
    """The rule's effect as a badge, with the review policy it carries or sets."""
    policy = (
        f' <span style="{_MUTED};{_SMALL}">review: {esc(policy_words(finding.review_policy))}</span>'
        if finding.effect is None or finding.review_policy is not None
        else ""
    )
    return (_effect_badge(finding.effect.value) if finding.effect else "") + policy


def _code(text: Any) -> str:
    return f'<code style="{_CODE}">{esc(text)}</code>'


def _safe_url(url: str | None) -> str | None:
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _seed_href(file: str | None, link_base: str | None) -> str | None:
    if not file or link_base is None:
        return None
    return link_base + _urlquote(file)


def _a(href: str | None, text: str) -> str:
    """A link (text already escaped), or the bare text when there is no href."""
    if not href:
        return text
    return f'<a href="{esc(href)}" style="color:#0969DA">{text}</a>'


def _fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else f"{value:.6g}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


# ------------------------------------------------------------------------------------------ pieces


def citation_html(citation: Citation, *, link_base: Any = _DEFAULT) -> str:
    """One source: title (linked), where and when, then the verbatim quote and our English rendering."""
    link_base = LINK_BASE if link_base is _DEFAULT else link_base
    if citation.kind.value == "article":
        href = _seed_href(citation.file, link_base)
        where = [esc(citation.file) if citation.file else None]
    else:
        href = _safe_url(citation.url)
        where = [esc(citation.official_citation) if citation.official_citation else None]
    where += [esc(citation.published) if citation.published else None, esc(citation.locator) if citation.locator else None]
    where_text = " · ".join(w for w in where if w)
    head = (
        f'<div><span style="{_CODE};{_MUTED}">[{esc(citation.source_id)}]</span> '
        f"{_a(href, esc(citation.title))}"
        + (f' <span style="{_MUTED};{_SMALL}">({where_text})</span>' if where_text else "")
        + "</div>"
    )
    parts = [head]
    if citation.quote:
        checked = (
            ' <span title="the quote was found verbatim in the article text" style="color:#1A7F37;font-size:11px">'
            "✓ quote checked</span>"
            if citation.quote_checked
            else ""
        )
        parts.append(
            '<div style="margin:2px 0 0 14px;padding-left:8px;border-left:3px solid #D0D7DE;font-style:italic">'
            f"« {esc(citation.quote)} »{checked}</div>"
        )
    if citation.english:
        parts.append(f'<div style="margin:0 0 0 14px;padding-left:11px;{_MUTED}">“{esc(citation.english)}”</div>')
    return f'<div style="margin:4px 0">{"".join(parts)}</div>'


def checks_html(checks: Sequence[ConditionCheck]) -> str:
    """The tests of a rule's condition with the order's actual value, the margin and the named term."""
    if not checks:
        return ""
    rows = []
    for check in checks:
        # Neutral colours: whether a "no" helped the rule fire depends on the test's place in the condition.
        mark, colour = {True: ("yes", "#1F2328"), False: ("no", "#1F2328"), None: ("unknown", "#8250DF")}[check.result]
        margin = f"{check.margin:+g}" if check.margin is not None else ""
        rows.append(
            "<tr>"
            f'<td style="{_TD};color:{colour};white-space:nowrap;font-weight:600">{esc(mark)}</td>'
            f'<td style="{_TD}">{_code(check.test)}</td>'
            f'<td style="{_TD}">{esc(_fmt(check.actual))}</td>'
            f'<td style="{_TD};white-space:nowrap">{esc(margin)}</td>'
            f'<td style="{_TD};{_MUTED}">{esc(check.term or "")}</td>'
            "</tr>"
        )
    head = "".join(f'<th style="{_TH}">{h}</th>' for h in ("", "test", "actual", "margin", "term"))
    return (
        f'<table style="border-collapse:collapse;margin:4px 0 4px 0;font-size:12px;background:transparent">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def finding_html(finding: Finding, *, link_base: Any = _DEFAULT, sources: bool = True) -> str:
    """One rule's part in a verdict, as `render_text.finding_text` shows it."""
    link_base = LINK_BASE if link_base is _DEFAULT else link_base
    colour = OUTCOME_COLORS[Outcome(finding.effect.value)] if finding.effect else "#8250DF"
    until = f" until {finding.until} (exclusive)" if finding.until else " (no end date)"
    parts = [
        f'<div>{_code(finding.rule_id)} {_finding_badge(finding)} <b>{esc(finding.title)}</b></div>',
        f'<div style="{_MUTED};{_SMALL}">in force from {esc(finding.effective)}{esc(until)} · confidence: {esc(finding.confidence.value)}</div>',
        f'<div style="margin:3px 0">{esc(finding.explanation)}</div>',
    ]
    checks = finding.checks
    if checks:
        parts.append(f'<div style="{_SMALL};font-weight:600;margin-top:4px">Conditions, with this order\'s figures</div>')
        parts.append(checks_html(checks))
    for label, items in (("suppressed by", finding.suppressed_by), ("exempts", finding.exempts), ("unknown facts", finding.missing_facts)):
        if items:
            parts.append(f'<div style="{_SMALL}"><b>{esc(label)}:</b> {", ".join(_code(i) for i in items)}</div>')
    basis = finding.legal_basis
    parts.append(
        f'<div style="margin-top:4px"><b>Legal basis:</b> {esc(basis.provision)} — {esc(basis.instrument)} '
        f'<span style="{_CODE};{_MUTED}">[{esc(basis.source_id)}]</span>'
        + (f'<div style="{_MUTED};{_SMALL}">{esc(basis.note)}</div>' if basis.note else "")
        + "</div>"
    )
    if sources and finding.citations:
        parts.append('<div style="margin-top:4px"><b>Sources</b></div>')
        parts.extend(citation_html(c, link_base=link_base) for c in finding.citations)
    if finding.note:
        parts.append(f'<div style="{_MUTED};{_SMALL};margin-top:3px">Note: {esc(finding.note)}</div>')
    return f'<div style="border-left:4px solid {colour};padding:2px 0 2px 10px;margin:8px 0">{"".join(parts)}</div>'


def advisory_html(advisory: Advisory, *, link_base: Any = _DEFAULT) -> str:
    link_base = LINK_BASE if link_base is _DEFAULT else link_base
    rule = f" {_code(advisory.rule_id)}" if advisory.rule_id else ""
    head = (
        f'<div><span style="background:#FFF8C5;border:1px solid #D4A72C;border-radius:4px;padding:0 5px;font-size:11px;'
        f'font-weight:600">{esc(advisory.kind.value.replace("_", " "))}</span>{rule} {esc(advisory.message)}</div>'
    )
    cites = "".join(citation_html(c, link_base=link_base) for c in advisory.citations)
    return f'<div style="border-left:4px solid #D4A72C;padding:2px 0 2px 10px;margin:6px 0">{head}{cites}</div>'


def _meta(text: str) -> str:
    return f'<div data-cc="meta" style="{_MUTED};font-size:11px;margin-top:10px">{esc(text)}</div>'


# ------------------------------------------------------------------------------------------ verdict


def verdict_html(verdict: Verdict, *, link_base: Any = _DEFAULT, show_checked: bool = True) -> str:
    """A verdict as one self-contained HTML block (what `Verdict._repr_html_` shows)."""
    link_base = LINK_BASE if link_base is _DEFAULT else link_base
    order = verdict.order
    dest = order.destination + (f" (as {order.ear_destination} under the EAR)" if order.ear_destination != order.destination else "")
    claims = f" · claims: {', '.join(order.claims)}" if order.claims else ""
    if order.item_name:
        what = f"<b>{esc(order.item_name)}</b> → <b>{esc(order.buyer_name)}</b>, {esc(dest)}, {esc(order.kind.value.replace('_', ' '))} on {esc(order.date)}"
    else:
        what = f"{esc(_NO_ITEM.get(order.kind.value, '(no item) →'))} <b>{esc(order.buyer_name)}</b>, {esc(dest)}, on {esc(order.date)}"
    parts = [
        f'<div style="font-size:14px">{what}{esc(claims)}</div>',
        f'<div style="margin:6px 0 2px 0">{badge(verdict.outcome)} '
        f'<span style="{_MUTED}">permitted: <b>{_PERMITTED_WORD[verdict.permitted]}</b></span></div>',
        f'<div style="margin:2px 0 4px 0">{esc(verdict.reason)}</div>',
    ]
    if verdict.provisional:
        parts.append('<div style="margin:2px 0 4px 0"><b>Provisional:</b> the date is past the rulebook\'s verified horizon</div>')
    if verdict.posture.value != "enforced":
        parts.append(f'<div style="margin:2px 0 4px 0"><b>Posture:</b> {esc(verdict.posture.value)} (the law as written)</div>')
    if verdict.outcome is Outcome.LICENSE_REQUIRED:
        conditions = "".join(f"<li>{esc(c)}</li>" for c in verdict.policy_conditions)
        parts.append(
            f'<div style="margin:2px 0 4px 0"><b>Review policy:</b> {esc(policy_words(verdict.review_policy))}'
            + (f'<ul style="margin:2px 0">{conditions}</ul>' if conditions else "")
            + "</div>"
        )
    parts.extend(citation_html(c, link_base=link_base) for c in verdict.reason_citations)
    for role, head in _ROLE_HEAD.items():
        group = [f for f in verdict.findings if f.role is role]
        if group:
            parts.append(f'<div style="{_H}">{esc(head)}</div>')
            parts.extend(finding_html(f, link_base=link_base) for f in group)
    if verdict.advisories:
        parts.append(f'<div style="{_H}">Advisories (they do not change the outcome)</div>')
        parts.extend(advisory_html(a, link_base=link_base) for a in verdict.advisories)
    if show_checked and verdict.checked:
        rows = []
        for finding in verdict.checked:
            rows.append(
                f'<div style="margin:6px 0 2px 0">{_code(finding.rule_id)} {_finding_badge(finding)} '
                f"{esc(finding.title)}</div>{checks_html(finding.checks)}"
            )
        # Open when nothing fired: then how the order missed each rule is the whole explanation.
        opened = " open" if not verdict.findings else ""
        parts.append(
            f'<details{opened} style="margin-top:10px"><summary style="{_H};cursor:pointer">'
            f"Checked, did not fire ({len(verdict.checked)} rules) — how this order missed each</summary>"
            f'{"".join(rows)}</details>'
        )
    parts.append(_meta(f"rulebook {verdict.rulebook_hash[:16]} · engine {verdict.engine} · chipcontrol {verdict.library_version}"))
    return f'<div style="{_BOX}">{"".join(parts)}</div>'


# ------------------------------------------------------------------------------------------ timeline


def _strip_html(segments: Sequence[Segment], start: _dt.date, end: _dt.date) -> str:
    """A proportional bar of the segments, and the years under it."""
    total = max((end - start).days, 1)
    cells = []
    for segment in segments:
        width = 100.0 * (segment.end - segment.start).days / total
        last = segment.end - _ONE_DAY
        rules = ", ".join(segment.deciding_rule_ids) or "no restricting rule"
        tip = f"{segment.start} to {last}: {outcome_word(segment.outcome)} — {rules}"
        label = esc(outcome_word(segment.outcome)) if width >= 14 else ""
        cells.append(
            f'<div title="{esc(tip)}" style="width:{width:.3f}%;background:{OUTCOME_COLORS[segment.outcome]};'
            f"color:{OUTCOME_TEXT_COLORS[segment.outcome]};border-right:2px solid #FFFFFF;box-sizing:border-box;"
            f'font-size:11px;font-weight:700;overflow:hidden;white-space:nowrap;padding:3px 4px;height:22px">{label}</div>'
        )
    ticks = []
    for year in range(start.year + (start > _dt.date(start.year, 1, 1)), end.year + 1):
        day = _dt.date(year, 1, 1)
        if start <= day <= end:
            left = 100.0 * (day - start).days / total
            ticks.append(
                f'<span style="position:absolute;left:{left:.3f}%;top:0;border-left:1px solid #8C959F;'
                f'padding-left:2px;font-size:11px;{_MUTED}">{year}</span>'
            )
    return (
        f'<div style="display:flex;width:100%;margin:8px 0 0 0">{"".join(cells)}</div>'
        f'<div style="position:relative;height:16px;width:100%">{"".join(ticks)}</div>'
    )


def _legend_html(outcomes: Iterable[Outcome]) -> str:
    present = set(outcomes)
    return " ".join(badge(o, small=True) for o in OUTCOME_ORDER if o in present)


def _change_html(change: RuleChange, link_base: str | None) -> str:
    rule = f"{_code(change.rule_id)} " if change.rule_id else ""
    description = change.description.removeprefix(f"{change.rule_id} ") if change.rule_id else change.description
    text = f'<div><b>{esc(change.date)}</b> — {rule}<span>{esc(description)}</span></div>'
    if not change.citations:
        return text
    quotes = sum(1 for c in change.citations if c.quote)
    summary = f"{len(change.citations)} source(s)" + (f", {quotes} quote(s)" if quotes else "")
    cites = "".join(citation_html(c, link_base=link_base) for c in change.citations)
    return f'{text}<details style="margin:0 0 2px 14px"><summary style="{_SMALL};{_MUTED};cursor:pointer">{esc(summary)}</summary>{cites}</details>'


def timeline_html(timeline: Timeline, *, link_base: Any = _DEFAULT) -> str:
    """A timeline as a coloured bar, then a table of segments with the rule changes (and quotes) between them."""
    link_base = LINK_BASE if link_base is _DEFAULT else link_base
    last_day = timeline.end - _ONE_DAY
    parts = [
        f'<div style="font-size:14px"><b>{esc(timeline.order_summary)}</b></div>',
        f'<div style="{_MUTED}">legality from {esc(timeline.start)} to {esc(last_day)} · {len(timeline.segments)} period(s) '
        f"of constant verdict · {_legend_html(s.outcome for s in timeline.segments)}</div>",
        _strip_html(timeline.segments, timeline.start, timeline.end),
    ]
    rows = []
    for segment in timeline.segments:
        if segment.changes:
            changes = "".join(_change_html(c, link_base) for c in segment.changes)
            rows.append(
                f'<tr><td colspan="4" style="{_TD};padding:4px 0 4px 0;border-top:1px solid #EAEEF2;{_SMALL}">'
                f'<span style="{_MUTED}">what changed:</span>{changes}</td></tr>'
            )
        last = segment.end - _ONE_DAY
        if segment.deciding_rule_ids:
            rules = "<br>".join(_code(r) for r in segment.deciding_rule_ids)
        else:
            rules = f'<span style="{_MUTED}">no restricting rule</span>'
            if segment.checked_rule_ids:
                rules += f'<div style="{_SMALL};{_MUTED}">passed: {", ".join(_code(r) for r in segment.checked_rule_ids)}</div>'
        if segment.advisory_rule_ids:
            rules += f'<div style="{_SMALL};{_MUTED}">advisories: {", ".join(_code(r) for r in segment.advisory_rule_ids)}</div>'
        articles = sorted({c.source_id for c in segment.citations if c.kind.value == "article"})
        files = {c.source_id: c.file for c in segment.citations if c.kind.value == "article"}
        article_links = ", ".join(_a(_seed_href(files[a], link_base), esc(a)) for a in articles)
        rows.append(
            "<tr>"
            f'<td style="{_TD};white-space:nowrap">{esc(segment.start)} → {esc(last)}</td>'
            f'<td style="{_TD}">{badge(segment.outcome, small=True)}</td>'
            f'<td style="{_TD}">{rules}</td>'
            f'<td style="{_TD};{_SMALL}">{article_links}</td>'
            "</tr>"
        )
    head = "".join(f'<th style="{_TH}">{h}</th>' for h in ("from → to (inclusive)", "outcome", "deciding rules", "articles"))
    parts.append(
        f'<table style="border-collapse:collapse;margin-top:6px;width:100%;font-size:13px;background:transparent">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    parts.append(_meta(f"rulebook {timeline.rulebook_hash[:16]} · engine {timeline.engine}"))
    return f'<div style="{_BOX}">{"".join(parts)}</div>'


# ------------------------------------------------------------------------------------------ tables


def _order_line(verdict: Verdict) -> str:
    o = verdict.order
    dest = o.destination + (f" (as {o.ear_destination})" if o.ear_destination != o.destination else "")
    if not o.item_name:
        return f"{_NO_ITEM.get(o.kind.value, '(no item) →')} {o.buyer_name}, {dest}, {o.date}"
    kind = "" if o.kind.value == "export" else f" · {o.kind.value.replace('_', ' ')}"
    return f"{o.item_name} → {o.buyer_name}, {dest}, {o.date}{kind}"


class VerdictTable:
    """Many verdicts, one line each: the order, the outcome, the rules that decided it and the advisories.

    Shows as an HTML table in Jupyter and as aligned text in a terminal (`str(table)`).
    """

    def __init__(self, verdicts: Sequence[Verdict], labels: Sequence[str] | None = None, label_header: str = "case"):
        self.verdicts = list(verdicts)
        if labels is not None and len(labels) != len(self.verdicts):
            raise ValueError(f"{len(labels)} labels for {len(self.verdicts)} verdicts")
        self.labels = list(labels) if labels is not None else None
        self.label_header = label_header

    def _rules(self, verdict: Verdict) -> list[tuple[str, str]]:
        titles = {f.rule_id: f.title for f in verdict.findings}
        return [(r, titles.get(r, "")) for r in verdict.deciding_rule_ids]

    @staticmethod
    def _advisories(verdict: Verdict) -> list[str]:
        """Short names of the advisories; data gaps of an undetermined verdict are its deciding rules already."""
        out: list[str] = []
        for a in verdict.advisories:
            if a.kind.value == "data_gap" and verdict.outcome is Outcome.UNDETERMINED:
                continue
            name = a.kind.value.replace("_", " ") + (f": {a.rule_id}" if a.rule_id else "")
            if name not in out:
                out.append(name)
        return out

    def _repr_html_(self) -> str:
        rows = []
        for i, verdict in enumerate(self.verdicts):
            rules = self._rules(verdict)
            rule_cell = (
                "".join(f'<div>{_code(r)}<div style="{_MUTED};font-size:11px">{esc(t)}</div></div>' for r, t in rules)
                if rules
                else f'<span style="{_MUTED}">no restricting rule</span>'
            )
            advisories = self._advisories(verdict)
            label = f'<td style="{_TD};font-weight:600">{esc(self.labels[i])}</td>' if self.labels else ""
            rows.append(
                f'<tr style="border-top:1px solid #EAEEF2">{label}'
                f'<td style="{_TD}">{esc(_order_line(verdict))}</td>'
                f'<td style="{_TD}">{badge(verdict.outcome, small=True)}</td>'
                f'<td style="{_TD}">{rule_cell}</td>'
                f'<td style="{_TD};{_SMALL}">{", ".join(esc(a) for a in advisories)}</td>'
                "</tr>"
            )
        heads = ([self.label_header] if self.labels else []) + ["order", "outcome", "deciding rules", "advisories"]
        head = "".join(f'<th style="{_TH}">{esc(h)}</th>' for h in heads)
        return (
            f'<div style="{_FONT};font-size:13px;line-height:1.4;color:#1F2328;background:#FFFFFF;max-width:1100px">'
            f'<table style="border-collapse:collapse;font-size:13px;background:transparent"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

    def to_text(self) -> str:
        heads = ([self.label_header] if self.labels else []) + ["order", "outcome", "deciding rules"]
        table = []
        for i, verdict in enumerate(self.verdicts):
            rules = ", ".join(r for r, _ in self._rules(verdict)) or "no restricting rule"
            row = ([self.labels[i]] if self.labels else []) + [_order_line(verdict), outcome_word(verdict.outcome), rules]
            table.append(row)
        widths = [max(len(h), *(len(r[j]) for r in table)) if table else len(h) for j, h in enumerate(heads)]
        widths[-1] = len(heads[-1])
        lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()


def verdict_table(verdicts: Sequence[Verdict], labels: Sequence[str] | None = None, label_header: str = "case") -> VerdictTable:
    """Verdicts side by side, one row each (HTML in Jupyter, aligned text in a terminal)."""
    return VerdictTable(verdicts, labels, label_header)


class HTML:
    """Wrap a piece of HTML so Jupyter shows it (and a terminal shows the plain text given)."""

    def __init__(self, html_text: str, text: str = ""):
        self.html = html_text
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text or "<HTML>"


def show(obj: Verdict | Timeline, *, link_base: str | None = None) -> HTML:
    """Display a verdict or timeline with a link base other than LINK_BASE (None: no links to seeds/)."""
    if isinstance(obj, Timeline):
        return HTML(timeline_html(obj, link_base=link_base), obj.to_text())
    return HTML(verdict_html(obj, link_base=link_base), obj.to_text())


register(Verdict, "html", verdict_html)
register(Timeline, "html", timeline_html)
