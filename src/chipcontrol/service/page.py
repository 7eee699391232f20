"""The web page at `/`: a GET form (no JavaScript, so an answer has a URL to share), the verdict drawn by the
notebooks' HTML views, the order's timeline and its figure, and the cited articles with their quotes marked.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
import re
import threading
from collections.abc import Mapping
from urllib.parse import urlencode

from ..errors import InputError, close_matches, excerpt
from ..order import Order
from ..order_table import order_of_row
from ..render_html import timeline_html, verdict_html
from ..rulebook import Rulebook
from ..rules import Kind
from ..timeline import Timeline
from ..verdict import Verdict

#: The form's fields, in order: (name, label, input type, placeholder or choices, help). Names are the columns of
#: an order book (order_table.py), so the form, `chipcontrol screen` and /v1/screen read orders alike.
ORDER_FIELDS = (
    ("item", "Chip", "text", "A800", "catalog name, alias or id; or an inline chip's name (figures below)"),
    ("buyer", "Buyer", "text", "ByteDance", "catalog name, alias or id; or an inline buyer's name (headquarters below)"),
    ("destination", "Destination", "text", "CN", "ISO code or country name (default: the buyer's headquarters)"),
    ("date", "Date", "date", "2023-11-20", "date of the export, YYYY-MM-DD"),
    ("kind", "Kind", "select", [k.value for k in Kind], "kind of transaction"),
    ("origin", "Ships from", "text", "US", "US for an export (default); required for a reexport"),
    ("seller", "Seller", "text", "", "exporter (default: the chip's vendor)"),
    ("claims", "Claims", "text", "", "authorisations invoked, separated by ';'"),
)
CHIP_FIELDS = (
    ("item_vendor", "Vendor", "text", "NVIDIA", "a US vendor makes it subject to the EAR"),
    ("item_tpp", "TPP", "number", "4800", "total processing performance"),
    ("item_io_bidirectional_gbps", "I/O GB/s", "number", "600", "aggregate bidirectional chip-to-chip I/O"),
    ("item_die_area_mm2", "Die area mm²", "number", "", "applicable die area"),
    ("item_memory_bandwidth_gbps", "Memory GB/s", "number", "", "memory bandwidth"),
    ("item_datacenter", "Datacenter", "select", ["", "yes", "no"], "designed or marketed for datacenters"),
)
BUYER_FIELDS = (
    ("buyer_headquarters", "Headquarters", "text", "CN", "an inline buyer's headquarters (ISO code or name)"),
    ("buyer_parent_headquarters", "Parent's headquarters", "text", "", "its ultimate parent's (default: the same)"),
)
FIELDS = {f[0]: f for f in (*ORDER_FIELDS, *CHIP_FIELDS, *BUYER_FIELDS)}
NUMBERS = {name for name, _, kind, _, _ in FIELDS.values() if kind == "number"}
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Where the page links the articles: relative, so the page works behind a path prefix too.
SEEDS = "seeds/"

_plot_lock = threading.Lock()  # matplotlib's pyplot is not thread-safe


def order_of_query(params: Mapping[str, str]) -> tuple[Order, dict[str, str]]:
    """The Order a submitted form stands for, and the fields given (blank ones dropped). InputError when it is not one."""
    unknown = [name for name in params if name not in FIELDS]
    if unknown:
        near = close_matches(unknown[0], FIELDS)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise InputError(f"unknown form field {excerpt(unknown[0])}{hint}")
    given = {name: value.strip() for name, value in params.items() if value.strip()}
    row: dict[str, object] = dict(given)
    for name in NUMBERS & set(given):
        text = given[name]
        if not (_NUMBER.fullmatch(text) and math.isfinite(value := float(text))):
            raise InputError(f"bad {name}: must be a finite number ≥ 0, got {excerpt(text)}")
        row[name] = value
    if "item_datacenter" in given:
        row["item_datacenter"] = {"yes": True, "no": False}.get(given["item_datacenter"], given["item_datacenter"])
    return order_of_row(row), given


def figure_uri(timeline: Timeline) -> str | None:
    """The timeline's figure as an inline SVG (a data: URI), or None without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    from ..plot import close, plot_timelines

    with _plot_lock:
        fig = plot_timelines([timeline])
        try:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="svg", bbox_inches="tight")
        finally:
            close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ------------------------------------------------------------------------------------------ the page

