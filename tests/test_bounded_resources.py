"""The durable engine's memory stays bounded whatever the threads do and however often the rulebook is
loaded, and its pooled sessions are never used by two threads at once (durable_engine._Pool).

A durable_rules session costs about 16 MiB for the bundled rulebook, and delete_ruleset gives back only
about half (notes H17): an engine that built one per thread grew by ~7 MiB per short-lived thread, and
one per load by ~7 MiB per reload. The memory scenarios run in a child process
(`python tests/test_bounded_resources.py NAME`), so that other tests' memory does not count, and must
grow the child's RSS (read from /proc/self/statm) by less than GROWTH_BOUND_MIB. No test asserts a time.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import chipcontrol as cc
from chipcontrol import durable_engine as de
from chipcontrol.conditions import Compare
from chipcontrol.facts import build_facts

HERE = Path(__file__).resolve()
TIMEOUT = 300
#: Most the child's RSS may grow over 500 short-lived threads, or over 20 reloads (bounded: MAX_SESSIONS
#: sessions of ~16 MiB at worst; unbounded it was ~3.5 GB and ~140 MiB).
GROWTH_BOUND_MIB = 100
THREADS, THREADS_AT_ONCE, RELOADS = 500, 25, 20
ORDER = cc.Order(item="A100", buyer="ByteDance", destination="CN", date="2023-06-15")

needs_durable = pytest.mark.skipif(not de.AVAILABLE, reason=f"durable_rules_engine does not import: {de.IMPORT_ERROR}")
needs_proc = pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="RSS is read from /proc/self/statm")


class FakeRulebook:  # what DurableEngine reads from a rulebook
    def __init__(self, conditions: dict):
        self.conditions = conditions
        self.rules, self.rule_files, self.hash = {}, {}, "fake"


# ------------------------------------------------------------------------------ child scenarios


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def scenario_threads() -> dict:
    """THREADS short-lived threads, THREADS_AT_ONCE alive at a time, each evaluating one order."""
    rb = cc.load_rulebook()
    want = rb.evaluate(ORDER, engine="reference").outcome
    rb.evaluate(ORDER)
    gc.collect()
    before = _rss_mib()
    outcomes: list = []

    def evaluate() -> None:
        outcomes.append(rb.evaluate(ORDER).outcome)

    for _ in range(THREADS // THREADS_AT_ONCE):
        threads = [threading.Thread(target=evaluate) for _ in range(THREADS_AT_ONCE)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    gc.collect()
    assert outcomes == [want] * THREADS
    return {"grown": _rss_mib() - before, "sessions": len(rb.engine("durable")._pool._sessions)}


def scenario_reloads() -> dict:
    """RELOADS times: drop the rulebook, collect, load it again and evaluate one order."""
    rb = cc.load_rulebook()
    rb.evaluate(ORDER)
    pool = rb.engine("durable")._pool
    gc.collect()
    before = _rss_mib()
    for _ in range(RELOADS):
        rb = None
        gc.collect()
        rb = cc.load_rulebook()
        rb.evaluate(ORDER)
    gc.collect()
    return {"grown": _rss_mib() - before, "same_pool": rb.engine("durable")._pool is pool}


SCENARIOS = {name[len("scenario_") :]: fn for name, fn in globals().items() if name.startswith("scenario_")}


def _child(name: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parents[1] / "src"), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run(
        [sys.executable, str(HERE), name], capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=HERE.parents[1]
    )
    assert proc.returncode == 0, f"scenario {name!r} exited {proc.returncode}\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ tests


@needs_durable
@needs_proc
def test_short_lived_threads_keep_memory_bounded():
    """500 threads (25 alive at a time) that each evaluate one order grow RSS by less than the bound, and
    the rulebook's pool holds at most MAX_SESSIONS sessions."""
    figures = _child("threads")
    assert figures["grown"] < GROWTH_BOUND_MIB, figures
    assert 1 <= figures["sessions"] <= de.MAX_SESSIONS, figures


@needs_durable
@needs_proc
def test_reloading_the_rulebook_keeps_memory_bounded():
    """20 reloads of the rulebook (the previous one dropped each time) grow RSS by less than the bound: the
    reloaded rulebook compiles to the same text and reuses the same pool of sessions."""
    figures = _child("reloads")
    assert figures["grown"] < GROWTH_BOUND_MIB, figures
    assert figures["same_pool"], figures


def _requests(rb: cc.Rulebook) -> list[tuple[list[str], dict]]:
    """(rule ids asked, facts) for catalog orders over the coverage: chips x buyers x destinations x dates."""
    requests = []
    dates = ["2022-11-01", "2023-06-15", "2023-12-01", "2024-06-15", "2025-02-01"]
    for chip in list(rb.chips)[:8]:
        for buyer in list(rb.parties)[:5]:
            for dest, date in zip(["CN", "VN", "AE", "US", "MO"], dates):
                try:
                    resolved = rb.resolve(cc.Order(item=chip, buyer=buyer, destination=dest, date=date))
                except cc.InputError:
                    continue
                ids = [r.id for r in rb.rules_on(resolved.date, resolved.kind)]
                requests.append((ids, build_facts(resolved, rb.groups_on)))
    return requests


