"""What the service answers, in plain Python (no HTTP): each question goes to the rulebook, each decision to the log.

These functions run in worker threads; the rulebook and its engines are safe to share between them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..order import Order
from ..rulebook import Rulebook
from ..timeline import Timeline
from ..verdict import Verdict
from .decision_log import Decision, DecisionLog
from .models import CheckResponse, ScreenResponse, ScreenRow


@dataclass(frozen=True)
class Options:
    """How to evaluate: the same options as `Rulebook.evaluate`."""

    engine: str | None = None
    posture: str = "enforced"
    provisional: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "posture": self.posture, "provisional": self.provisional}


class Answers:
    """The rulebook chosen at start-up, and the decision log every decision goes to (None: no log)."""

    def __init__(self, rulebook: Rulebook, log: DecisionLog | None):
        self.rulebook = rulebook
        self.log = log

    def _decision(self, endpoint: str, request: dict[str, Any], verdict: Verdict, digest: str | None = None,
                  row: int | None = None) -> Decision:
        return Decision(
            id=uuid.uuid4().hex,
            time=dt.datetime.now(dt.timezone.utc),
            endpoint=endpoint,
            row=row,
            request=request,
            outcome=verdict.outcome,
            permitted=verdict.permitted,
            review_policy=verdict.review_policy,
            deciding_rule_ids=verdict.deciding_rule_ids,
            rulebook_hash=verdict.rulebook_hash,
            certificate_digest=digest,
        )

    def _record(self, decisions: list[Decision]) -> None:
        if self.log is not None:
            self.log.append(decisions)

    def check(self, order: Order, sent: dict[str, Any], options: Options, certificate: bool = False,
              endpoint: str = "/v1/check") -> CheckResponse:
        """The verdict (and certificate) for one order, logged before it is returned."""
        verdict = self.rulebook.evaluate(order, **options.as_dict())
        record = None
        if certificate:
            from ..certificate import certificate as certify

            record = certify(self.rulebook, order, **options.as_dict())
        request = {"order": sent, **options.as_dict(), "certificate": certificate}
        decision = self._decision(endpoint, request, verdict, record.digest if record else None)
        self._record([decision])
        return CheckResponse(decision_id=decision.id, verdict=verdict, certificate=record)

    def timeline(self, order: Order, start: dt.date, end: dt.date, options: Options) -> Timeline:
        """The order's legality from `start` to `end`, both inclusive (not a decision: not logged)."""
        if end < start:
            raise InputError(f"bad end: {end} is before start {start}")
        if end == dt.date.max:
            raise InputError(f"bad end: {end} is the last day a date can hold; give an earlier one")
        return self.rulebook.timeline(order, start, end + dt.timedelta(days=1), **options.as_dict())

    def screen(self, orders, options: Options, max_rows: int):
        """Screen an order book (a pyarrow Table) of at most `max_rows` rows; every row decided is logged.
        Returns the Screening and each row's decision id (None for a row in error)."""
        if orders.num_rows > max_rows:
            raise InputError(f"the order book has {orders.num_rows:,} rows; this service screens at most {max_rows:,} "
                             "per request (split it, or use `chipcontrol screen`)")
        if orders.num_rows == 0:
            raise InputError("the order book has no rows")
        screening = self.rulebook.screen(orders, **options.as_dict())
        results = screening.table.to_pylist()
        sent = orders.to_pylist()
        decisions, ids = [], []
        for i, result in enumerate(results):
            if result["error"] is not None:
                ids.append(None)
                continue
            decision = Decision(
                id=uuid.uuid4().hex,
                time=dt.datetime.now(dt.timezone.utc),
                endpoint="/v1/screen",
                row=i,
                request={"order": sent[i], **options.as_dict()},
                outcome=result["outcome"],
                permitted=result["permitted"],
                review_policy=result["review_policy"],
                deciding_rule_ids=result["deciding_rule_ids"],
                rulebook_hash=screening.rulebook_hash,
            )
            decisions.append(decision)
            ids.append(decision.id)
        self._record(decisions)
        return screening, ids


def screen_response(screening, ids: list[str | None]) -> ScreenResponse:
    """A Screening as the JSON answer of /v1/screen."""
    rows = [ScreenRow(row=i, decision_id=ids[i], **result) for i, result in enumerate(screening.table.to_pylist())]
    return ScreenResponse(rulebook_hash=screening.rulebook_hash, summary=screening.summary(), results=rows)


def screen_csv(screening, ids: list[str | None]) -> bytes:
    """A Screening as CSV: the order book's columns, then the screening's (lists joined with ';'), then decision_id."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from ..screen import RESULT_COLUMNS

    clash = [name for name in (*RESULT_COLUMNS, "decision_id") if name in screening.orders.column_names]
    if clash:
        raise InputError(f"the order book already has column(s) {', '.join(clash)}, which the screening writes "
                         "(is it an earlier output?): drop or rename them")
    table = screening.orders
    for name in screening.table.column_names:
        table = table.append_column(name, screening.table[name])
    table = table.append_column("decision_id", pa.array(ids, pa.string()))
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            table = table.set_column(i, field.name, pc.binary_join(pc.cast(table.column(i), pa.list_(pa.string())), ";"))
    out = io.BytesIO()
    pacsv.write_csv(table, out)
    return out.getvalue()