_STYLE = ("font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;color:#1F2328;"
          "max-width:1040px;margin:16px auto;padding:0 12px")
_FIELDSET = "border:1px solid #D0D7DE;border-radius:6px;margin:8px 0;padding:6px 10px"
_LABEL = "display:inline-block;margin:4px 12px 4px 0;vertical-align:top"


def _input(field: tuple, value: str, lists: dict[str, list[str]]) -> str:
    name, label, kind, hint, help_text = field
    attrs = f'name="{name}" id="f-{name}" title="{html.escape(help_text)}"'
    if kind == "select":
        options = "".join(
            f'<option value="{html.escape(v)}"{" selected" if v == value else ""}>{html.escape(v or "(not given)")}</option>'
            for v in hint
        )
        control = f"<select {attrs}>{options}</select>"
    else:
        extra = ' step="any" min="0"' if kind == "number" else ""
        extra += f' list="l-{name}"' if name in lists else ""
        extra += ' required' if name in ("buyer", "date") else ""
        control = (f'<input type="{kind}" {attrs} value="{html.escape(value)}" placeholder="{html.escape("e.g. " + hint if hint else "")}"'
                   f'{extra} style="width:{"10em" if kind != "text" else "13em"}">')
    return (f'<label style="{_LABEL}" for="f-{name}"><span style="display:block;font-size:12px;color:#57606A">'
            f"{html.escape(label)}</span>{control}</label>")


def form_html(rulebook: Rulebook, values: Mapping[str, str]) -> str:
    """The GET form, filled with `values`; catalog names offered as suggestions (a datalist, no script)."""
    lists = {
        "item": sorted({c.name for c in rulebook.chips.values()}),
        "buyer": sorted({p.name for p in rulebook.parties.values()}),
    }
    datalists = "".join(
        f'<datalist id="l-{name}">' + "".join(f'<option value="{html.escape(v)}">' for v in names) + "</datalist>"
        for name, names in lists.items()
    )

    def group(title: str, fields: tuple, note: str = "") -> str:
        inputs = "".join(_input(f, values.get(f[0], ""), lists) for f in fields)
        note = f' <span style="font-weight:normal;color:#57606A">{html.escape(note)}</span>' if note else ""
        return f'<fieldset style="{_FIELDSET}"><legend><b>{html.escape(title)}</b>{note}</legend>{inputs}</fieldset>'

    return (
        '<form id="order" method="get" action="./">'
        + group("Order", ORDER_FIELDS)
        + group("Inline chip", CHIP_FIELDS, "only for a chip not in the catalog: its figures")
        + group("Inline buyer", BUYER_FIELDS, "only for a buyer not in the catalog")
        + '<button type="submit" style="font-size:15px;padding:4px 18px;margin:6px 0">Was this order legal?</button>'
        + datalists
        + "</form>"
    )


