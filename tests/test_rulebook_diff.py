"""Impact reports: the rule and catalog changes between two rulebooks, and exactly the orders of a book they flip."""

from __future__ import annotations

import json

import pytest

import chipcontrol as cc
from chipcontrol.cli import main
from chipcontrol.rulebook_diff import diff

from .conftest import add_rule, copy_rulesets, edit, hypothetical

pytest.importorskip("pyarrow")

BOOK = [
    ("A800", "ByteDance", "CN", "2024-03-01"),  # the 2023 rule catches it by TPP and by density
    ("H20", "ByteDance", "CN", "2024-06-01"),
    ("H100", "Alibaba", "CN", "2024-06-01"),
    ("A800", "ByteDance", "CN", "2023-09-01"),  # before the 2023 rule
    ("A100", "Tencent", "CN", "2022-07-01"),
    ("H800", "Tencent", "CN", "2024-01-10"),
    ("A8000", "ByteDance", "CN", "2024-03-01"),  # not a chip: an error row under both
]


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("item,buyer,destination,date\n" + "".join(",".join(row) + "\n" for row in BOOK), encoding="utf-8")
    return path


def _copy(tmp_path, name: str):
    (tmp_path / name).mkdir()
    return copy_rulesets(tmp_path / name)


def _raise_2023_thresholds(rulesets) -> None:
    """The 2023 3A090.a test at TPP 5000 and density 6.5: the A800 (4990.4, 6.04) passes both."""
    rules = rulesets / "rules" / "bis-acs-ifr-2023-10.yaml"
    edit(rules, "when: chip.tpp >= 4800\n", "when: chip.tpp >= 5000\n")
    edit(rules, "when: chip.tpp >= 1600 and chip.performance_density >= 5.92", "when: chip.tpp >= 1600 and chip.performance_density >= 6.5")


def _key(verdict) -> tuple:
    return (verdict.outcome.value, verdict.review_policy.value if verdict.review_policy else None, verdict.deciding_rule_ids)


def _expected_flips(base, head) -> list[int]:
    """The rows whose outcome, review policy or deciding rules differ, by evaluating each order under both."""
    rows = []
    for i, (item, buyer, destination, date) in enumerate(BOOK):
        order = cc.Order(item=item, buyer=buyer, destination=destination, date=date)
        try:
            before, after = _key(base.evaluate(order)), _key(head.evaluate(order))
        except cc.InputError:
            continue
        if before != after:
            rows.append(i)
    return rows


def test_a_copy_of_the_rulebook_changes_nothing_and_flips_no_order(rb, tmp_path, book):
    report = diff(rb, cc.load_rulebook(_copy(tmp_path, "same")), orders=book)
    assert (report.rule_changes, report.catalog_changes, report.flipped) == ([], [], [])
    assert (report.summary.rows, report.summary.flipped, report.summary.errors) == (7, 0, 1)


def test_raised_2023_thresholds_are_threshold_moves_of_every_rule_that_uses_the_terms(rb, tmp_path):
    rulesets = _copy(tmp_path, "head")
    _raise_2023_thresholds(rulesets)
    report = diff(rb, cc.load_rulebook(rulesets))
    changed = {r.rule_id: r for r in report.rule_changes}
    assert {"bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"} <= set(changed)
    rule = changed["bis-3a090-2023-destinations"]
    assert (rule.change, rule.aspects) == ("changed", ["thresholds"])
    moves = {(f.field, f.before, f.after) for f in rule.fields}
    assert moves == {
        ("term 3A090.a.1-2023: chip.tpp >=", 4800, 5000),
        ("term 3A090.a.2-2023: chip.performance_density >=", 5.92, 6.5),
    }
    assert {(c.catalog, c.id) for c in report.catalog_changes} == {("terms", "3A090.a.1-2023"), ("terms", "3A090.a.2-2023")}


def test_over_a_book_the_report_lists_exactly_the_orders_the_change_flips_and_why(rb, tmp_path, book):
    rulesets = _copy(tmp_path, "head")
    _raise_2023_thresholds(rulesets)
    head = cc.load_rulebook(rulesets)
    report = diff(rb, head, orders=book)
    assert [f.row for f in report.flipped] == _expected_flips(rb, head) == [0]
    (flip,) = report.flipped
    assert (flip.before.outcome, flip.before.deciding_rule_ids, flip.before.review_policy) == (
        "license_required", ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"], "presumption_of_denial")
    assert (flip.after.outcome, flip.after.deciding_rule_ids, flip.after.review_policy) == ("permitted", [], None)
    assert flip.because == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    assert flip.outcome_changed
    assert report.summary.transitions == {"license_required -> permitted": 1}


def test_an_added_rule_is_reported_as_added_and_names_itself_in_every_row_it_catches(rb, tmp_path, book):
    rulesets = _copy(tmp_path, "head")
    add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", hypothetical(
        "test-bytedance-prohibited", "ByteDance may receive nothing", 'buyer.id == "bytedance"',
        effective="2022-01-01", effect="prohibited",
    ))
    head = cc.load_rulebook(rulesets)
    report = diff(rb, head, orders=book)
    (added,) = report.rule_changes
    assert (added.rule_id, added.change, added.aspects) == ("test-bytedance-prohibited", "added", ["prohibited"])
    assert [f.row for f in report.flipped] == _expected_flips(rb, head) == [0, 1, 3]
    assert all(f.after.outcome == "prohibited" and f.because == ["test-bytedance-prohibited"] for f in report.flipped)


