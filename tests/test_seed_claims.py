"""Every claim a founding article makes about what was or was not allowed, checked against the rulebook.

Each test quotes its article (the quote is checked against the text in seeds/), then asserts the outcome
and the ids of the rules that decided it. Claims that need no more than that are examples in the rule files
(`examples:` with a `citation`, e.g. the A100 and the reported A800 tightening in 2023; the loader checks
their quotes, tests/test_rule_examples.py their verdicts); the tests here look inside the findings too.
"""

from __future__ import annotations

import pytest

import chipcontrol as cc

DEST_2022 = "bis-3a090-2023-01-china-macau"  # the 2022 test, China and Macau version in force in 2023


def order(item, buyer, date, destination="CN", **kw):
    return cc.Order(item=item, buyer=buyer, destination=destination, date=date, **kw)


def assert_quoted(article_text, source_id, quote):
    from chipcontrol.sources import normalise_text

    assert normalise_text(quote) in article_text(source_id), f"quote not in {source_id}: {quote!r}"


@pytest.mark.parametrize("date", ["2023-06-15", "2023-08-15"])
def test_a800_to_bytedance_in_mid_2023_was_permitted_because_its_io_is_under_600(rb, article_text, date):
    # 001 (2023-06): the A800 and H800 "les deux peuvent être exportés vers le pays asiatique"
    assert_quoted(article_text, "article-001", "les deux peuvent être exportés vers le pays asiatique")
    # 000: "les entreprises chinoises ne peuvent acheter que la puce A800"
    assert_quoted(article_text, "article-000", "les entreprises chinoises ne peuvent acheter que la puce A800")
    v = rb.evaluate(order("A800", "ByteDance", date))
    assert v.outcome is cc.Outcome.PERMITTED and v.permitted is True
    assert v.deciding_rule_ids == []
    # the 2022 test missed on I/O alone: the A800 keeps the A100's compute (TPP 4990 >= 4800)
    assert v.finding(DEST_2022).role is cc.Role.NOT_FIRED
    missed = [(c.fact, c.actual, c.margin) for c in v.finding(DEST_2022).checks]
    assert missed == [("chip.io_bidirectional_gbps", 400.0, -200.0)]


@pytest.mark.parametrize("buyer", ["Alibaba", "Tencent", "Baidu", "ByteDance"])
def test_h800_to_a_chinese_buyer_in_august_2023_was_permitted(rb, article_text, buyer):
    # 002: "Baptisées A800 et H800, celles-ci ... ne sont pas suffisamment puissantes pour être concernées par
    # les restrictions d’exportation vers la Chine."
    assert_quoted(
        article_text,
        "article-002",
        "elles ne sont pas suffisamment puissantes pour être concernées par les restrictions d’exportation vers la Chine",
    )
    v = rb.evaluate(order("H800", buyer, "2023-08-15"))
    assert v.outcome is cc.Outcome.PERMITTED
    assert v.deciding_rule_ids == []
    assert v.finding(DEST_2022).role is cc.Role.NOT_FIRED
    assert v.finding("nvda-2022-notice").role is cc.Role.NOT_FIRED  # H800 is not A100-class on I/O


