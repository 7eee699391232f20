"""The decision log: one JSON line per decision, on disk before the answer is sent, readable after a crash.

Each record is written with a single `os.write` on a file opened `O_APPEND`, under a thread lock and an
exclusive `flock` (so neither threads nor two server processes interleave lines), then `os.fsync`ed before
`append` returns (group commit: one fsync covers the lines that concurrent requests wrote before it): a
decision the service acknowledged is in the log even if the machine fails the next instant. A crash in the
middle of a write can leave a torn last line; opening the log again ends it with a newline (so the next record
starts on its own line), and `read_log` reports torn or unreadable lines by number instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ChipControlError
from ..rules import ReviewPolicy
from ..verdict import Outcome

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None


class Decision(BaseModel):
    """One line of the decision log: what was asked, what was answered, under which rulebook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="The decision's id, also returned to the caller (`decision_id`, header X-Decision-Id).")
    time: dt.datetime = Field(description="When the decision was made (UTC).")
    endpoint: str = Field(description="The endpoint that decided: '/v1/check', '/v1/screen' or '/' (the web page).")
    row: int | None = Field(default=None, description="For /v1/screen: the row of the order book, from 0.")
    request: dict[str, Any] = Field(description="The order as the caller sent it, and the evaluation options.")
    outcome: Outcome = Field(description="The verdict's outcome.")
    permitted: bool | None = Field(description="The verdict's `permitted` (design.md §3, rule 9).")
    review_policy: ReviewPolicy | None = Field(description="For a licence-required outcome, the review policy.")
    deciding_rule_ids: list[str] = Field(description="The rules that decided the outcome.")
    rulebook_hash: str = Field(description="The content hash of the rulebook that decided.")
    certificate_digest: str | None = Field(
        default=None, description="The digest of the certificate returned with the decision, if one was asked for."
    )


class UnreadableLine(BaseModel):
    """A line of the log that is not a decision: torn by a crash mid-write, or altered."""

    line: int = Field(description="Line number, from 1.")
    reason: str = Field(description="Why it cannot be read.")
    torn: bool = Field(description="True for the last line when it has no newline: a write cut short by a crash.")


class LogReading(BaseModel):
    """What `read_log` found: the decisions, and every line that is not one."""

    decisions: list[Decision] = Field(description="The decisions, in the order they were written.")
    unreadable: list[UnreadableLine] = Field(description="Lines that are not decisions (torn or altered).")

    @property
    def ok(self) -> bool:
        return not self.unreadable

    def summary(self) -> str:
        """One line: how many decisions, and which lines could not be read."""
        text = f"{len(self.decisions)} decision(s)"
        if self.unreadable:
            text += "; unreadable: " + "; ".join(
                f"line {u.line} ({'torn: a write cut short by a crash' if u.torn else u.reason})" for u in self.unreadable
            )
        return text


class DecisionLog:
    """An append-only JSON Lines file of decisions, safe to share between threads and processes."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = self._synced = 0  # appends written, and appends known to be on disk
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        except OSError as exc:
            raise ChipControlError(f"cannot open the decision log {str(self.path)!r}: {exc.strerror or exc}") from None
        self._end_torn_line()

    def _end_torn_line(self) -> None:
        """After a crash mid-write the file ends without a newline: end that line so the next record is whole."""
        with self._locked():
            size = os.fstat(self._fd).st_size
            if size:
                with open(self.path, "rb") as handle:
                    handle.seek(size - 1)
                    last = handle.read(1)
                if last != b"\n":
                    _write_all(self._fd, b"\n")
                    os.fsync(self._fd)

    def _locked(self):
        return _Locked(self._lock, self._fd)

    def append(self, decisions: list[Decision]) -> None:
        """Write the decisions, one line each, and fsync: when this returns they are on disk.

        Group commit: the lines are written under the lock (never interleaved); then one fsync covers every line
        written before it started, so requests that arrive together share a sync instead of queueing for one each.
        """
        if not decisions:
            return
        data = "".join(d.model_dump_json() + "\n" for d in decisions).encode("utf-8")
        with self._locked():
            _write_all(self._fd, data)
            self._written += 1
            mine = self._written
        with self._sync_lock:
            if self._synced < mine:
                upto = self._written  # read before the fsync: every write counted here is covered by it
                os.fsync(self._fd)
                self._synced = upto

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class _Locked:
    """The thread lock and, where there is one, an exclusive flock on the file (other processes)."""

    def __init__(self, lock: threading.Lock, fd: int):
        self.lock, self.fd = lock, fd

    def __enter__(self):
        self.lock.acquire()
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.lock.release()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_log(path: str | Path) -> LogReading:
    """Every decision in the log; a torn or altered line is reported by number, never an exception."""
    data = Path(path).read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, else a line cut short
    decisions, unreadable = [], []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue  # the newline that ended a torn line, or a blank line
        try:
            decisions.append(Decision.model_validate(json.loads(raw)))
        except (ValueError, ValidationError) as exc:
            reason = ("not JSON: a line cut short by an earlier crash, or altered" if isinstance(exc, json.JSONDecodeError)
                      else "not a decision record")
            unreadable.append(UnreadableLine(line=number, reason=reason, torn=False))
    if tail.strip():
        unreadable.append(UnreadableLine(line=len(lines) + 1, reason="no newline at the end of the file", torn=True))
    return LogReading(decisions=decisions, unreadable=unreadable)
