"""`rb.screen(orders)`: an order book in (DataFrame, Arrow table, CSV, Parquet, JSON Lines), one verdict row per
order out, in order; a bad row has its error and never stops the batch."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import chipcontrol as cc
from chipcontrol.order_table import order_of_row
from chipcontrol.screen import read_orders, screen_slowly

BOOK = {
    "item": ["A800", "H100", "Acme X1", "H100", "H20", None],
    "buyer": ["ByteDance", "Huawei", "Foo Corp", "Bogus Buyer", "Alibaba", "Tencent"],
    "destination": ["CN", "CN", "CN", "CN", None, "CN"],
    "date": ["2023-08-15", "2024-01-01", "2024-01-01", "2024-01-01", "2025-05-01", "2024-13-01"],
    "kind": ["export", "export", "export", "export", "export", "investment"],
    "item_vendor": [None, None, "Acme", None, None, None],
    "item_tpp": [None, None, 5000.0, None, None, None],
    "buyer_headquarters": [None, None, "CN", None, None, None],
}


@pytest.fixture(scope="module")
def screening(rb):
    return rb.screen(pd.DataFrame(BOOK), engine="reference")


def test_the_table_has_one_row_per_order_with_the_agreed_columns(screening):
    assert len(screening) == 6 and screening.orders.num_rows == 6
    assert screening.table.schema == pa.schema([
        ("outcome", pa.string()), ("permitted", pa.bool_()), ("review_policy", pa.string()),
        ("deciding_rule_ids", pa.list_(pa.string())), ("reason", pa.string()), ("advisories", pa.list_(pa.string())),
        ("error", pa.string()),
    ])
    assert list(screening.to_pandas().columns) == screening.table.column_names


def test_each_row_has_the_verdict_of_its_order(screening):
    rows = screening.table.to_pylist()
    assert rows[0]["outcome"] == "permitted" and rows[0]["permitted"] is True and rows[0]["deciding_rule_ids"] == []
    assert rows[0]["review_policy"] is None and "reported" in rows[0]["advisories"]
    huawei = rows[1]
    assert huawei["outcome"] == "license_required" and huawei["permitted"] is False
    assert huawei["review_policy"] == "presumption_of_denial"
    assert huawei["deciding_rule_ids"] == [
        "bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "entity-list-license", "nvda-2022-notice"]
    assert rows[2]["outcome"] == "undetermined" and "unscreened_party" in rows[2]["advisories"]
    assert rows[4]["outcome"] == "license_required"  # Alibaba's headquarters (CN) is the destination
    assert rows[4]["deciding_rule_ids"] == ["nvda-2025-h20-notice"]


def test_a_bad_row_has_the_message_evaluate_raises_and_the_others_are_answered(rb, screening):
    rows = screening.table.to_pylist()
    assert rows[3]["error"] == "unknown party 'Bogus Buyer'" and rows[3]["outcome"] is None
    assert rows[3]["permitted"] is None and rows[3]["reason"] is None and rows[3]["deciding_rule_ids"] == []
    assert rows[5]["error"] == "bad Order date: 2024-13-01: there is no month 13"
    with pytest.raises(cc.InputError, match="unknown party 'Bogus Buyer'"):
        screening.verdict(3)
    assert [r["error"] is None for r in rows] == [True, True, True, False, True, False]


def test_the_verdict_of_a_row_is_what_evaluate_gives(rb, screening):
    row = screening.orders.slice(1, 1).to_pylist()[0]
    assert screening.verdict(1).model_dump() == rb.evaluate(order_of_row(row), engine="reference").model_dump()
    assert screening.verdict(-6).outcome is cc.Outcome.PERMITTED
    with pytest.raises(IndexError):
        screening.verdict(6)


def test_the_summary_counts_outcomes_policies_rules_buyers_destinations_and_errors(screening):
    summary = screening.summary()
    assert summary["rows"] == 6 and summary["errors"] == 2
    assert summary["outcomes"] == {"license_required": 2, "permitted": 1, "undetermined": 1}
    assert summary["review_policies"] == {"presumption_of_denial": 1}  # the H20 row's policy is unknown (null)
    assert summary["top_restricted_buyers"] == {"Huawei": 1, "Alibaba": 1}
    assert summary["top_restricted_destinations"] == {"CN": 1, "None": 1}
    assert summary["top_deciding_rules"]["bis-3a090-2023-destinations"] == 2  # Huawei's, and Foo Corp's (undetermined)
    json.dumps(summary)  # plain data


def test_every_input_form_gives_the_same_table(rb, tmp_path, screening):
    table = pa.Table.from_pandas(pd.DataFrame(BOOK), preserve_index=False)
    pacsv.write_csv(table, tmp_path / "book.csv")
    pq.write_table(table, tmp_path / "book.parquet")
    with (tmp_path / "book.jsonl").open("w") as out:
        for row in table.to_pylist():
            out.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
    for source in (table, tmp_path / "book.csv", str(tmp_path / "book.parquet"), tmp_path / "book.jsonl"):
        assert rb.screen(source, engine="reference").table.equals(screening.table), source


def test_a_missing_column_is_one_error_for_the_whole_book(rb):
    with pytest.raises(cc.InputError, match="no column 'date'"):
        rb.screen(pd.DataFrame({k: v for k, v in BOOK.items() if k != "date"}))
    with pytest.raises(cc.InputError, match="unknown column 'item_tdp'.*did you mean 'item_tpp'"):
        rb.screen(pd.DataFrame({**BOOK, "item_tdp": [1.0] * 6}))
    with pytest.raises(cc.InputError, match="expected a pandas DataFrame"):
        rb.screen([{"item": "A800"}])
    with pytest.raises(cc.InputError, match="unknown engine"):
        rb.screen(pd.DataFrame(BOOK), engine="nope")


def test_claims_are_split_on_semicolons_and_whole_float_quantities_are_counts(rb):
    book = pd.DataFrame({
        "item": ["A100", "A100"], "buyer": ["Tencent", "Tencent"], "destination": ["HK", "HK"],
        "date": ["2022-10-01", "2022-10-01"], "claims": ["nvda-2022-hk-fulfilment ; ", None], "quantity": [3.0, None],
    })
    rows = rb.screen(book, engine="reference").table.to_pylist()
    fulfilled = rb.evaluate(cc.Order(item="A100", buyer="Tencent", destination="HK", date="2022-10-01",
                                     claims=["nvda-2022-hk-fulfilment"], quantity=3), engine="reference")
    assert rows[0]["outcome"] == fulfilled.outcome.value and rows[0]["deciding_rule_ids"] == fulfilled.deciding_rule_ids
    assert rows[0]["advisories"] == list(dict.fromkeys(a.kind.value for a in fulfilled.advisories))
    assert rows[0]["deciding_rule_ids"] != rows[1]["deciding_rule_ids"]


def test_rows_that_share_rule_results_keep_their_own_unknown_facts_and_notes(rb):
    """Inline chips unknown in different figures, with and without a quantity: each row names its own gaps."""
    book = pa.table({
        "item": ["Acme Z1", "Acme Z2", "Acme Z3", "Acme Z3"], "buyer": ["Tencent"] * 4, "destination": ["CN"] * 4,
        "date": ["2024-06-01"] * 4, "item_vendor": ["NVIDIA"] * 4, "item_tpp": [6000.0, None, 6000.0, 6000.0],
        "item_die_area_mm2": [None, 814.0, 814.0, 814.0], "item_datacenter": [True, True, None, None],
        "quantity": [None, None, 5, None],
    })
    for engine in ("reference", "durable"):
        assert rb.screen(book, engine=engine).table.equals(screen_slowly(rb, book, engine=engine).table)
    rows = rb.screen(book).table.to_pylist()
    assert "chip.datacenter" in rows[2]["reason"] and "chip.tpp" not in rows[2]["reason"]
    assert "chip.tpp" in rows[1]["reason"]
    assert "note" in rows[2]["advisories"] and "note" not in rows[3]["advisories"]


def test_read_orders_reads_text_columns_as_text(tmp_path):
    (tmp_path / "book.csv").write_text("item,buyer,destination,date\n910,123,CN,2024-01-01\n")
    table = read_orders(tmp_path / "book.csv")
    assert table.column("item").to_pylist() == ["910"] and table.column("date").type == pa.string()
    with pytest.raises(cc.InputError, match="cannot tell the format"):
        (tmp_path / "book.xlsx").write_text("x")
        read_orders(tmp_path / "book.xlsx")