def page_html(rulebook: Rulebook, values: Mapping[str, str], *, verdict: Verdict | None = None,
              timeline: Timeline | None = None, figure: str | None = None, error: str | None = None,
              decision_id: str | None = None) -> str:
    """The whole page: heading, form, then the error or the answer."""
    cov = rulebook.coverage
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>chipcontrol — was this order legal?</title></head>",
        f'<body style="{_STYLE}"><h1 style="font-size:22px;margin:4px 0">Was this order legal?</h1>',
        f'<p style="color:#57606A;margin:2px 0 8px 0">US export controls on advanced AI chips · rulebook '
        f"<b>{html.escape(rulebook.name)}</b> <code>{rulebook.hash[:12]}</code> · verified from {cov.start} "
        f"until {cov.until} · <a href=\"docs\">API</a> · <a href=\"v1/rulebook\">rules</a></p>",
        form_html(rulebook, values),
    ]
    if error:
        parts.append(f'<p id="error" role="alert" style="color:#CC3311;font-weight:600">{html.escape(error)}</p>')
    if verdict is not None:
        share = "./?" + urlencode(values)
        parts.append(
            f'<section id="verdict"><h2 style="font-size:17px;margin:14px 0 4px 0">Verdict</h2>'
            f'<p style="font-size:12px;color:#57606A;margin:0">link to this answer: <a id="share" href="{html.escape(share)}">'
            f"{html.escape(share)}</a>" + (f" · decision <code>{decision_id}</code>" if decision_id else "") + "</p>"
            f'<div data-outcome="{verdict.outcome.value}" data-deciding-rules="{" ".join(verdict.deciding_rule_ids)}">'
            f"{verdict_html(verdict, link_base='')}</div></section>"
        )
    if timeline is not None:
        picture = (f'<img id="timeline-figure" alt="the order\'s legality over time" src="{figure}" style="max-width:100%">'
                   if figure else
                   '<p style="color:#57606A">(the figure needs matplotlib: pip install \'chipcontrol[plot]\')</p>')
        parts.append(
            f'<section id="timeline"><h2 style="font-size:17px;margin:14px 0 4px 0">The same order over time</h2>'
            f"{picture}{timeline_html(timeline, link_base='')}</section>"
        )
    parts.append("</body></html>")
    return "".join(parts)


# ------------------------------------------------------------------------------------------ the articles


def articles(rulebook: Rulebook) -> dict[str, str]:
    """Each article the rules cite, as an HTML page with every quote cited from it marked: {'seeds/<file>': html}.

    Read once, at start-up, and checked against the SHA-256 the rulebook holds; no request reads a file."""
    seeds = rulebook._loaded.seeds  # the folder the loader read (and checked) the articles from
    quotes: dict[str, set[str]] = {}
    for rule_id in rulebook.rules:
        for citation in rulebook.citations_of(rule_id):
            if citation.file and citation.quote:
                quotes.setdefault(citation.source_id, set()).add(citation.quote)
    pages = {}
    for source in rulebook.sources.values():
        if not source.file:
            continue
        raw = (seeds / source.file).read_bytes()
        if source.sha256 and hashlib.sha256(raw).hexdigest() != source.sha256:
            continue  # changed since the rulebook was loaded: not served
        pages[SEEDS + source.file] = _article_html(source, raw.decode("utf-8"), sorted(quotes.get(source.id, ())))
    return pages


def _article_html(source, text: str, quotes: list[str]) -> str:
    spans = []
    for quote in quotes:
        words = [re.escape(w) for w in quote.replace("\u2019", "'").split()]
        pattern = r"[\s\u00a0]+".join(w.replace("'", "['\u2019\u2018]") for w in words)
        if pattern and (match := re.search(pattern, text)):
            spans.append(match.span())
    out, at = [], 0
    for n, (start, end) in enumerate(sorted(spans), start=1):
        if start < at:
            continue  # overlapping quotes: the first one is marked
        out.append(html.escape(text[at:start]))
        out.append(f'<mark id="q{n}">{html.escape(text[start:end])}</mark>')
        at = end
    out.append(html.escape(text[at:]))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(source.title)}</title></head>'
        f'<body style="{_STYLE}"><p style="color:#57606A">[{html.escape(source.id)}] {len(spans)} quote(s) cited by '
        f"the rules are marked.</p><h1 style=\"font-size:18px\">{html.escape(source.title)}</h1>"
        f'<pre style="white-space:pre-wrap;font-family:inherit">{"".join(out)}</pre></body></html>'
    )
