"""`rb.screen` answers every row exactly as `rb.evaluate` answers that row's order (design.md §3, rule 10).

Random books mix catalog and inline items and buyers, every kind, dates across the coverage, on its
boundaries and outside it, and bad rows (unknown names and claims, bad dates, countries and kinds). Books are
drawn from a small pool of rows with varying dates, so that rows share names and situations the way an
order book does, which is what the columnar path exploits.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.order_table import order_of_row

RB = cc.load_rulebook()
COV = RB.coverage
COLUMNS = {
    "item": pa.string(), "buyer": pa.string(), "destination": pa.string(), "date": pa.string(), "kind": pa.string(),
    "origin": pa.string(), "seller": pa.string(), "claims": pa.string(), "quantity": pa.int64(),
    "item_vendor": pa.string(), "item_tpp": pa.float64(), "item_io_bidirectional_gbps": pa.float64(),
    "item_die_area_mm2": pa.float64(), "item_memory_bandwidth_gbps": pa.float64(), "item_datacenter": pa.bool_(),
    "buyer_headquarters": pa.string(), "buyer_parent_headquarters": pa.string(),
}
CATALOG_ITEMS = sorted({n for c in RB.chips.values() for n in (c.id, c.name, *c.aliases[:1])})
CATALOG_BUYERS = sorted({n for p in RB.parties.values() for n in (p.id, p.name)})
COUNTRIES = ["CN", "HK", "MO", "AE", "SA", "VN", "KH", "SG", "FR", "JP", "IN"] * 3 + ["RU", "US", "Atlantis", None]
CLAIMS = sorted({r.claim for r in RB.rules.values() if r.claim})
BOUNDARIES = sorted({d for r in RB.rules.values() for d in (r.effective, r.until) if d}
                    | {d for p in RB.parties.values() for e in p.lists for d in (e.added, e.removed) if d}
                    | {COV.start, COV.until, COV.last_encoded})


def _day(day: dt.date) -> str:
    return day.isoformat()


dates = st.one_of(
    st.dates(min_value=COV.start - dt.timedelta(days=200), max_value=COV.last_encoded + dt.timedelta(days=200)).map(_day),
    st.sampled_from(BOUNDARIES).flatmap(lambda d: st.sampled_from([d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)])).map(_day),
)
bad_values = st.sampled_from([
    {"date": "2024-02-30"}, {"date": "yesterday"}, {"date": "2024-1-5"}, {"quantity": 0}, {"kind": "barter"},
    {"item": "H999 Ultra"}, {"buyer": "Nonesuch Holdings", "buyer_headquarters": None}, {"destination": "Atlantis"},
    {"claims": "no-such-licence"}, {"seller": "Nobody Inc"}, {"origin": "Atlantis"}, {"item_tpp": -1.0},
])
inline_item = st.fixed_dictionaries({
    "item": st.sampled_from(["Acme Z1", "Acme Z2", "H100", "Nvidia H20 96GB"]),
    "item_vendor": st.sampled_from(["NVIDIA", "AMD", "Huawei", "Acme", None]),
    "item_tpp": st.sampled_from([1000.0, 4800.0, 6000.0, 16000.0, None]),
    "item_io_bidirectional_gbps": st.sampled_from([300.0, 900.0, None]),
    "item_die_area_mm2": st.sampled_from([600.0, 814.0, None]),
    "item_memory_bandwidth_gbps": st.sampled_from([2000.0, 6000.0, None]),
    "item_datacenter": st.sampled_from([True, False, None]),
})
catalog_item = st.builds(lambda name: {"item": name}, st.sampled_from([*CATALOG_ITEMS, None]))
inline_buyer = st.fixed_dictionaries({
    "buyer": st.sampled_from(["Buyer One Ltd", "Huawei Technologies Deutschland GmbH", "Sugon Information Industry",
                              "Tencent", None]),
    "buyer_headquarters": st.sampled_from(["CN", "HK", "AE", "FR", "KH", "US"]),
    "buyer_parent_headquarters": st.sampled_from(["CN", "SG", None]),
})
catalog_buyer = st.builds(lambda name, parent: {"buyer": name, "buyer_parent_headquarters": parent},
                          st.sampled_from(CATALOG_BUYERS), st.sampled_from([None] * 19 + ["CN"]))
OTHER = {
    "destination": st.sampled_from(COUNTRIES),
    "kind": st.sampled_from(["export"] * 8 + [k.value for k in cc.Kind] * 2 + [None]),
    "origin": st.sampled_from([None] * 8 + ["US", "US", "SG", "SG", "CN"]),
    "seller": st.sampled_from([None] * 6 + ["NVIDIA", "AMD"]),
    "claims": st.sampled_from([None] * 12 + [*CLAIMS, ";".join(CLAIMS[:2])]),
    "quantity": st.sampled_from([None, 1, 500]),
}
base_rows = st.builds(
    lambda item, buyer, rest: {**item, **buyer, **rest},
    st.one_of(catalog_item, inline_item),
    st.one_of(catalog_buyer, inline_buyer),
    st.fixed_dictionaries(OTHER),
)
#: A change to one part of a row: rows of a book are near copies of a few rows, as in an order book.
changes = st.one_of(
    st.just({}),
    catalog_item.map(lambda d: {**d, **{c: None for c in COLUMNS if c.startswith("item_")}}),
    inline_item,
    catalog_buyer.map(lambda d: {**d, "buyer_headquarters": None}),
    inline_buyer,
    st.sampled_from(sorted(OTHER)).flatmap(lambda name: OTHER[name].map(lambda value: {name: value})),
    bad_values,
)


@st.composite
def books(draw) -> pa.Table:
    pool = draw(st.lists(base_rows, min_size=1, max_size=4))
    rows = draw(st.lists(st.tuples(st.sampled_from(pool), dates, changes), min_size=1, max_size=30))
    records = [{**row, **change, "date": day} for row, day, change in rows]
    return pa.table({name: pa.array([r.get(name) for r in records], type) for name, type in COLUMNS.items()})


def one_by_one(book: pa.Table, **options) -> list[dict]:
    """What `rb.evaluate` says of each row: the verdict's outcome, review policy, deciding rules, reason and
    advisory kinds, or the InputError's message."""
    out = []
    for row in book.to_pylist():
        try:
            v = RB.evaluate(order_of_row(row), **options)
        except cc.InputError as exc:
            out.append({"error": str(exc)})
            continue
        out.append({
            "outcome": v.outcome.value,
            "permitted": v.permitted,
            "review_policy": v.review_policy.value if v.review_policy else None,
            "deciding_rule_ids": v.deciding_rule_ids,
            "reason": v.reason,
            "advisories": list(dict.fromkeys(a.kind.value for a in v.advisories)),
        })
    return out


