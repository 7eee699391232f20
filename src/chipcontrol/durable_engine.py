"""The durable_rules engine: the rulebook compiled to a Rete network (durable_compiler), evaluated in C.

Use of durable-rules 2.0.28 follows docs/durable_rules-notes.md section 5: the raw `durable_rules_engine`
API (never `engine.Host`: no background dispatcher, H2; no Python actions, H4). A `_Session` is one ruleset
(or one per shard, when the compiler had to split the rules, H5) with its default session; an evaluation
asserts one fact with a fresh `id` into each (H11), drains every action frame with start_action_for_state /
complete_and_start_action, and retracts in `finally`. After any error from the engine, or any exception
while a fact is asserted, the session is thrown away (H4); an error from durable_rules is retried once on
another session. Facts are encoded by the compiler into small integers and booleans, so no user string,
float, NaN or exponent ever reaches the C parser (H7, H8, H9). Never delete_state (H3).

Memory: for the bundled rulebook a session costs about 16 MiB and 20 ms to build, and delete_ruleset gives
back only about half of it (it frees the network, not the default session's per-rule frame pools: H17). So
sessions belong neither to a thread nor to an engine. They live in a process-wide `_Pool` per compiled
ruleset text, are checked out for one evaluation and returned (never used by two threads at once, H16), and
are reused by any thread and by any engine compiled to the same text (a rulebook loaded again reuses them).
A pool holds at most MAX_SESSIONS sessions, whatever the number of threads; when no engine uses a pool it is
kept for a reload, and the pools beyond the MAX_IDLE_POOLS most recently released are deleted.

durable-rules does not import on Python 3.13+ (it calls the removed PyEval_CallObject). This module imports
anyway; `AVAILABLE` says whether the engine can run, and engines.py falls back to the reference engine.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .conditions import TriState
from .durable_compiler import ID_FIELD, CompiledRulebook, compile_rulebook

if TYPE_CHECKING:
    from .rulebook_data import RulebookData

try:  # pragma: no cover - depends on the interpreter
    import durable_rules_engine as _dre
except Exception as exc:  # ImportError, or undefined symbol on 3.13+
    _dre = None
    IMPORT_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    IMPORT_ERROR = None

AVAILABLE = _dre is not None

#: Sessions per pool (per compiled ruleset text) at most. Evaluations hold the GIL in C, so more sessions
#: than evaluations in progress at once never add throughput; a thread that finds all of them in use waits.
MAX_SESSIONS = 4
#: Pools that no engine uses any more, kept (most recently released first) for a rulebook loaded again.
MAX_IDLE_POOLS = 1

_ERR_EVENT_NOT_HANDLED = 1  # no rule matched: nothing stored, nothing to retract
_ERR_EVENT_OBSERVED = 2  # a fact with this id (hash) is already present: nothing evaluated

_names = itertools.count()
_names_lock = threading.Lock()


class DurableEngineError(RuntimeError):
    """durable_rules failed on an evaluation (the session it used has been discarded)."""


def _unique_name(key: str) -> str:
    with _names_lock:
        n = next(_names)
    return f"chipcontrol_{key[:16]}_{n}"


class _Session:
    """The rulesets of one compiled rulebook (usually one; more when it is sharded), each with its default
    session. Not thread-safe: a pool lends it to one evaluation at a time."""

    __slots__ = ("handles", "ids", "busy", "owner")

    def __init__(self, texts: Sequence[str], name: str):
        self.handles: list[int] | None = []
        self.ids = itertools.count()
        self.busy = False  # checked out
        self.owner: weakref.ref | None = None  # the token of the thread that used it last
        try:
            for i, text in enumerate(texts):
                self.handles.append(_dre.create_ruleset(f"{name}_{i}", text))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        handles, self.handles = self.handles, None
        for handle in handles or ():
            try:
                _dre.delete_ruleset(handle)  # frees about half of it (H17); never delete_state (H3)
            except Exception:  # noqa: PERF203 - already gone
                pass

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


class _Token:
    """Kept in a thread's threading.local, so it dies with the thread: a session whose owner token is dead
    belongs to no live thread."""

    __slots__ = ("__weakref__",)


class _Pool:
    """The sessions of one compiled ruleset text, each lent to one evaluation at a time (H16).

    `checkout(local)` gives, in this order: the session the calling thread used last (`local.session`) if
    it is free; a free session whose thread (or engine) is gone, that is whose owner `local.token` died; a
    new session while the pool has fewer than MAX_SESSIONS; any free session. When all MAX_SESSIONS are
    checked out it waits for one. So a pool never holds more than MAX_SESSIONS sessions, whatever the
    threads do: up to MAX_SESSIONS threads each keep their own, more threads share them, and a new thread
    reuses the session of one that has ended instead of building one. Sessions are deleted only when
    discarded after an error, or with the pool.
    """

    def __init__(self, key: str, texts: tuple[str, ...]):
        self.key = key
        self.texts = texts
        self.users = 0  # engines using this pool
        self._sessions = [self._new()]  # built now: a structural error shows at load
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._waiting = 0  # threads waiting in _adopt

    def _new(self) -> _Session:
        return _Session(self.texts, _unique_name(self.key))

    def checkout(self, local: threading.local) -> _Session:
        """A session for one evaluation, for this thread alone until checkin() or discard()."""
        last = getattr(local, "session", None)
        with self._lock:
            if last is not None and not last.busy and last.handles is not None:
                last.busy = True
                return last
        return self._adopt(local)

    def _adopt(self, local: threading.local) -> _Session:
        """checkout() when the thread's last session is busy, discarded, or there is none yet."""
        token = getattr(local, "token", None)
        if token is None:
            token = local.token = _Token()
        with self._lock:
            while (session := self._pick()) is None:
                self._waiting += 1
                try:
                    self._available.wait()
                finally:
                    self._waiting -= 1
            session.busy = True
            session.owner = weakref.ref(token)
        local.session = session
        return session

    def _pick(self) -> _Session | None:
        free = [s for s in self._sessions if not s.busy]
        for session in free:
            if session.owner is None or session.owner() is None:
                return session
        if len(self._sessions) < MAX_SESSIONS:
            self._sessions.append(self._new())
            return self._sessions[-1]
        return free[0] if free else None

    def checkin(self, session: _Session) -> None:
        """Return a session after an evaluation that went well."""
        with self._lock:
            session.busy = False
            if self._waiting:
                self._available.notify()

    def discard(self, session: _Session) -> None:
        """Delete a session after an error (H4): it is never lent again; a new one can take its place."""
        with self._lock:
            self._sessions.remove(session)
            if self._waiting:
                self._available.notify()
        session.close()

    def close(self) -> None:
        """Delete every session (the pool is no longer used by any engine)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


_pools: dict[str, _Pool] = {}
_idle_pools: OrderedDict[str, _Pool] = OrderedDict()
_pools_lock = threading.RLock()  # an engine's finalizer may run (in the cyclic GC) while it is held


def _pool_for(compiled: CompiledRulebook) -> _Pool:
    """The process-wide pool for this compiled ruleset text, counted as used by one more engine."""
    texts = tuple(compiled.ruleset_jsons)
    key = hashlib.sha256("\0".join(texts).encode()).hexdigest()
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = _Pool(key, texts)
        _idle_pools.pop(key, None)
        pool.users += 1
    return pool


def _release(pool: _Pool) -> None:
    """An engine using `pool` is gone: when it was the last, keep the pool for a reload, and delete the
    pools released before it beyond MAX_IDLE_POOLS."""
    with _pools_lock:
        pool.users -= 1
        if pool.users:
            return
        _idle_pools[pool.key] = pool
        while len(_idle_pools) > MAX_IDLE_POOLS:
            _, old = _idle_pools.popitem(last=False)
            del _pools[old.key]
            old.close()


class DurableEngine:
    """Evaluates rule conditions with durable_rules: True, False or None per rule, like the reference."""

    name = "durable"

    def __init__(self, rulebook: RulebookData, compiled: CompiledRulebook | None = None):
        if _dre is None:
            raise RuntimeError(f"durable_rules_engine is not importable ({IMPORT_ERROR})")
        where = getattr(rulebook, "rule_files", None)
        self.compiled = compiled or compile_rulebook(
            rulebook.conditions, where=where, request_groups=request_groups(rulebook)
        )
        self._pool = _pool_for(self.compiled)
        weakref.finalize(self, _release, self._pool).atexit = False
        self._local = threading.local()  # per thread: `session` (the one it used last) and its `token`
        self.rebuilds = 0  # sessions discarded after an error

    def fired(self, facts: Mapping[str, Any], rule_ids: Iterable[str] | None = None) -> list[str]:
        """The names of the durable rules that fire for a facts mapping, for the rules `rule_ids` (None:
        all) and any other rule of the same request group (for tests and debugging).

        After any error or interruption while a fact is in durable_rules, the session is discarded (H4: a
        half-drained session stays leased and silently matches nothing for a minute). An error from
        durable_rules itself is retried once on another session, then raised.
        """
        fields = self.compiled.encode(facts, rule_ids)
        for attempt in (1, 2):
            session = self._pool.checkout(self._local)
            try:
                fired = session.run(fields)
            except BaseException as exc:
                self._pool.discard(session)
                self.rebuilds += 1
                if not isinstance(exc, Exception):
                    raise  # KeyboardInterrupt, SystemExit: discarded, not retried
                if attempt == 1 and isinstance(exc, _dre.error):
                    continue
                if isinstance(exc, DurableEngineError):
                    raise
                raise DurableEngineError(f"durable_rules failed: {type(exc).__name__}: {exc}") from exc
            self._pool.checkin(session)
            return fired
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------------------------------- API

    def evaluate(self, rule_ids: list[str], facts: Mapping[str, Any]) -> dict[str, TriState]:
        results = self.compiled.results(self.fired(facts, rule_ids))
        index = self.compiled.index_of
        return {rule_id: results[index[rule_id]] for rule_id in rule_ids}

    def evaluate_many(self, requests: Iterable[tuple[Sequence[str], Mapping[str, Any]]]) -> list[dict[str, TriState]]:
        """evaluate() for many (rule_ids, facts) pairs, in order."""
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
