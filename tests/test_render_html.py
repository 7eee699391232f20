"""Verdicts and timelines as HTML: the outcome, the deciding rules, every quote (escaped), links to seeds/."""

from __future__ import annotations

import html
import re

import pytest

import chipcontrol as cc
from chipcontrol import render_html
from chipcontrol.render_html import citation_html, timeline_html, verdict_html, verdict_table

EVIL = '<script>alert("x")</script> & "Co" <img src=x>'


@pytest.fixture(scope="module")
def a800_2024(rb):
    return rb.evaluate(cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2024-01-15"))


@pytest.fixture(scope="module")
def a800_timeline(rb):
    return rb.timeline(cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2023-01-01"), "2023-01-01", "2025-01-01")


def _quotes(verdict):
    return [c.quote for f in verdict.findings for c in f.citations if c.quote]


def test_verdict_html_shows_the_outcome_the_deciding_rules_and_every_quote_escaped(a800_2024):
    page = a800_2024._repr_html_()
    assert page == verdict_html(a800_2024)
    assert "LICENSE REQUIRED" in page
    assert a800_2024.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    for rule_id in a800_2024.deciding_rule_ids:
        assert rule_id in page
    quotes = _quotes(a800_2024)
    assert quotes and any("’" in q for q in quotes)  # the articles' typographic apostrophes survive
    for quote in quotes:
        assert html.escape(quote, quote=True) in page
    for finding in a800_2024.findings:
        assert html.escape(finding.legal_basis.provision, quote=True) in page
        assert html.escape(finding.explanation, quote=True) in page
    assert "4990.4" in page and "+190.4" in page  # the conditions with actual values and margins


def test_verdict_html_links_each_article_to_its_text_in_seeds(a800_2024):
    page = verdict_html(a800_2024)
    files = {c.file for f in a800_2024.findings for c in f.citations if c.kind.value == "article"}
    assert files
    for file in files:
        assert file.startswith("seeds/")
        assert f'href="../{file}"' in page
    assert "2024" in page and "2023-11" in page  # the articles' dates


def test_links_follow_the_link_base_and_can_be_turned_off(a800_2024, monkeypatch):
    assert 'href="https://example.org/repo/seeds/' in verdict_html(a800_2024, link_base="https://example.org/repo/")
    assert 'href="../seeds/' not in verdict_html(a800_2024, link_base=None)
    monkeypatch.setattr(render_html, "LINK_BASE", "")
    assert 'href="seeds/' in a800_2024._repr_html_()


def test_a_malicious_inline_party_name_is_escaped_everywhere(rb):
    buyer = cc.Party(name=EVIL, headquarters="CN")
    order = cc.Order(item="H100", buyer=buyer, date="2024-01-15")
    outputs = [
        verdict_html(rb.evaluate(order)),
        timeline_html(rb.timeline(order, "2023-01-01", "2024-06-01")),
        verdict_table([rb.evaluate(order)], labels=[EVIL])._repr_html_(),
    ]
    for page in outputs:
        assert "<script" not in page and "<img" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Co&quot; &lt;img src=x&gt;" in page


def test_html_is_self_contained(a800_2024, a800_timeline):
    for page in (verdict_html(a800_2024), timeline_html(a800_timeline)):
        assert "<script" not in page and "<style" not in page and "<link" not in page
        assert not re.search(r"\bsrc\s*=", page)  # nothing loaded: no image, no frame, no font
        assert "url(" not in page


def test_only_web_urls_become_links():
    citation = cc.Citation(source_id="x", kind="instrument", title="T", url="javascript:alert(1)", quote_checked=False)
    assert "javascript" not in citation_html(citation)
    ok = citation.model_copy(update={"url": "https://www.federalregister.gov/d/2023-23055"})
    assert 'href="https://www.federalregister.gov/d/2023-23055"' in citation_html(ok)


def test_a_verdict_that_nothing_restricted_shows_how_the_order_missed_each_rule(rb):
    h20 = rb.evaluate(cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-06-01"))
    page = verdict_html(h20)
    assert "PERMITTED" in page and "<details open" in page
    assert "chip.tpp &gt;= 2400" in page and "-32" in page


def test_advisories_and_unknowns_are_shown(rb):
    cloud = verdict_html(rb.evaluate(cc.Order(kind="cloud_access", buyer="ByteDance", date="2023-08-15")))
    assert "Advisories" in cloud and "reported-2023-08-cloud-controls" in cloud
    assert "Cloud access for" in cloud
    invest = verdict_html(rb.evaluate(cc.Order(kind="investment", buyer="01.AI", date="2025-03-01")))
    assert "UNDETERMINED" in invest and "unknown facts" in invest and "cannot say" in invest


def test_timeline_html_shows_each_period_the_changes_and_their_sources(a800_timeline):
    page = a800_timeline._repr_html_()
    assert page == timeline_html(a800_timeline)
    for segment in a800_timeline.segments:
        assert str(segment.start) in page
        for rule_id in segment.deciding_rule_ids:
            assert rule_id in page
        for change in segment.changes:
            assert html.escape(change.description.removeprefix(f"{change.rule_id} "), quote=True) in page
            for citation in change.citations:
                if citation.quote:
                    assert html.escape(citation.quote, quote=True) in page
    assert "PERMITTED" in page and "LICENSE REQUIRED" in page
    assert 'href="../seeds/' in page
    assert "2024-12-31" in page  # the last day, inclusive


def test_verdict_table_has_one_row_per_verdict_in_html_and_text(rb):
    verdicts = rb.evaluate_many([cc.Order(item=c, buyer="ByteDance", date="2023-06-15") for c in ("A100", "A800")])
    table = verdict_table(verdicts, labels=["banned", "allowed"])
    page = table._repr_html_()
    assert page.count("<tr") == 3  # header and two rows
    assert "LICENSE REQUIRED" in page and "PERMITTED" in page and "nvda-2022-notice" in page
    text = str(table)
    assert len(text.splitlines()) == 3 and "banned" in text and "LICENSE REQUIRED" in text
    with pytest.raises(ValueError):
        verdict_table(verdicts, labels=["one"])