@pytest.mark.parametrize("buyer", ["Baidu", "ByteDance", "Tencent", "Alibaba"])
def test_the_big_four_a800_orders_for_delivery_in_2023_were_permitted(rb, article_text, buyer):
    # 004: "Baidu, ByteDance, Tencent et Alibaba ont commandé collectivement environ 100 000 unités de
    # processeurs A800 Nvidia qui seront livrées cette année"
    assert_quoted(article_text, "article-004", "ont commandé collectivement environ 100 000 unités de processeurs A800 Nvidia")
    v = rb.evaluate(order("A800", buyer, "2023-09-30"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []


@pytest.mark.parametrize("item", ["A800", "H800", "A800 PCIe", "H800 PCIe"])
@pytest.mark.parametrize("buyer", ["ByteDance", "Baidu"])
def test_a800_and_h800_to_chinese_buyers_in_2024_need_a_licence(rb, article_text, item, buyer):
    # 003: "Nvidia a été contraint d’interrompre l’exportation de ses puces d’IA avancées vers la Chine"
    assert_quoted(article_text, "article-003", "Nvidia a été contraint d’interrompre l’exportation de ses puces d’IA avancées vers la Chine")
    # 004: "Bien avant que Washington n’interdise les exportations d’unités de traitement graphique hautes
    # performances de Nvidia vers la Chine"
    assert_quoted(article_text, "article-004", "Washington n’interdise les exportations d’unités de traitement graphique hautes performances")
    v = rb.evaluate(order(item, buyer, "2024-03-01"))
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    checks = {(c.term, c.fact): c for c in v.finding("bis-3a090-2023-destinations").checks}
    a1 = checks[("3A090.a.1-2023", "chip.tpp")]
    assert a1.result is True and a1.actual >= 4800  # 3A090.a.1 catches them now that I/O no longer counts


def test_bytedance_a800_order_for_next_year_was_legal_when_ordered_but_not_at_delivery_in_2024(rb, article_text):
    # 000 (2023-08): "ByteDance a commandé près de 70 000 puces A8, d’une valeur d’environ 700 millions de
    # dollars, pour l’année prochaine." ("A8" is the article's slip for the A800 it discusses.)
    assert_quoted(article_text, "article-000", "ByteDance a commandé près de 70 000 puces A8, d’une valeur d’environ 700 millions de dollars, pour l’année prochaine")
    when_ordered = rb.evaluate(order("A800", "ByteDance", "2023-08-09"))
    at_delivery = rb.evaluate(order("A800", "ByteDance", "2024-01-15", order_date="2023-08-09"))
    assert when_ordered.outcome is cc.Outcome.PERMITTED and when_ordered.deciding_rule_ids == []
    assert at_delivery.outcome is cc.Outcome.LICENSE_REQUIRED
    assert at_delivery.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]


def test_h20_to_bytedance_in_2024_was_permitted_because_it_is_under_every_2023_threshold(rb, article_text):
    # 003: ByteDance became "le plus grand acheteur d’H20 en Chine, avec plus de 2 milliards de dollars
    # dépensés en 2024"; the H20 is "une version modifiée qui respecte les réglementations"
    assert_quoted(article_text, "article-003", "le plus grand acheteur d’H20 en Chine, avec plus de 2 milliards de dollars dépensés en 2024")
    assert_quoted(article_text, "article-003", "une version modifiée qui respecte les réglementations")
    v = rb.evaluate(order("H20", "ByteDance", "2024-06-01"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    checks = v.finding("bis-3a090-2023-destinations").checks
    by_test = {(c.term, c.test): c for c in checks}
    assert by_test[("3A090.a.1-2023", "chip.tpp >= 4800")].result is False  # TPP 2368 < 4800
    assert by_test[("3A090.b.1-2023", "chip.tpp >= 2400")].result is False  # TPP 2368 < 2400
    assert by_test[("3A090.b.2-2023", "chip.performance_density >= 3.2")].result is False  # PD 2.91 < 3.2


def test_h20_to_bytedance_after_the_april_2025_notice_needs_a_licence(rb):
    v = rb.evaluate(order("H20", "ByteDance", "2025-05-01"))
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["nvda-2025-h20-notice"]


def test_ascend_910b_to_bytedance_in_2024_is_not_caught_by_us_rules_and_says_why(rb, article_text):
    # 003: "ByteDance a acquis plus de 100 000 puces Ascend 910B à ce jour"; it turns to "des fournisseurs de
    # puces locaux tels que Huawei"
    assert_quoted(article_text, "article-003", "ByteDance a acquis plus de 100 000 puces Ascend 910B à ce jour")
    v = rb.evaluate(order("Ascend 910B", "ByteDance", "2024-06-01"))
    assert v.outcome is cc.Outcome.PERMITTED
    assert v.deciding_rule_ids == ["ear-item-not-subject"]
    assert "not subject to the EAR" in v.finding("ear-item-not-subject").explanation
    ear = {c.fact: c for c in v.finding("bis-3a090-2023-destinations").checks}["chip.subject_to_ear"]
    assert ear.result is False  # the 3A090 test itself is met (TPP ~5120), the EAR does not reach the chip
