"""Screen an order book: one verdict row per order, and the full Verdict of any row on demand (`rb.screen`).

Not to be confused with `screening.py`, which screens a party's *name* against the listed parties.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .engines import get_engine
from .errors import InputError
from .evaluation.rows import RESULT_COLUMNS, error_row, result_schema, verdict_row  # noqa: F401
from .evaluation.pipeline import evaluate, posture_of
from .order_table import order_of_row, read_orders
from .verdict import Verdict

#: How many entries each "top" list of `Screening.summary()` holds.
TOP = 10


class Screening:
    """The verdicts of an order book: `table` (pyarrow, one row per order, in order), `summary()`, `verdict(i)`."""

    def __init__(self, rulebook, orders, table, engine: str | None, posture, provisional: bool):
        self._rulebook = rulebook
        self._options = {"engine": engine, "posture": posture, "provisional": provisional}
        #: The order book as given, a pyarrow Table.
        self.orders = orders
        #: One row per order: outcome, permitted, review_policy, deciding_rule_ids, reason, advisories, error.
        self.table = table
        self.rulebook_hash: str = rulebook.hash

    def __len__(self) -> int:
        return self.table.num_rows

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in self.summary()["outcomes"].items())
        return f"<Screening of {len(self)} orders ({counts}), rulebook {self.rulebook_hash[:12]}>"

    def to_pandas(self):
        """`table` as a pandas DataFrame."""
        return self.table.to_pandas()

    def verdict(self, index: int) -> Verdict:
        """The full Verdict of row `index`, as `rb.evaluate` gives it; the row's InputError for a row in error."""
        if not isinstance(index, int) or not -len(self) <= index < len(self):
            raise IndexError(f"row {index!r} is not in this screening of {len(self)} orders")
        row = self.orders.slice(index % len(self), 1).to_pylist()[0]
        return evaluate(self._rulebook, order_of_row(row), **self._options)

    def summary(self) -> dict[str, Any]:
        """Counts by outcome and review policy, the rules that decided most, the buyers and destinations most
        often restricted (licence required or prohibited), and the number of rows in error."""
        columns = self.table.select(["outcome", "permitted", "review_policy", "deciding_rule_ids", "error"]).to_pydict()
        restricted = [i for i, p in enumerate(columns["permitted"]) if p is False]
        orders = self.orders.select(["buyer", "destination"]).to_pydict()
        return {
            "rows": len(self),
            "outcomes": _counts(o for o in columns["outcome"] if o is not None),
            "review_policies": _counts(p for p in columns["review_policy"] if p is not None),
            "top_deciding_rules": _counts((r for ids in columns["deciding_rule_ids"] for r in ids), TOP),
            "top_restricted_buyers": _counts((str(orders["buyer"][i]) for i in restricted), TOP),
            "top_restricted_destinations": _counts((str(orders["destination"][i]) for i in restricted), TOP),
            "errors": sum(e is not None for e in columns["error"]),
        }


def _counts(values, top: int | None = None) -> dict[str, int]:
    return dict(Counter(values).most_common(top))


def screen(rulebook, orders, engine: str | None = None, posture="enforced", provisional: bool = False) -> Screening:
    """Screen an order book (see `Rulebook.screen`): the verdict row of every order, as `evaluate` gives it."""
    from .evaluation.columnar import screen_table  # numpy and pyarrow: imported when a book is screened
    from .evaluation.columns import table_of

    table = read_orders(orders)
    get_engine(rulebook, engine)  # an unknown engine or posture is one error for the batch
    posture = posture_of(posture)
    answer, rows = screen_table(rulebook, table, engine, posture, provisional)
    distinct = table_of(rows, result_schema())
    return Screening(rulebook, table, distinct.take(answer), engine, posture, provisional)


def screen_slowly(rulebook, orders, engine: str | None = None, posture="enforced", provisional: bool = False) -> Screening:
    """The same as `screen`, one `evaluate` per row: the reference the columnar path is tested and measured against."""
    from .evaluation.columns import table_of

    table = read_orders(orders)
    get_engine(rulebook, engine)
    posture = posture_of(posture)
    rows = []
    for row in table.to_pylist():
        try:
            rows.append(verdict_row(evaluate(rulebook, order_of_row(row), engine=engine, posture=posture, provisional=provisional)))
        except InputError as exc:
            rows.append(error_row(str(exc)))
    return Screening(rulebook, table, table_of(rows, result_schema()), engine, posture, provisional)