def test_a_changed_chip_figure_is_a_catalog_change_and_the_rows_it_flips_name_the_chip(rb, tmp_path, book):
    rulesets = _copy(tmp_path, "head")
    chips = rulesets / "catalog" / "chips.yaml"
    text = chips.read_text(encoding="utf-8")
    start = text.index("id: nvidia-a800-sxm")
    block = text[start:].replace("dense_tops: 311.9", "dense_tops: 290", 1).replace("dense_tops: 623.7", "dense_tops: 580", 1)
    chips.write_text(text[:start] + block, encoding="utf-8")
    head = cc.load_rulebook(rulesets)
    assert head.chips["nvidia-a800-sxm"].tpp == 4640.0
    report = diff(rb, head, orders=book)
    assert report.rule_changes == []
    (chip,) = [c for c in report.catalog_changes if c.catalog == "chips"]
    assert chip.id == "nvidia-a800-sxm"
    assert chip.fields[0].model_dump() == {"field": "tpp (derived)", "before": 4990.4, "after": 4640.0}
    assert [f.row for f in report.flipped] == _expected_flips(rb, head)
    assert 0 in [f.row for f in report.flipped]
    assert all(f.catalog == ["chips/nvidia-a800-sxm"] for f in report.flipped)


def test_dates_effect_and_kinds_of_a_rule_are_classified_as_dates_effect_and_scope(tmp_path):
    def with_rule(name: str, **fields):
        rulesets = _copy(tmp_path, name)
        add_rule(rulesets, "bis-acs-ifr-2023-10.yaml", hypothetical("test-rule", "A made-up rule", "chip.tpp >= 1000000", **fields))
        return cc.load_rulebook(rulesets)

    base = with_rule("base", effective="2022-01-01", effect="license_required")
    head = with_rule("head", effective="2023-01-01", effect="prohibited", kinds=["export"])
    (rule,) = diff(base, head).rule_changes
    assert rule.aspects == ["dates", "effect", "scope"]
    assert {f.field for f in rule.fields} == {"effective", "effect", "kinds"}


# ------------------------------------------------------------------------------------------------ the CLI


def test_diff_json_has_the_rule_changes_the_flipped_rows_and_a_summary(tmp_path, book, capsys):
    rulesets = _copy(tmp_path, "head")
    _raise_2023_thresholds(rulesets)
    assert main(["diff", "--head", str(rulesets), "--orders", str(book), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"rule_changes", "flipped", "summary"} <= set(data)
    assert data["flipped"][0]["row"] == 0 and data["flipped"][0]["because"] == [
        "bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    assert data["flipped"][0]["before"]["outcome"] == "license_required" and data["flipped"][0]["after"]["outcome"] == "permitted"
    assert data["summary"]["flipped"] == 1


def test_diff_text_and_html(tmp_path, book, capsys):
    rulesets = _copy(tmp_path, "head")
    _raise_2023_thresholds(rulesets)
    assert main(["diff", "--head", str(rulesets), "--orders", str(book)]) == 0
    out = capsys.readouterr().out
    assert "1 of 7 orders flipped (1 with another outcome)" in out.splitlines()[0]
    assert "  row 0: license_required (bis-3a090-2023-destinations, bis-3a090-2023-headquarters, presumption_of_denial)" \
           " -> permitted (no restricting rule) because bis-3a090-2023-destinations, bis-3a090-2023-headquarters" in out
    page = tmp_path / "impact.html"
    assert main(["diff", "--head", str(rulesets), "--orders", str(book), "--html", str(page)]) == 0
    assert "<h1>Impact report</h1>" in page.read_text() and "3A090.a.1-2023" in page.read_text()


@pytest.mark.parametrize("args", [
    ["diff"],
    ["diff", "--head", "/nonexistent/rulesets"],
    ["diff", "--base", "/nonexistent/rulesets", "--head", "RULESETS"],
    ["diff", "--head", "RULESETS", "--orders", "/nonexistent.csv"],
])
def test_diff_with_bad_arguments_is_one_line_and_a_non_zero_exit(args, tmp_path, capsys):
    args = [str(copy_rulesets(tmp_path)) if a == "RULESETS" else a for a in args]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert err.startswith("chipcontrol: ") and err.count("\n") == 1


def test_a_rulebook_compared_with_itself_changes_nothing_and_flips_no_order(rb):
    import pandas as pd

    book = pd.DataFrame([{"item": "A800", "buyer": "ByteDance", "destination": "CN", "date": "2023-11-20"}])
    report = rb.diff(rb, orders=book)
    assert report.rule_changes == [] and report.catalog_changes == [] and report.flipped == []
