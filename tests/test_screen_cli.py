"""`chipcontrol screen`: an order book file in, every order's verdict out, run through the console script."""

from __future__ import annotations

import datetime as dt
import fcntl
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from chipcontrol.screen import RESULT_COLUMNS
from chipcontrol.verdict import Role

HEADER = "item,buyer,destination,date,kind,item_vendor,item_tpp,buyer_headquarters,quantity,claims"
BOOK = [
    "A800,ByteDance,CN,2024-01-15,export,,,,10,",  # licence required: the 2023 rules (tests/test_cli.py)
    "A800,ByteDance,CN,2023-08-15,export,,,,,",  # permitted (design.md §6)
    "A100,Huawei,CN,2023-01-15,export,,,,2,",  # licence required: Entity List and the 2022 rule
    "A8000,ByteDance,CN,2024-01-15,export,,,,,",  # error: unknown chip
    "H100,ByteDance,CN,2020-01-15,export,,,,,",  # out of coverage
    "Mystery-X,ByteDance,CN,2024-01-15,export,NVIDIA,,,,",  # undetermined: an inline chip with no figures
    "H20,Acme Compute,CN,2025-05-15,export,,,CN,,",  # an inline buyer
    "RTX 4090,Acme Compute,DE,2024-06-03,export,,,CN,1,",
    "A100,huawei,China,2023-01-15,export,,,,,",  # licence required: Huawei again, spelt otherwise
]
LICENSE_ROWS = [0, 2]


def script() -> str:
    beside = Path(sys.executable).parent / "chipcontrol"
    found = str(beside) if beside.exists() else shutil.which("chipcontrol")
    if not found:
        pytest.fail("the chipcontrol console script is not installed (pip install '.[test]')")
    return found


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([script(), "screen", *map(str, args)], capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "book.csv"
    path.write_text("\n".join([HEADER, *BOOK]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def expected(rb, book):
    """What the library says of the same book: the table the command must write."""
    return rb.screen(book)


def as_format(book: Path, suffix: str) -> Path:
    """The book in another format (read as the library reads the CSV)."""
    from chipcontrol.screen import read_orders

    table = read_orders(book)
    path = book.with_name(f"book-copy{suffix}")
    if suffix == ".parquet":
        pq.write_table(table, path)
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()), encoding="utf-8")
    else:
        path = book
    return path


def read_back(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)).to_pylist()


def test_csv_out_holds_the_input_columns_then_each_orders_verdict_with_lists_joined(book, expected, tmp_path):
    out = tmp_path / "out.csv"
    result = run(book, "-o", out)
    assert result.returncode == 0, result.stderr
    rows = read_back(out)
    assert list(rows[0]) == HEADER.split(",") + list(RESULT_COLUMNS)
    assert [r["item"] for r in rows] == [line.split(",")[0] for line in BOOK]
    want = expected.table.to_pylist()
    for row, verdict in zip(rows, want, strict=True):
        assert row["outcome"] == verdict["outcome"]
        assert (row["deciding_rule_ids"] or "") == ";".join(verdict["deciding_rule_ids"])
        assert (row["advisories"] or "") == ";".join(verdict["advisories"])
        assert row["error"] == verdict["error"]
    assert rows[0]["outcome"] == "license_required" and rows[0]["review_policy"] == "presumption_of_denial"
    assert rows[0]["deciding_rule_ids"] == "bis-3a090-2023-destinations;bis-3a090-2023-headquarters"
    assert rows[1]["outcome"] == "permitted" and rows[1]["permitted"] is True
    assert rows[3]["outcome"] is None and "unknown chip 'A8000'" in rows[3]["error"]
    assert rows[4]["outcome"] == "out_of_coverage" and rows[5]["outcome"] == "undetermined"


@pytest.mark.parametrize("source, target", [(".csv", ".parquet"), (".parquet", ".jsonl"), (".jsonl", ".parquet"), (".jsonl", ".jsonl")])
def test_parquet_and_json_lines_keep_lists_as_lists_and_nulls_as_nulls(book, expected, tmp_path, source, target):
    out = tmp_path / f"out{target}"
    result = run(as_format(book, source), "-o", out)
    assert result.returncode == 0, result.stderr
    rows = read_back(out)
    assert [{k: r[k] for k in RESULT_COLUMNS} for r in rows] == expected.table.to_pylist()
    assert rows[0]["quantity"] == 10 and rows[1]["quantity"] is None  # an integer stays one beside a null
    assert rows[0]["date"] in ("2024-01-15", dt.date(2024, 1, 15))


