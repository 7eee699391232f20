"""A verdict as one row of a screening's table (outcome, permitted, review policy, deciding rules, reason,
advisory kinds, error), and the table's schema."""

from __future__ import annotations

from ..verdict import Verdict

#: The columns of `Screening.table`, in order.
RESULT_COLUMNS = ("outcome", "permitted", "review_policy", "deciding_rule_ids", "reason", "advisories", "error")


def result_schema():
    """The schema of `Screening.table` (a pyarrow Schema)."""
    import pyarrow as pa

    return pa.schema([
        ("outcome", pa.string()),
        ("permitted", pa.bool_()),
        ("review_policy", pa.string()),
        ("deciding_rule_ids", pa.list_(pa.string())),
        ("reason", pa.string()),
        ("advisories", pa.list_(pa.string())),
        ("error", pa.string()),
    ])


def verdict_row(verdict: Verdict) -> tuple:
    """A Verdict as a row of `Screening.table` (advisories: their kinds, each once, in the verdict's order)."""
    return (
        verdict.outcome.value,
        verdict.permitted,
        verdict.review_policy.value if verdict.review_policy else None,
        verdict.deciding_rule_ids,
        verdict.reason,
        list(dict.fromkeys(a.kind.value for a in verdict.advisories)),
        None,
    )


def error_row(message: str) -> tuple:
    """The row of an order that could not be evaluated: its InputError's message."""
    return (None, None, None, [], None, [], message)