def _watch_sessions(monkeypatch) -> dict:
    """Wrap _Session.run: fail on a session run by two threads at once; record the sessions used and the
    most in use at once."""
    seen: dict = {"in_use": set(), "used": set(), "most": 0, "overlaps": 0}
    lock = threading.Lock()
    run = de._Session.run

    def watched(session, fields):
        with lock:
            seen["overlaps"] += session in seen["in_use"]
            seen["in_use"].add(session)
            seen["used"].add(session)
            seen["most"] = max(seen["most"], len(seen["in_use"]))
        try:
            return run(session, fields)
        finally:
            with lock:
                seen["in_use"].discard(session)

    monkeypatch.setattr(de._Session, "run", watched)
    return seen


def _in_threads(n: int, work) -> list:
    """Run work(k) in n threads started together, switching threads as often as CPython allows; the
    exceptions raised."""
    errors: list = []
    barrier = threading.Barrier(n)

    def target(k: int) -> None:
        try:
            barrier.wait()
            work(k)
        except Exception as exc:  # pragma: no cover - reported by the caller
            errors.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # preempt evaluations halfway, so that threads really overlap
    try:
        threads = [threading.Thread(target=target, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return errors


@needs_durable
def test_threads_never_share_a_session_and_get_the_reference_results(rb, monkeypatch):
    """8 threads x 200 evaluations at once, preempted as often as possible: every result is the reference
    engine's, no session is ever run by two threads at once, and the pool never exceeds MAX_SESSIONS."""
    engine, reference = rb.engine("durable"), rb.engine("reference")
    requests = _requests(rb)
    expected = [reference.evaluate(ids, facts) for ids, facts in requests]
    seen = _watch_sessions(monkeypatch)
    wrong: list = []

    def work(k: int) -> None:
        for i in range(200):
            j = (i * 7 + k * 31) % len(requests)
            if engine.evaluate(*requests[j]) != expected[j]:
                wrong.append((k, j))

    assert _in_threads(8, work) == []
    assert wrong == []
    assert seen["overlaps"] == 0
    assert 2 <= seen["most"] <= de.MAX_SESSIONS  # the threads did overlap, within the bound
    assert len(engine._pool._sessions) <= de.MAX_SESSIONS


class _FailingDre:
    """durable_rules_engine whose assert_fact raises once (like an interruption mid-evaluation)."""

    def __init__(self, real):
        self.real, self.failed = real, False

    def __getattr__(self, name):
        return getattr(self.real, name)

    def assert_fact(self, handle, text):
        if not self.failed:
            self.failed = True
            raise RuntimeError("boom")
        return self.real.assert_fact(handle, text)


@needs_durable
def test_a_session_discarded_after_an_error_is_never_lent_again(monkeypatch):
    """An error mid-evaluation discards the session (deleted, out of the pool, H4); a durable_rules error
    (the ruleset deleted under the engine) is retried on another session. No thread gets a discarded one."""
    conditions = {"big": Compare("chip.tpp", ">=", 4800), "fast": Compare("chip.io_bidirectional_gbps", ">", 600)}
    engine = de.DurableEngine(FakeRulebook(conditions))
    facts = {"chip.tpp": 5000, "chip.io_bidirectional_gbps": 900}
    want = {"big": True, "fast": True}
    assert engine.evaluate(list(conditions), facts) == want
    failed = engine._local.session
    monkeypatch.setattr(de, "_dre", _FailingDre(de._dre))
    with pytest.raises(de.DurableEngineError):
        engine.evaluate(list(conditions), facts)
    monkeypatch.undo()
    assert failed.handles is None and failed not in engine._pool._sessions and engine.rebuilds == 1

    assert engine.evaluate(list(conditions), facts) == want
    deleted = engine._local.session
    assert deleted is not failed
    for handle in deleted.handles:
        de._dre.delete_ruleset(handle)  # durable_rules now raises on it: discarded, retried once
    assert engine.evaluate(list(conditions), facts) == want
    assert engine.rebuilds == 2 and deleted not in engine._pool._sessions

    seen = _watch_sessions(monkeypatch)
    assert _in_threads(6, lambda k: [engine.evaluate(list(conditions), facts) for _ in range(50)]) == []
    assert not seen["used"] & {failed, deleted} and seen["overlaps"] == 0


@needs_durable
def test_engines_share_a_pool_per_compiled_text_and_unused_pools_are_deleted():
    """Engines compiled to the same text share one pool; the last engine gone leaves it idle for a reload;
    once MAX_IDLE_POOLS newer pools are idle, it is deleted (its sessions closed)."""
    gc.collect()  # other tests' engines: released now, not in the middle of this test
    first = de.DurableEngine(FakeRulebook({"r": Compare("chip.tpp", ">=", 1234)}))
    second = de.DurableEngine(FakeRulebook({"r": Compare("chip.tpp", ">=", 1234)}))
    pool = first._pool
    assert second._pool is pool and pool.users == 2
    del first, second
    assert pool.users == 0 and de._pools[pool.key] is pool  # idle, kept
    again = de.DurableEngine(FakeRulebook({"r": Compare("chip.tpp", ">=", 1234)}))
    assert again._pool is pool and pool.users == 1
    sessions = list(pool._sessions)
    del again
    texts = [{f"r{j}": Compare("chip.tpp", ">=", j) for j in range(n + 2)} for n in range(de.MAX_IDLE_POOLS)]
    others = [de.DurableEngine(FakeRulebook(conditions)) for conditions in texts]  # other compiled texts
    del others
    assert pool.key not in de._pools and pool._sessions == []
    assert all(session.handles is None for session in sessions)


if __name__ == "__main__":
    print(json.dumps(SCENARIOS[sys.argv[1]]()))
