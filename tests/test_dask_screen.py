"""`chipcontrol.dask.screen` on a real local cluster of two worker processes: the same answers as `rb.screen`,
one rulebook load per worker, and a refusal when a worker's rule files are not the client's."""

from __future__ import annotations

import random
import subprocess
import sys

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
import pytest
from distributed import Client, LocalCluster

import chipcontrol.dask as ccdask
from chipcontrol.screen import RESULT_COLUMNS
from tests.conftest import copy_rulesets, edit

PARTITIONS = 6


def order_book(rb, n: int, seed: int = 11) -> pd.DataFrame:
    """n orders: catalog and inline chips and buyers, known and unknown destinations, dates in and out of
    coverage, every kind, and a few rows that cannot be evaluated."""
    rnd = random.Random(seed)
    chips = sorted(rb.chips)
    buyers = sorted(p.name for p in rb.parties.values())
    kinds = [k.value for k in rb.coverage.kinds]
    rows = []
    for i in range(n):
        row = {
            "item": rnd.choice(chips),
            "buyer": rnd.choice(buyers),
            "destination": rnd.choice(["CN", "AE", "DE", "SG", "MO", "IN", "BR", None]),
            "date": f"{rnd.randint(2021, 2027)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "kind": rnd.choice(kinds),
            "item_vendor": None,
            "item_tpp": None,
            "buyer_headquarters": None,
        }
        if row["kind"] == "reexport":
            row["origin"] = "SG"
        if i % 7 == 0:  # an inline chip
            row.update(item=f"Chip-{i}", item_vendor=rnd.choice(["NVIDIA", "Huawei"]), item_tpp=float(rnd.choice([1000, 4800, 9000])))
        if i % 5 == 0:  # an inline buyer
            row.update(buyer=f"Buyer {i} Ltd", buyer_headquarters=rnd.choice(["CN", "DE", "AE"]))
        if i % 31 == 0:  # cannot be evaluated
            row["item"] = "A8000"
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def book(rb) -> pd.DataFrame:
    return order_book(rb, 600)


def test_dask_screen_gives_rb_screen_answers_row_for_row_with_the_input_index(rb, client, book):
    ddf = dd.from_pandas(book, npartitions=PARTITIONS)
    result = ccdask.screen(ddf).compute()
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert result.index.equals(book.index)
    expected = rb.screen(book).table.to_pylist()
    assert pa.Table.from_pandas(result, preserve_index=False).to_pylist() == expected
    outcomes = {r["outcome"] for r in expected}
    assert {"permitted", "license_required", "out_of_coverage"} <= outcomes  # the book is not trivial
    assert any(r["error"] for r in expected)


def test_with_input_puts_the_input_columns_first(rb, client, book):
    ddf = dd.from_pandas(book.head(60), npartitions=2)
    result = ccdask.screen(ddf, with_input=True).compute()
    assert list(result.columns) == list(book.columns) + list(RESULT_COLUMNS)
    assert result["buyer"].tolist() == book.head(60)["buyer"].tolist()


def test_each_worker_process_loads_the_rulebook_once_however_many_partitions_it_screens(client, book):
    client.run(ccdask.forget)
    ccdask.screen(dd.from_pandas(book, npartitions=PARTITIONS)).outcome.value_counts().compute()
    state = client.run(ccdask.worker_state)
    assert sum(s["partitions"] for s in state.values()) == PARTITIONS
    assert all(s["loads"] == (1 if s["partitions"] else 0) for s in state.values()), state


def test_a_worker_with_other_rule_files_refuses_to_answer(client, book, tmp_path):
    rulesets = copy_rulesets(tmp_path)
    lazy = ccdask.screen(dd.from_pandas(book.head(20), npartitions=2), rulesets=rulesets)  # the client's hash
    edit(rulesets / "rulebook.yaml", "name: US export controls", "name: Changed US export controls")
    with pytest.raises(ccdask.RulebookMismatchError, match="content hash .* but the client's rulebook has"):
        lazy.compute()


def test_a_missing_column_is_an_input_error_before_anything_runs(book):
    from chipcontrol.errors import InputError

    with pytest.raises(InputError, match="no column 'date'"):
        ccdask.screen(dd.from_pandas(book.drop(columns=["date"]), npartitions=2))


def test_importing_chipcontrol_does_not_import_dask():
    code = "import sys, chipcontrol; assert not [m for m in sys.modules if m == 'dask' or m.startswith('dask.')], 'dask'"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0