def test_summary_counts_outcomes_policies_rules_restricted_buyers_and_errors(rb, book, expected, tmp_path):
    result = run(book, "-o", tmp_path / "out.parquet", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    table = expected.table.to_pylist()
    outcomes = [r["outcome"] for r in table]
    assert summary["rows"] == len(BOOK)
    assert summary["outcomes"] == {o: outcomes.count(o) for o in set(outcomes) - {None}}
    assert summary["errors"] == 1 and list(summary["first_errors"].values())[0].startswith("unknown chip 'A8000'")
    restricted = [line.split(",") for line, r in zip(BOOK, table) if r["permitted"] is False]
    buyers = [rb.party(row[1]).name if not row[7] else row[1] for row in restricted]  # catalog buyers by their name
    assert summary["top_restricted_buyers"] == {b: buyers.count(b) for b in set(buyers)}
    assert summary["top_restricted_buyers"]["Huawei"] == 2 and "huawei" not in summary["top_restricted_buyers"]
    assert summary["top_restricted_destinations"]["CN"] == sum(row[2] in ("CN", "China") for row in restricted)
    assert summary["top_deciding_rules"]["bis-3a090-2023-destinations"] >= 1

    text = run(book, "-o", tmp_path / "out2.parquet").stdout
    assert f"Screened {len(BOOK)} orders" in text
    assert re.search(rf"^  license_required +{outcomes.count('license_required')} +\d", text, re.M), text
    assert "Rows in error: 1" in text and "row 3: unknown chip 'A8000'" in text
    assert "Buyers most often restricted" in text and "Huawei" in text


def test_report_is_one_self_contained_html_file_listing_the_restricted_rows_with_their_sources(rb, book, expected, tmp_path):
    report = tmp_path / "report.html"
    result = run(book, "-o", tmp_path / "out.csv", "--report", report)
    assert result.returncode == 0, result.stderr
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    for loaded in ("<script", "src=", "<link", "url(", "@import", "<img", "<iframe"):
        assert loaded not in text  # nothing is fetched from elsewhere
    assert "<svg" in text and "<rect" in text  # the chart of outcomes over time, inline
    table = expected.table.to_pylist()
    listed = [i for i, r in enumerate(table) if r["outcome"] in ("license_required", "prohibited", "undetermined")]
    for i, row in enumerate(table):
        assert (f'data-row="{i}"' in text) == (i in listed), i
    assert 'data-error-row="3"' in text
    verdict = expected.verdict(LICENSE_ROWS[0])
    deciding = [f for f in verdict.findings if f.role is Role.DECIDING]
    for finding in deciding:
        assert f'id="rule-{finding.rule_id}"' in text
        for citation in finding.citations:
            if citation.quote:
                assert html.escape(citation.quote, quote=True) in text


def test_report_states_the_limit_when_it_lists_fewer_rows_than_the_book_has(book, tmp_path):
    report = tmp_path / "report.html"
    result = run(book, "-o", tmp_path / "out.csv", "--report", report, "--report-rows", "1")
    assert result.returncode == 0, result.stderr
    text = report.read_text(encoding="utf-8")
    assert "The first 1 of 5 restricted or undetermined orders" in text
    assert text.count("data-row=") == 1


@pytest.mark.parametrize(
    "fail_on, code",
    [
        ("license_required,prohibited,undetermined", 1),
        ("prohibited", 0),  # no order of the book is prohibited
        ("undetermined", 1),
        ("error", 1),  # a row that could not be evaluated
        ("out_of_coverage", 1),
    ],
)
def test_fail_on_exits_1_when_any_order_has_one_of_the_outcomes_and_still_writes_the_output(book, expected, tmp_path, fail_on, code):
    outcomes = {r["outcome"] or "error" for r in expected.table.to_pylist()}
    assert bool(outcomes & set(fail_on.split(","))) == bool(code)  # the book is as the case says
    out = tmp_path / "out.csv"
    result = run(book, "-o", out, "--fail-on", fail_on)
    assert result.returncode == code, result.stderr
    assert out.exists() and len(read_back(out)) == len(BOOK)
    if code:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("chipcontrol: --fail-on:"), result.stderr
    else:
        assert result.stderr == ""


def bad_books(tmp: Path) -> dict[str, Path]:
    no_date = tmp / "no-date.csv"
    no_date.write_text("item,buyer,destination\nA800,ByteDance,CN\n", encoding="utf-8")
    garbage = tmp / "garbage.parquet"
    garbage.write_bytes(b"this is not parquet")
    earlier = tmp / "earlier.csv"
    earlier.write_text("item,buyer,destination,date,outcome\nA800,ByteDance,CN,2024-01-15,permitted\n", encoding="utf-8")
    ragged = tmp / "ragged.csv"
    ragged.write_text("item,buyer,destination,date\nA800,ByteDance,CN,2024-01-15\nA800,ByteDance\n", encoding="utf-8")
    return {"no-date": no_date, "garbage": garbage, "earlier": earlier, "ragged": ragged}


@pytest.mark.parametrize(
    "args, message",
    [
        (["{tmp}/missing.csv", "-o", "{tmp}/out.csv"], "missing.csv': no such file"),
        (["{book}", "-o", "{tmp}/out.xlsx"], "unknown file type '.xlsx'"),
        (["{tmp}/book.txt", "-o", "{tmp}/out.csv"], "unknown file type '.txt'"),
        (["{no-date}", "-o", "{tmp}/out.csv"], "the order book has no column 'date'"),
        (["{garbage}", "-o", "{tmp}/out.csv"], "garbage.parquet"),
        (["{ragged}", "-o", "{tmp}/out.csv"], "cannot read ragged.csv"),
        (["{earlier}", "-o", "{tmp}/out.csv"], "already has column(s) outcome"),
        (["{book}", "-o", "{tmp}/no/such/folder/out.csv"], "does not exist"),
        (["{book}", "-o", "{book}"], "is the input file"),
        (["{book}", "-o", "{tmp}/out.csv", "--fail-on", "licence_required"], "unknown outcome 'licence_required'"),
        (["{book}", "-o", "{tmp}/out.csv", "--engine", "rete"], "rete"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(book, tmp_path, args, message):
    names = {"tmp": tmp_path, "book": book, **bad_books(tmp_path)}
    result = run(*(a.format(**names) for a in args))
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_no_progress_bar_when_stderr_is_not_a_terminal(book, tmp_path):
    result = run(book, "-o", tmp_path / "out.csv", "--chunk-rows", "2")
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_on_a_terminal_unless_quiet(book, tmp_path, quiet):
    main, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    try:
        args = [script(), "screen", str(book), "-o", str(tmp_path / "out.csv"), "--chunk-rows", "2"] + (["--quiet"] if quiet else [])
        done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=child, timeout=120)
        os.close(child)
        shown = b""
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                break
            if not data:
                break
            shown += data
    finally:
        os.close(main)
    assert done.returncode == 0
    bar = shown.decode("utf-8", "replace")
    assert ("screening" in bar and f"{len(BOOK)}/{len(BOOK)}" in bar) != quiet, bar


def test_json_lines_output_escapes_text_and_writes_nan_as_null(tmp_path):
    """The column-wise JSON writer gives what json.loads reads back, for text that needs escaping too."""
    import math

    import pyarrow as pa

    from chipcontrol.screen_cli import write_table

    table = pa.table({
        "text": ["plain", 'say "no"', "back\\slash", "two\nlines\tand tab", None, "é 中", "bell\x07"],
        "ids": [["a", 'b"c'], [], None, ["d\\e"], ["x"], ["é"], ["y"]],
        "figure": [1.5, float("nan"), None, 5000.0, float("inf"), 0.1, -2.0],
        "count": pa.array([1, None, 3, 4, 5, 6, 7], pa.int64()),
        "flag": [True, False, None, True, True, False, None],
        "day": pa.array([None, 19000, 19001, 19002, 19003, 19004, 19005], pa.date32()),
    })
    for part in (table.slice(0, 6), table.slice(2, 3), table):  # without and with the rare control character
        path = tmp_path / "out.jsonl"
        write_table(part, path, "jsonl")
        got = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        want = [
            {**row, "figure": row["figure"] if row["figure"] is not None and math.isfinite(row["figure"]) else None,
             "day": row["day"].isoformat() if row["day"] else None}
            for row in part.to_pylist()
        ]
        assert got == want


def test_a_book_whose_every_row_is_in_error_is_still_written_and_reported(tmp_path):
    book = tmp_path / "bad.csv"
    book.write_text("item,buyer,destination,date\nA8000,ByteDance,CN,2024-01-15\nA800,Bytedanse,CN,2024-01-15\n", encoding="utf-8")
    out, report = tmp_path / "out.parquet", tmp_path / "report.html"
    result = run(book, "-o", out, "--report", report, "--fail-on", "error")
    assert result.returncode == 1, result.stderr
    rows = read_back(out)
    assert [r["outcome"] for r in rows] == [None, None]
    assert "unknown chip 'A8000'" in rows[0]["error"] and "unknown party 'Bytedanse'" in rows[1]["error"]
    assert "Rows in error: 2" in result.stdout
    text = report.read_text(encoding="utf-8")
    assert 'data-error-row="0"' in text and 'data-error-row="1"' in text and "No restricted or undetermined orders." in text
