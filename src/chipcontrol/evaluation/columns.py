"""Columns as codes: each column of an order book dictionary-encoded once, and codes combined and factorized.

A `Codes` is one small integer per row and the distinct value each integer stands for (None for null), so
that whatever is done per distinct value (resolve a name, parse a date) is done once and gathered to the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Codes:
    """`codes[i]` indexes `values` for row i; `values` are the distinct values (None included, when present)."""

    codes: np.ndarray  # int32 or int64
    values: list[Any]

    @property
    def size(self) -> int:
        return len(self.values)

    def first_rows(self) -> np.ndarray:
        """The first row holding each value (codes come from `factorize` or `encode`, in order of first appearance)."""
        return first_rows(self.codes, len(self.values))


def encode(table: pa.Table, name: str) -> Codes:
    """Column `name` of `table` as codes (a column the table lacks: every row None)."""
    rows = table.num_rows
    if name not in table.column_names:
        return Codes(np.zeros(rows, np.int32), [None])
    column = table.column(name)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_null(column.type):
        return Codes(np.zeros(rows, np.int32), [None])
    if pa.types.is_nested(column.type):  # lists (claims in Parquet): by value, in Python
        index: dict[Any, int] = {}
        values: list[Any] = []
        codes = np.empty(rows, np.int32)
        for i, value in enumerate(column.to_pylist()):
            key = _hashable(value)
            code = index.get(key)
            if code is None:
                code = index[key] = len(values)
                values.append(value)
            codes[i] = code
        return Codes(codes, values)
    encoded = column.dictionary_encode()
    chunks = encoded.chunks
    dictionary = chunks[0].dictionary if chunks else pa.array([], column.type)
    values = dictionary.to_pylist()
    none = len(values)
    if chunks:
        indices = pa.chunked_array([c.indices for c in chunks]).combine_chunks() if len(chunks) > 1 else chunks[0].indices
        has_null = indices.null_count > 0
        codes = (pc.fill_null(indices, none) if has_null else indices).to_numpy(zero_copy_only=False)
    else:
        has_null, codes = False, np.zeros(0, np.int32)
    if has_null:
        values.append(None)
    return Codes(np.asarray(codes, np.int32), values)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return ("list", tuple(_hashable(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _hashable(v)) for k, v in value.items())))
    return value


def first_rows(codes: np.ndarray, size: int) -> np.ndarray:
    """The first row of each code, for codes numbered in order of first appearance (0, then 1, ...)."""
    if size == 0:
        return np.zeros(0, np.int64)
    running = np.maximum.accumulate(codes)
    new = np.empty(len(codes), bool)
    new[0] = True
    np.greater(running[1:], running[:-1], out=new[1:])
    return np.flatnonzero(new)


def factorize(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..n-1 for the distinct values of an int64 key, in order of first appearance, and n."""
    encoded = pa.array(key).dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False), len(encoded.dictionary)


def combine(parts: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """Codes for the distinct combinations of several code arrays (each with its number of values)."""
    key: np.ndarray | None = None
    span = 1
    for codes, size in parts:
        size = max(int(size), 1)
        if key is None:
            key, span = codes.astype(np.int64), size
            continue
        if span * size >= 2**62:  # keep the mixed-radix key within int64
            reduced, span = factorize(key)
            key = reduced.astype(np.int64)
        key = key * size + codes
        span *= size
    if key is None:
        raise ValueError("nothing to combine")
    return factorize(key)


def table_of(values: list[tuple], schema: pa.Schema) -> pa.Table:
    """A small table from row tuples."""
    return pa.Table.from_arrays(
        [pa.array([v[i] for v in values], type=field.type) for i, field in enumerate(schema)], schema=schema
    )
