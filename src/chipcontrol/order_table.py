"""Order books as tables: reading one (CSV, Parquet, JSON Lines, pandas, pyarrow) and the Order each row stands for.

Columns: `item`, `buyer`, `destination`, `date` (required), and optionally `kind`, `origin`, `seller`, `claims`
(`;`-separated in CSV), `quantity`. A row with any `item_*` figure is an inline chip named by `item`
(`item_vendor`, `item_tpp`, `item_io_bidirectional_gbps`, `item_die_area_mm2`, `item_memory_bandwidth_gbps`,
`item_datacenter`); a row with `buyer_headquarters` an inline buyer (`buyer_parent_headquarters` too), screened
by name like any inline party. Other columns are carried along untouched, except names starting `item_` or
`buyer_` that are none of these (a misspelt figure must not be silently ignored).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .chips import Chip
from .errors import InputError, close_matches
from .order import Order
from .parties import Party

REQUIRED = ("item", "buyer", "destination", "date")
OPTIONAL = ("kind", "origin", "seller", "claims", "quantity")
#: Inline chip columns -> Chip field.
CHIP_COLUMNS = {
    "item_vendor": "vendor",
    "item_tpp": "tpp",
    "item_io_bidirectional_gbps": "io_bidirectional_gbps",
    "item_die_area_mm2": "die_area_mm2",
    "item_memory_bandwidth_gbps": "memory_bandwidth_gbps",
    "item_datacenter": "datacenter",
}
BUYER_COLUMNS = ("buyer_headquarters", "buyer_parent_headquarters")
COLUMNS = (*REQUIRED, *OPTIONAL, *CHIP_COLUMNS, *BUYER_COLUMNS)
#: Columns read as text from CSV (so that a name like '910' or a date stays as written).
TEXT_COLUMNS = ("item", "buyer", "destination", "date", "kind", "origin", "seller", "claims", "item_vendor", *BUYER_COLUMNS)


def _pa():
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("screening an order book needs pyarrow: pip install 'chipcontrol[screen]'") from None
    return pa


def read_orders(source: Any):
    """The order book as a pyarrow Table: a pyarrow Table, a pandas DataFrame, or a path to a .csv, .parquet or
    .jsonl/.ndjson file. InputError for an unreadable file or a missing required column."""
    pa = _pa()
    if isinstance(source, pa.Table):
        table = source
    elif isinstance(source, (str, Path)):
        table = _read_file(Path(source))
    elif type(source).__name__ == "DataFrame" and hasattr(source, "columns"):
        table = pa.Table.from_pandas(source, preserve_index=False)
    else:
        raise InputError(f"expected a pandas DataFrame, a pyarrow Table or a path to a CSV, Parquet or JSON Lines file, "
                         f"got {type(source).__name__}")
    check_columns(table.column_names)
    return table


def _read_file(path: Path):
    pa = _pa()
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"no order book at {path}")
    try:
        if suffix == ".csv":
            import pyarrow.csv as csv

            types = {name: pa.string() for name in TEXT_COLUMNS}  # columns the file lacks are ignored
            return csv.read_csv(path, convert_options=csv.ConvertOptions(column_types=types, strings_can_be_null=True))
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if suffix in (".jsonl", ".ndjson"):
            import pyarrow.json as pj

            names = _json_keys(path)
            schema = pa.schema([(name, pa.string()) for name in TEXT_COLUMNS if name in names and name != "claims"])
            return pj.read_json(path, parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"cannot read {path.name}: {' '.join(str(exc).split())[:300]}") from None
    raise InputError(f"cannot tell the format of {path.name}: name it .csv, .parquet or .jsonl")


def _json_keys(path: Path) -> set[str]:
    """The keys of the first record of a JSON Lines file (so that its text columns are read as text, not as timestamps)."""
    import json

    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    return set()  # pyarrow reports the syntax error
                return set(record) if isinstance(record, dict) else set()
    return set()


def check_columns(names: list[str]) -> None:
    """One InputError for the whole book: a required column missing, or an `item_`/`buyer_` column none of ours."""
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"the order book has no column {', '.join(repr(m) for m in missing)} "
                         f"(required: {', '.join(REQUIRED)}; it has: {', '.join(names) or 'none'})")
    strays = [n for n in names if n.startswith(("item_", "buyer_")) and n not in COLUMNS]
    if strays:
        near = close_matches(strays[0], COLUMNS)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise InputError(f"unknown column {strays[0]!r} in the order book{hint} (inline chip columns: "
                         f"{', '.join(CHIP_COLUMNS)}; inline buyer columns: {', '.join(BUYER_COLUMNS)})")


def order_of_row(row: dict[str, Any]) -> Order:
    """The Order a row of an order book stands for (InputError for a row that is not one)."""
    fields: dict[str, Any] = {
        "item": item_of_row(row),
        "buyer": buyer_of_row(row),
        "destination": row.get("destination"),
        "date": row.get("date"),
        "claims": claims_of(row.get("claims")),
    }
    for name in ("kind", "origin", "seller"):
        if row.get(name) is not None:
            fields[name] = row[name]
    if row.get("quantity") is not None:
        fields["quantity"] = quantity_of(row["quantity"])
    return Order(**fields)


def quantity_of(value: Any) -> Any:
    """A quantity as an Order takes it: a whole float (as pandas stores an integer column with gaps) is an int."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def claims_of(value: Any) -> list[str]:
    """A row's claims: a list, or text with claims separated by `;` (blank parts dropped)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return list(value)


def item_of_row(row: dict[str, Any]) -> str | Chip | None:
    """The item of a row: its name, or an inline Chip when any `item_*` figure is given."""
    given = {field: row[column] for column, field in CHIP_COLUMNS.items() if row.get(column) is not None}
    if not given:
        return row.get("item")
    if row.get("item") is None:
        column = next(c for c, f in CHIP_COLUMNS.items() if f in given)
        raise InputError(f"{column} describes an inline chip: give its name in the column 'item'")
    if isinstance(given.get("datacenter"), str):
        given["datacenter"] = {"yes": True, "no": False, "true": True, "false": False}.get(
            given["datacenter"].strip().lower(), given["datacenter"]
        )
    return Chip(name=row["item"], **given)


def buyer_of_row(row: dict[str, Any]) -> str | Party | None:
    """The buyer of a row: its name, or an inline Party when `buyer_headquarters` is given."""
    headquarters, parent = row.get("buyer_headquarters"), row.get("buyer_parent_headquarters")
    if headquarters is None:
        if parent is not None:
            raise InputError("buyer_parent_headquarters describes an inline buyer: give its own headquarters in buyer_headquarters")
        return row.get("buyer")
    return Party(name=row.get("buyer"), headquarters=headquarters, ultimate_parent_headquarters=parent)
