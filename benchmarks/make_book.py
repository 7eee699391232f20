"""Generate an order book to screen: every catalog chip and some inline chips, catalog buyers and a few thousand
inline ones, destinations the rulebook knows and some it does not, dates over the whole coverage and outside
it, every kind, and some bad rows. Deterministic for a seed.

    python benchmarks/make_book.py --rows 1000000 -o book.parquet   # or book.csv, book.jsonl

`make_book(rb, rows, seed)` returns it as a pyarrow Table (bench_screen.py uses that directly).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import chipcontrol as cc  # noqa: E402

#: Share of rows made bad on purpose (unknown names, bad dates and countries, unknown claims).
BAD_SHARE = 0.002
INLINE_BUYERS = 3000
INLINE_CHIPS = 40


def _pick(rng, pool: list, rows: int, p=None) -> np.ndarray:
    """`rows` values drawn from `pool` (None allowed), as an object array."""
    values = np.empty(len(pool), object)
    values[:] = pool
    return values[rng.choice(len(pool), size=rows, p=p)]


def make_book(rb: cc.Rulebook, rows: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    kinds = ["export", "reexport", "in_country_transfer", "cloud_access", "investment"]
    kind = _pick(rng, kinds, rows, p=[0.6, 0.1, 0.1, 0.1, 0.1])

    # items: catalog chips by id, name and alias; inline chips with their figures
    catalog_items = sorted({n for c in rb.chips.values() for n in (c.id, c.name, *c.aliases[:2])})
    inline = []
    for k in range(INLINE_CHIPS):
        inline.append({
            "item": f"Acme X{k}",
            "item_vendor": ["NVIDIA", "AMD", "Huawei", "Acme"][k % 4],
            "item_tpp": float(rng.choice([1600, 2400, 4000, 4800, 6000, 16000])),
            "item_io_bidirectional_gbps": None if k % 7 == 0 else float(rng.choice([300, 600, 900])),
            "item_die_area_mm2": None if k % 5 == 0 else float(rng.choice([300, 600, 814])),
            "item_memory_bandwidth_gbps": None if k % 3 == 0 else float(rng.choice([2000, 4000, 6000])),
            "item_datacenter": [True, False, None][k % 3],
        })
    is_inline_item = rng.random(rows) < 0.2
    which_inline = rng.integers(0, INLINE_CHIPS, rows)
    item = _pick(rng, catalog_items, rows)
    columns: dict[str, np.ndarray] = {}
    for name in ("item_vendor", "item_tpp", "item_io_bidirectional_gbps", "item_die_area_mm2", "item_memory_bandwidth_gbps", "item_datacenter"):
        pool = np.array([c[name] for c in inline], object)
        columns[name] = np.where(is_inline_item, pool[which_inline], None)
    item = np.where(is_inline_item, np.array([c["item"] for c in inline], object)[which_inline], item)
    no_item = np.isin(kind, ["cloud_access", "investment"]) & (rng.random(rows) < 0.5)
    item = np.where(no_item, None, item)
    for name in columns:
        columns[name] = np.where(no_item, None, columns[name])

    # buyers: catalog parties; inline ones with their headquarters (a few look like listed parties)
    catalog_buyers = sorted({n for p in rb.parties.values() for n in (p.id, p.name)})
    hot = ["CN", "HK", "MO", "VN", "AE", "SA", "SG", "MY", "IN", "IL", "FR", "DE", "KZ", "KH", "JP", "GB"]
    inline_names = [f"Buyer {k} Trading Ltd" for k in range(INLINE_BUYERS - 3)] + [
        "Huawei Technologies Deutschland GmbH", "Sugon Information Industry", "Inspur Electronic Information"]
    inline_hq = _pick(rng, hot, INLINE_BUYERS)
    inline_parent = np.where(rng.random(INLINE_BUYERS) < 0.2, _pick(rng, hot, INLINE_BUYERS), None)
    is_inline_buyer = rng.random(rows) < 0.5
    which_buyer = rng.integers(0, INLINE_BUYERS, rows)
    buyer = np.where(is_inline_buyer, np.array(inline_names, object)[which_buyer], _pick(rng, catalog_buyers, rows))
    buyer_hq = np.where(is_inline_buyer, inline_hq[which_buyer], None)
    buyer_parent = np.where(is_inline_buyer, inline_parent[which_buyer], None)

    # places
    known = sorted(rb.countries)
    destination = np.where(rng.random(rows) < 0.6, _pick(rng, hot, rows), _pick(rng, known, rows))
    destination = np.where((rng.random(rows) < 0.1) & is_inline_buyer, None, destination)  # the buyer's headquarters
    destination = np.where((destination == "US") & np.isin(kind, ["export", "reexport", "in_country_transfer"]), "CA", destination)
    origin = np.full(rows, None, object)
    origin = np.where(kind == "reexport", _pick(rng, ["SG", "MY", "TW", "KR", "NL"], rows), origin)
    origin = np.where((kind == "reexport") & (origin == destination), "JP", origin)
    origin = np.where((kind == "export") & (rng.random(rows) < 0.3), "US", origin)

    # dates: the whole coverage, and a quarter either side
    start = rb.coverage.start - dt.timedelta(days=90)
    end = (rb.coverage.provisional_until or rb.coverage.until) + dt.timedelta(days=90)
    days = rng.integers(0, (end - start).days, rows)
    date = (np.datetime64(start.isoformat()) + days.astype("timedelta64[D]")).astype(str).astype(object)

    claims_pool = sorted({r.claim for r in rb.rules.values() if r.claim})
    claims = np.where(rng.random(rows) < 0.05, _pick(rng, claims_pool, rows), None)
    seller = np.where(rng.random(rows) < 0.05, _pick(rng, ["NVIDIA", "AMD"], rows), None)
    quantity = np.where(rng.random(rows) < 0.8, rng.integers(1, 1000, rows), None)

    # bad rows: unknown names, countries, dates and claims
    bad = np.flatnonzero(rng.random(rows) < BAD_SHARE)
    what = rng.integers(0, 5, len(bad))
    item[bad[what == 0]] = "H999 Ultra"
    buyer[bad[what == 1]] = "Nonesuch Holdings"
    buyer_hq[bad[what == 1]] = None
    destination[bad[what == 2]] = "Atlantis"
    date[bad[what == 3]] = "2024-02-30"
    claims[bad[what == 4]] = "no-such-licence"

    return pa.table({
        "item": pa.array(item, pa.string()),
        "buyer": pa.array(buyer, pa.string()),
        "destination": pa.array(destination, pa.string()),
        "date": pa.array(date, pa.string()),
        "kind": pa.array(kind, pa.string()),
        "origin": pa.array(origin, pa.string()),
        "seller": pa.array(seller, pa.string()),
        "claims": pa.array(claims, pa.string()),
        "quantity": pa.array(quantity, pa.int64()),
        **{name: pa.array(values, pa.bool_() if name == "item_datacenter" else (pa.string() if name == "item_vendor" else pa.float64()))
           for name, values in columns.items()},
        "buyer_headquarters": pa.array(buyer_hq, pa.string()),
        "buyer_parent_headquarters": pa.array(buyer_parent, pa.string()),
    })


def write(table: pa.Table, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import pyarrow.csv as csv

        csv.write_csv(table, path)
    elif suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix in (".jsonl", ".ndjson"):
        import json

        with path.open("w", encoding="utf-8") as out:
            for row in table.to_pylist():
                out.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
    else:
        raise SystemExit(f"name the output .csv, .parquet or .jsonl, not {path.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--out", type=Path, required=True, help="book.csv, book.parquet or book.jsonl")
    args = parser.parse_args(argv)
    write(make_book(cc.load_rulebook(), args.rows, args.seed), args.out)
    print(f"{args.rows:,} orders written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