def screened(book: pa.Table, **options) -> list[dict]:
    rows = RB.screen(book, **options).table.to_pylist()
    return [{"error": r["error"]} if r["error"] is not None else {k: v for k, v in r.items() if k != "error"} for r in rows]


@pytest.mark.parametrize("engine", ["reference", "durable"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(book=books(), posture=st.sampled_from(["enforced", "enforced", "codified"]), provisional=st.booleans())
def test_screen_answers_each_row_as_evaluate_does(engine, book, posture, provisional):
    options = {"engine": engine, "posture": posture, "provisional": provisional}
    assert screened(book, **options) == one_by_one(book, **options)


@settings(max_examples=15, deadline=None)
@given(book=books(), index=st.integers(min_value=0))
def test_the_verdict_of_a_row_is_the_verdict_of_its_order(book, index):
    i = index % book.num_rows
    screening = RB.screen(book, engine="reference")
    row = book.slice(i, 1).to_pylist()[0]
    try:
        expected = RB.evaluate(order_of_row(row), engine="reference")
    except cc.InputError as exc:
        with pytest.raises(cc.InputError) as raised:
            screening.verdict(i)
        assert str(raised.value) == str(exc) == screening.table.column("error")[i].as_py()
        return
    assert screening.verdict(i).model_dump() == expected.model_dump()
