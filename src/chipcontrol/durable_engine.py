"""The durable_rules engine: the rulebook compiled to a Rete network (durable_compiler), evaluated in C.

Use of durable-rules 2.0.28 follows docs/durable_rules-notes.md section 5: the raw `durable_rules_engine`
API (never `engine.Host`: no background dispatcher, H2; no Python actions, H4), one ruleset (or one per
shard, when the compiler had to split the rules, H5) and its default session per thread (H16), and for
each evaluation: assert one fact with a fresh `id` (H11), drain every action frame with
start_action_for_state / complete_and_start_action, retract in `finally`. After any error from the
engine, or any exception while a fact is asserted, the thread's rulesets are thrown away and rebuilt
(H4); an error from durable_rules is retried once on the fresh rulesets. Facts are encoded by the
compiler into small integers and booleans, so no user string, float, NaN or exponent ever reaches the C
parser (H7, H8, H9). A thread's rulesets are deleted when the thread ends (delete_ruleset; never
delete_state, H3).

durable-rules does not import on Python 3.13+ (it calls the removed PyEval_CallObject). This module imports
anyway; `AVAILABLE` says whether the engine can run, and engines.py falls back to the reference engine.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .conditions import TriState
from .durable_compiler import ID_FIELD, CompiledRulebook, compile_rulebook

if TYPE_CHECKING:
    from .rulebook import Rulebook

try:  # pragma: no cover - depends on the interpreter
    import durable_rules_engine as _dre
except Exception as exc:  # ImportError, or undefined symbol on 3.13+
    _dre = None
    IMPORT_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    IMPORT_ERROR = None

AVAILABLE = _dre is not None

_ERR_EVENT_NOT_HANDLED = 1  # no rule matched: nothing stored, nothing to retract
_ERR_EVENT_OBSERVED = 2  # a fact with this id (hash) is already present: nothing evaluated

_names = itertools.count()
_names_lock = threading.Lock()


class DurableEngineError(RuntimeError):
    """durable_rules failed on an evaluation (the thread's ruleset has been discarded and will be rebuilt)."""


def _unique_name(rulebook_hash: str) -> str:
    with _names_lock:
        n = next(_names)
    return f"chipcontrol_{rulebook_hash[:16]}_{n}"


class _Session:
    """The rulesets of one compiled rulebook (usually one; more when it is sharded), each with its default
    session, used by one thread only."""

    __slots__ = ("handles", "ids", "__weakref__")

    def __init__(self, compiled: CompiledRulebook, name: str):
        self.handles: list[int] | None = []
        self.ids = itertools.count()
        try:
            for i, text in enumerate(compiled.ruleset_jsons):
                self.handles.append(_dre.create_ruleset(f"{name}_{i}", text))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        handles, self.handles = self.handles, None
        for handle in handles or ():
            try:
                _dre.delete_ruleset(handle)  # frees the pools; never delete_state (H3)
            except Exception:  # noqa: PERF203 - interpreter shutdown, or already gone
                pass

    def __del__(self) -> None:
        if _dre is not None:
            self.close()

    def run(self, fields: dict[str, Any]) -> list[str]:
        """Assert one encoded fact into each ruleset, return the names of the durable rules that fired,
        retract the fact. `fields` (from CompiledRulebook.encode, owned by the caller) gets an `id`."""
        fired: list[str] = []
        for handle in self.handles:
            fid = fields[ID_FIELD] = f"e{next(self.ids)}"
            code = None
            try:
                code, state_offset = _dre.assert_fact(handle, _dumps(fields))
                for _ in range(3):
                    if code != _ERR_EVENT_OBSERVED:
                        break
                    # durable_rules identifies stored messages by a 32-bit hash of their id (H10, H11):
                    # a message with a colliding id is present. Nothing was evaluated; use a fresh id.
                    fid = fields[ID_FIELD] = f"e{next(self.ids)}"
                    code, state_offset = _dre.assert_fact(handle, _dumps(fields))
                if code == 0:
                    frame = _dre.start_action_for_state(handle, state_offset)
                    if frame is not None:
                        frame = frame[1]  # (state, frame) on the first call
                        complete = _dre.complete_and_start_action
                        while frame is not None:
                            # state.c serializeResult writes every frame as {"<rule name>":...}
                            fired.append(frame[2 : frame.index('"', 2)])
                            frame = complete(handle, state_offset)
                elif code != _ERR_EVENT_NOT_HANDLED:
                    raise DurableEngineError(f"durable_rules assert_fact returned code {code}")
            finally:
                if code == 0:  # stored: retract, also when draining failed
                    _dre.retract_fact(handle, f'{{"id":"{fid}"}}')
        return fired


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode


class DurableEngine:
    """Evaluates rule conditions with durable_rules: True, False or None per rule, like the reference."""

    name = "durable"

    def __init__(self, rulebook: Rulebook, compiled: CompiledRulebook | None = None):
        if _dre is None:
            raise RuntimeError(f"durable_rules_engine is not importable ({IMPORT_ERROR})")
        where = getattr(rulebook, "rule_files", None)
        self.compiled = compiled or compile_rulebook(
            rulebook.conditions, where=where, request_groups=request_groups(rulebook)
        )
        self._hash = str(getattr(rulebook, "hash", "") or "anon")
        self._local = threading.local()
        self.rebuilds = 0
        self._session()  # build this thread's ruleset now: a structural error shows at load

    # ---------------------------------------------------------------------------------------- sessions

    def _session(self) -> _Session:
        session = getattr(self._local, "session", None)
        if session is None or session.handles is None:
            session = _Session(self.compiled, _unique_name(self._hash))
            self._local.session = session
        return session

    def _discard(self, session: _Session) -> None:
        if getattr(self._local, "session", None) is session:
            self._local.session = None
        session.close()
        self.rebuilds += 1

    def fired(self, facts: Mapping[str, Any], rule_ids: Iterable[str] | None = None) -> list[str]:
        """The names of the durable rules that fire for a facts mapping, for the rules `rule_ids` (None:
        all) and any other rule of the same request group (for tests and debugging).

        After any error or interruption while a fact is in durable_rules, this thread's rulesets are
        discarded (H4: a half-drained session stays leased and silently matches nothing for a minute).
        An error from durable_rules itself is retried once on fresh rulesets, then raised.
        """
        fields = self.compiled.encode(facts, rule_ids)
        for attempt in (1, 2):
            session = self._session()
            try:
                return session.run(fields)
            except BaseException as exc:
                self._discard(session)
                if not isinstance(exc, Exception):
                    raise  # KeyboardInterrupt, SystemExit: discarded, not retried
                if attempt == 1 and isinstance(exc, _dre.error):
                    continue
                if isinstance(exc, DurableEngineError):
                    raise
                raise DurableEngineError(f"durable_rules failed: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------------------------------- API

    def evaluate(self, rule_ids: list[str], facts: Mapping[str, Any]) -> dict[str, TriState]:
        results = self.compiled.results(self.fired(facts, rule_ids))
        index = self.compiled.index_of
        return {rule_id: results[index[rule_id]] for rule_id in rule_ids}

    def evaluate_many(self, requests: Iterable[tuple[Sequence[str], Mapping[str, Any]]]) -> list[dict[str, TriState]]:
        """evaluate() for many (rule_ids, facts) pairs, in order, on this thread's session."""
        return [self.evaluate(list(rule_ids), facts) for rule_ids, facts in requests]


def request_groups(rulebook: Any) -> dict[str, Any]:
    """Rule id -> the rules it is asked about with: the rulebook asks, for each order, for the rules with
    the order's kind among their kinds, valid on its date, of the statuses that decide or advise. Rules
    with the same status, validity and kinds are always asked about together."""
    rules = getattr(rulebook, "rules", None) or {}
    groups: dict[str, Any] = {}
    for rule_id in rulebook.conditions:
        rule = rules.get(rule_id)
        if rule is None:
            continue
        try:
            kinds = tuple(sorted(getattr(k, "value", k) for k in rule.kinds))
            groups[rule_id] = (str(getattr(rule.status, "value", rule.status)), rule.effective, rule.until, kinds)
        except AttributeError:
            continue
    if len(set(groups.values())) > MAX_REQUEST_GROUPS:  # too many fields: group by status and kinds only
        groups = {rule_id: (g[0], g[3]) for rule_id, g in groups.items()}
    if len(set(groups.values())) > MAX_REQUEST_GROUPS:
        return {}
    return groups


MAX_REQUEST_GROUPS = 64
