"""durable-rules 2.0.28 hazards (docs/durable_rules-notes.md H1-H17) cannot be reached through the
durable engine: unusual strings, long aliases, reserved field names, extreme numbers, two rulebooks in one
process, threads, engine errors mid-evaluation, id collisions and the structural limits give no hang, no
crash and the reference evaluator's answer.

Each risky scenario runs in a child process with a timeout (`python tests/test_durable_hazards.py NAME`),
so a hang or a segfault fails its test instead of taking pytest down.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import pytest

import chipcontrol as cc
from chipcontrol import conditions as c
from chipcontrol.conditions import And, Compare, Contains, InGroup, InSet, Not, Or, Truthy
from chipcontrol.durable_compiler import compile_rulebook
from chipcontrol.durable_engine import AVAILABLE, IMPORT_ERROR
from chipcontrol.facts import FACT_KINDS, build_facts

HERE = Path(__file__).resolve()
TIMEOUT = 150

needs_durable = pytest.mark.skipif(not AVAILABLE, reason=f"durable_rules_engine does not import here: {IMPORT_ERROR}")

NASTY = [
    "",
    " ",
    "ab ",  # H9: prefix + a byte below '"'
    "ab!",
    'quote " inside',
    "back\\slash\\",
    "$and",
    "$i",
    "sid",
    "id",
    '{"m":1}',
    "Ünïcode “chip” 中文 🚀",
    "tab\tnew\nline\x00nul\x1f",
    "\ud800 lone surrogate",
    "x" * 70_001,  # H9: beyond unsigned short lengths
    "nvidia-h20",  # a catalog id given inline
]


class FakeRulebook:  # also in test_durable_compiler.py: this module runs as a child script, so it cannot import it
    def __init__(self, conditions: dict, hash: str = "fake"):
        self.conditions = conditions
        self.rules = {}
        self.rule_files = {}
        self.hash = hash
        self._engines = {}


def _dump(verdict):
    return verdict.model_dump(mode="json", exclude={"engine"})


def _same_verdict(rb, order) -> None:
    try:
        reference = rb.evaluate(order, engine="reference")
    except cc.InputError as exc:
        with_durable = None
        try:
            rb.evaluate(order, engine="durable")
        except cc.InputError as exc2:
            with_durable = exc2
        assert with_durable is not None and str(with_durable) == str(exc), order
        return
    durable = rb.evaluate(order, engine="durable")
    assert durable.engine == "durable"
    assert _dump(durable) == _dump(reference), order


def _same_verdict_or_refused(rb, build) -> None:
    """An order built from odd input is either refused with an InputError or answered alike by both engines."""
    try:
        order = build()
    except cc.InputError:
        return
    _same_verdict(rb, order)


def _facts_for(rb, orders):
    out = []
    for order in orders:
        try:
            out.append(build_facts(rb.resolve(order), rb.groups_on))
        except cc.InputError:
            pass
    return out


def _sample_orders(rb, n: int = 200):
    import random

    rnd = random.Random(4)
    chips, parties = list(rb.chips), list(rb.parties)
    dests = ["CN", "HK", "MO", "US", "VN", "AE", "SG", "FR", None]
    start, until = rb.coverage.start, rb.coverage.until
    orders = []
    for _ in range(n):
        orders.append(
            cc.Order(
                item=rnd.choice(chips),
                buyer=rnd.choice(parties),
                destination=rnd.choice(dests),
                date=start + dt.timedelta(days=rnd.randrange((until - start).days)),
                kind=rnd.choice(list(cc.Kind)),
            )
        )
    return orders


# ------------------------------------------------------------------------------------------ scenarios
# Run in a child process by the tests below. Each raises AssertionError on a wrong answer.


def scenario_unusual_strings() -> None:
    rb = cc.load_rulebook()
    day = dt.date(2024, 3, 1)
    for text in NASTY:  # input validation may refuse a text (a lone surrogate, a 70 kB name, an unknown claim)
        chip = lambda: cc.Chip(name=text or "empty", vendor=text or "v", tpp=5000, datacenter=True, io_bidirectional_gbps=900)  # noqa: E731
        chip_with_id = lambda: cc.Chip(name="x", id=text, vendor="NVIDIA", tpp=4800, die_area_mm2=800)  # noqa: E731
        buyer = lambda: cc.Party(name=text or "b", id=text or None, headquarters="CN")  # noqa: E731
        for build in (
            lambda: cc.Order(item=chip(), buyer=buyer(), destination="CN", date=day),
            lambda: cc.Order(item=chip_with_id(), buyer="ByteDance", destination="MO", date=day, claims=[text]),
            lambda: cc.Order(item=chip_with_id(), buyer="ByteDance", destination="MO", date=day),
            lambda: cc.Order(item="H100", buyer=buyer(), seller=cc.Party(name="s", id=text or None), destination="VN", date=day),
        ):
            _same_verdict_or_refused(rb, build)
    # and straight into the engine, in every string fact
    engine, reference = rb.engine("durable"), rb.engine("reference")
    ids = sorted(rb.conditions)
    base = _facts_for(rb, _sample_orders(rb, 30))
    string_facts = [f for f, k in FACT_KINDS.items() if k == "string"]
    for facts in base:
        for text in NASTY:
            for name in string_facts:
                mutated = dict(facts, **{name: text})
                assert engine.evaluate(ids, mutated) == reference.evaluate(ids, mutated)
            mutated = dict(facts, **{"order.claims": frozenset({text, "nvda-2022-hk-fulfilment"})})
            assert engine.evaluate(ids, mutated) == reference.evaluate(ids, mutated)


def scenario_long_alias() -> None:
    import yaml

    from chipcontrol.resources import bundled_rulesets, bundled_seeds

    tmp = Path(tempfile.mkdtemp())
    try:
        shutil.copytree(bundled_rulesets(), tmp / "rulesets")
        shutil.copytree(bundled_seeds(), tmp / "seeds")
        chips_path = tmp / "rulesets" / "catalog" / "chips.yaml"
        data = yaml.safe_load(chips_path.read_text(encoding="utf-8"))
        long_alias = "H100 " + "very long alias “$and” \\ " * 4000
        target = next(ch for ch in data["chips"] if ch["id"] == "nvidia-h100-sxm")
        target["aliases"] = [*target.get("aliases", []), long_alias, 'alias with "quotes" and $i']
        chips_path.write_text(yaml.safe_dump(data, allow_unicode=True, width=10**9), encoding="utf-8")
        rb = cc.load_rulebook(tmp / "rulesets")
        for alias in (long_alias, 'alias with "quotes" and $i'):
            for dest in ("CN", "MO", "FR", "VN"):
                order = cc.Order(item=alias, buyer="ByteDance", destination=dest, date=dt.date(2024, 1, 5))
                _same_verdict(rb, order)
                assert rb.evaluate(order).order.item_id == "nvidia-h100-sxm"
        inline = cc.Chip(name=long_alias[:200], vendor=long_alias[:200], tpp=4800, io_bidirectional_gbps=600)
        _same_verdict(rb, cc.Order(item=inline, buyer="Tencent", destination="CN", date=dt.date(2023, 1, 5)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scenario_reserved_fields() -> None:
    import itertools
    import random

    from chipcontrol.durable_compiler import FIELD_NAME, RESERVED_NAMES, fnv1a_32
    from chipcontrol.durable_engine import DurableEngine

    kinds = {
        "id": "number",
        "sid": "string",
        "$s": "bool",
        "$i": "number",
        "__t": "string",
        "all": "country",
        "$and": "set",
        "m": "bool",
        "$forward": "number",
        "a.b.c": "number",
        "a_b_c": "number",  # sanitises like the one above
    }
    conditions = {
        "on id": Compare("id", ">=", 5),
        "on sid": Or((Compare("sid", "==", "sid-0"), Compare("sid", "!=", "x"))),
        "on $s": Truthy("$s"),
        "on $i": InSet("$i", frozenset({1, 2.5})),
        "on __t": Compare("__t", "==", "order"),
        'rule "quoted" $and ü': And((InGroup("all", "D:5"), Not(Compare("all", "==", "MO")))),
        "on $and": Contains("$and", "$or"),
        "on m": Compare("m", "!=", True),
        "on $forward": Compare("$forward", "<", 0),
        "dots": And((Compare("a.b.c", ">", 1), Compare("a_b_c", "<=", 1))),
    }
    compiled = compile_rulebook(conditions, fact_kinds=kinds)
    names = list(compiled.fields)
    assert all(FIELD_NAME.fullmatch(n) for n in names)
    hashes = [fnv1a_32(n) for n in names] + [fnv1a_32(n) for n in RESERVED_NAMES] + [fnv1a_32("__t")]
    assert len(set(hashes)) == len(hashes)
    engine = DurableEngine(FakeRulebook(conditions), compiled=compiled)
    rnd = random.Random(1)
    pools = {
        "id": [None, 4, 5, 6, 1e16],
        "sid": [None, "sid-0", "x", "0"],
        "$s": [None, True, False],
        "$i": [None, 1, 2.5, 3],
        "__t": [None, "order", "other"],
        "all": [None, "CN", "MO", "US"],
        "$and": [None, frozenset(), frozenset({"$or"}), frozenset({"$or", "id"})],
        "m": [None, True, False],
        "$forward": [None, -1, 0],
        "a.b.c": [None, 1, 2],
        "a_b_c": [None, 1, 2],
    }
    ids = list(conditions)
    for _ in range(400):
        facts = {k: rnd.choice(v) for k, v in pools.items()}
        if facts["all"] is not None:
            facts["all#groups"] = frozenset(rnd.sample(["D:5", "D:1"], rnd.randrange(3)))
        expected = {rule_id: c.evaluate(expr, facts) for rule_id, expr in conditions.items()}
        assert engine.evaluate(ids, facts) == expected, facts
    del itertools


def scenario_numbers() -> None:
    rb = cc.load_rulebook()
    day = dt.date(2024, 3, 1)
    values = [
        0.0,
        -0.0,
        1e-5,
        5e-324,
        4799.999999999999,
        4800.000000000001,
        1e15,
        1e16,
        1e300,
        float("inf"),
        10**30,
        2**63,
        2**64 + 1,
    ]
    for value in values:
        for field in ("tpp", "io_bidirectional_gbps", "memory_bandwidth_gbps", "die_area_mm2"):
            if field == "die_area_mm2" and value <= 0:
                continue
            for dest in ("CN", "VN"):  # an infinity is refused as input; the engine still sees one below
                _same_verdict_or_refused(rb, lambda: cc.Order(
                    item=cc.Chip(name="n", vendor="NVIDIA", datacenter=True, **{field: value}, **({} if field == "tpp" else {"tpp": 4800})),
                    buyer="Baidu", destination=dest, date=day,
                ))
    engine, reference = rb.engine("durable"), rb.engine("reference")
    ids = sorted(rb.conditions)
    number_facts = [f for f, k in FACT_KINDS.items() if k == "number"]
    for facts in _facts_for(rb, _sample_orders(rb, 20)):
        for name in number_facts:
            for value in values + [-(10**30), -1e300, float("-inf")]:
                mutated = dict(facts, **{name: value})
                assert engine.evaluate(ids, mutated) == reference.evaluate(ids, mutated), (name, value)


def scenario_two_rulebooks() -> None:
    from chipcontrol.resources import bundled_rulesets, bundled_seeds

    first, second = cc.load_rulebook(), cc.load_rulebook()  # same content, same hash
    assert first.hash == second.hash
    tmp = Path(tempfile.mkdtemp())
    try:
        shutil.copytree(bundled_rulesets(), tmp / "rulesets")
        shutil.copytree(bundled_seeds(), tmp / "seeds")
        changed = 0
        for path in (tmp / "rulesets" / "rules").glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if "chip.tpp >= 4800" in text:
                path.write_text(text.replace("chip.tpp >= 4800", "chip.tpp >= 4000"), encoding="utf-8")
                changed += 1
        assert changed
        third = cc.load_rulebook(tmp / "rulesets")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert third.hash != first.hash
    orders = _sample_orders(first, 150)
    orders += [
        cc.Order(
            item=cc.Chip(name="mid", vendor="NVIDIA", tpp=4500, io_bidirectional_gbps=700),
            buyer="Baidu",
            destination="CN",
            date=dt.date(2023, 1, 5),
        )
    ]
    differ = 0
    for order in orders:  # interleaved
        for rb in (first, second, third):
            _same_verdict(rb, order)
        try:
            differ += first.evaluate(order, engine="durable").outcome != third.evaluate(order, engine="durable").outcome
        except cc.InputError:
            pass
    assert differ >= 1  # the two versions really answer differently, each with its own rules
    engines = [rb.engine("durable") for rb in (first, second, third)]
    assert len({id(e) for e in engines}) == 3


def scenario_threads() -> None:
    rb = cc.load_rulebook()
    ids = sorted(rb.conditions)
    facts_list = _facts_for(rb, _sample_orders(rb, 300))
    expected = [rb.engine("reference").evaluate(ids, f) for f in facts_list]
    orders = _sample_orders(rb, 60)
    expected_verdicts = []
    for order in orders:
        try:
            expected_verdicts.append(_dump(rb.evaluate(order, engine="reference")))
        except cc.InputError:
            expected_verdicts.append(None)
    engine = rb.engine("durable")
    errors: list = []
    sessions: set = set()
    barrier = threading.Barrier(4)

    def work(k: int) -> None:
        try:
            barrier.wait()
            for rounds in range(3):
                for i in range(len(facts_list)):
                    j = (i * (k + 1) + rounds) % len(facts_list)
                    if engine.evaluate(ids, facts_list[j]) != expected[j]:
                        errors.append(("rule results", k, j))
                for order, want in zip(orders, expected_verdicts):
                    if want is not None and _dump(rb.evaluate(order, engine="durable")) != want:
                        errors.append(("verdict", k, order))
            sessions.add(id(engine._local.session))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:5]
    assert len(sessions) == 4  # one ruleset per thread (H16)


def scenario_error_rebuild() -> None:
    import chipcontrol.durable_engine as de

    rb = cc.load_rulebook()
    ids = sorted(rb.conditions)
    facts_list = _facts_for(rb, _sample_orders(rb, 40))
    reference = rb.engine("reference")
    engine = rb.engine("durable")
    assert engine.evaluate(ids, facts_list[0]) == reference.evaluate(ids, facts_list[0])

    # (a) the thread's ruleset disappears under the engine: durable_rules raises, the engine rebuilds
    for handle in engine._local.session.handles:
        de._dre.delete_ruleset(handle)
    assert engine.evaluate(ids, facts_list[1]) == reference.evaluate(ids, facts_list[1])
    assert engine.rebuilds == 1

    # (b) an exception while frames are being drained (H4a: a half-drained session stays leased and
    # silently matches nothing): the engine retracts, raises, and the next evaluation is right
    real = de._dre

    class Flaky:
        def __init__(self, exc):
            self.exc, self.calls = exc, 0

        def __getattr__(self, name):
            return getattr(real, name)

        def complete_and_start_action(self, handle, offset):
            self.calls += 1
            if self.calls == 2:
                raise self.exc
            return real.complete_and_start_action(handle, offset)

    for exc, expected_type in ((RuntimeError("boom"), de.DurableEngineError), (KeyboardInterrupt(), KeyboardInterrupt)):
        de._dre = Flaky(exc)
        try:
            try:
                engine.evaluate(ids, facts_list[2])
            except expected_type:
                pass
            else:
                raise AssertionError(f"{exc!r} was swallowed")
        finally:
            de._dre = real
        for facts in facts_list:
            assert engine.evaluate(ids, facts) == reference.evaluate(ids, facts)
    assert engine.rebuilds == 3

    # (c) a message with a colliding id is already stored (H10/H11): the engine takes a fresh id
    session = engine._local.session
    handle = session.handles[0]
    n = next(session.ids)
    blocker = dict(engine.compiled.encode(facts_list[3]), **engine.compiled.requested(None), id=f"e{n + 1}")
    code, offset = real.assert_fact(handle, json.dumps(blocker))
    assert code == 0
    frame = real.start_action_for_state(handle, offset)  # drain the blocker's own frames
    while frame is not None:
        frame = real.complete_and_start_action(handle, offset)
    try:
        for facts in facts_list[:5]:
            assert engine.evaluate(ids, facts) == reference.evaluate(ids, facts)
    finally:
        real.retract_fact(handle, json.dumps({"id": blocker["id"]}))
    assert engine.rebuilds == 3


def scenario_stack_limit() -> None:
    """The compiler's stack model is durable_rules' own: 64 simultaneously true children of one node
    work, 65 give error 303; the compiler refuses (or shards) before that."""
    import durable_rules_engine as dre

    from chipcontrol.durable_compiler import MAX_STACK

    guard = {"$eq": {"__t": "order"}}
    for k, ok in ((MAX_STACK, True), (MAX_STACK + 1, False)):
        rules = {f"r{i}": {"all": [{"m": {"$and": [guard, {"$gte": {"x": i}}]}}]} for i in range(k)}
        handle = dre.create_ruleset(f"stack{k}", json.dumps(rules))
        try:
            code, off = dre.assert_fact(handle, json.dumps({"__t": "order", "x": 10**6, "id": "a"}))
            frame, n = dre.start_action_for_state(handle, off), 0
            while frame is not None:
                n += 1
                frame = dre.complete_and_start_action(handle, off)
            assert ok and n == k
        except dre.error as exc:
            assert not ok and "303" in str(exc), exc
    # 65 rules `x >= i` compile into two rulesets, and every one of them still fires
    from chipcontrol.durable_engine import DurableEngine

    conditions = {f"r{i}": Compare("chip.tpp", ">=", i) for i in range(130)}
    engine = DurableEngine(FakeRulebook(conditions))
    assert engine.compiled.stats.shards >= 3 and engine.compiled.stats.max_stack <= MAX_STACK
    for tpp in (0, 64, 65, 129.5, 10**6, None):
        facts = {"chip.tpp": tpp}
        assert engine.evaluate(list(conditions), facts) == {k: c.evaluate(v, facts) for k, v in conditions.items()}


def scenario_memory() -> None:
    import resource

    rb = cc.load_rulebook()
    engine = rb.engine("durable")
    ids = sorted(rb.conditions)
    facts_list = _facts_for(rb, _sample_orders(rb, 200))
    for facts in facts_list * 10:
        engine.evaluate(ids, facts)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for facts in facts_list * 150:
        engine.evaluate(ids, facts)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 8 * 1024, f"RSS grew by {grown_kib} KiB over {len(facts_list) * 150} evaluations"
    assert engine.rebuilds == 0


def scenario_without_durable() -> None:
    """What Python 3.13+ sees: durable_rules_engine does not import (the child is started with
    sys.modules["durable_rules_engine"] = None). chipcontrol imports, says once that it falls back, and
    answers with the reference engine."""
    import chipcontrol as cc2
    from chipcontrol import durable_engine, engines

    assert durable_engine.AVAILABLE is False and "durable" in engines.UNAVAILABLE
    rb = cc2.load_rulebook()
    order = cc2.Order(item="H100", buyer="ByteDance", destination="CN", date="2024-01-05")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = rb.evaluate(order, engine="durable")
        second = rb.evaluate(order, engine="durable")
        rb.evaluate_many([order, order], engine="durable")
    messages = [str(w.message) for w in caught if "durable" in str(w.message)]
    assert len(messages) == 1, messages
    assert first.engine == "reference" and _dump(first) == _dump(second) == _dump(
        rb.evaluate(order, engine="reference")
    )
    try:
        durable_engine.DurableEngine(rb)
    except RuntimeError as exc:
        assert "not importable" in str(exc)
    else:
        raise AssertionError("DurableEngine built without durable_rules_engine")


SCENARIOS = {name[len("scenario_") :]: fn for name, fn in globals().items() if name.startswith("scenario_")}


def _run_child(name: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parents[1] / "src"), *filter(None, [env.get("PYTHONPATH")])])
    if name == "without_durable":  # block the import before anything imports chipcontrol
        prelude = "import runpy, sys; sys.modules['durable_rules_engine'] = None; sys.argv = sys.argv[1:]; "
        command = [sys.executable, "-c", prelude + "runpy.run_path(sys.argv[0], run_name='__main__')", str(HERE), name]
    else:
        command = [sys.executable, str(HERE), name]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=str(HERE.parents[1]),
    )


def _assert_child_ok(name: str) -> None:
    try:
        proc = _run_child(name)
    except subprocess.TimeoutExpired:
        pytest.fail(f"scenario {name!r} hung (no answer within {TIMEOUT} s)")
    assert proc.returncode == 0, f"scenario {name!r} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr[-4000:]}"
    assert f"OK {name}" in proc.stdout


# ------------------------------------------------------------------------------------------ tests


@needs_durable
def test_unusual_strings_in_orders_and_facts_give_the_reference_verdict():
    """Unicode, quotes, `$`, backslashes, control characters, lone surrogates and 70 KB strings in chip and
    party names, ids, vendors and claims: no hang, no crash, the reference verdict (H7, H9, H15)."""
    _assert_child_ok("unusual_strings")


@needs_durable
def test_a_very_long_alias_resolves_and_gives_the_reference_verdict():
    """A 100 KB catalog alias (and one with quotes and `$i`) resolves and is evaluated like the chip."""
    _assert_child_ok("long_alias")


@needs_durable
def test_facts_named_like_reserved_words_get_safe_fields_and_right_answers():
    """Facts called id, sid, $s, $i, __t, all, $and, m, $forward (and two that sanitise alike) compile to
    sanitised, hash-distinct fields and give the reference results (H1, H10)."""
    _assert_child_ok("reserved_fields")


@needs_durable
def test_extreme_numbers_give_the_reference_verdict():
    """1e-5, 5e-324, 1e16, 1e300, inf, -0.0, 10**30, 2**64+1 as chip figures and as facts: exact answers
    (H7 saturation and H8 exponent notation never reach durable_rules)."""
    _assert_child_ok("numbers")


@needs_durable
def test_two_rulebooks_in_one_process_do_not_collide():
    """The same rulebook loaded twice and a changed version, evaluated interleaved in one process: each
    gives its own reference verdicts."""
    _assert_child_ok("two_rulebooks")


@needs_durable
def test_four_threads_get_correct_results():
    """Four threads evaluating at once on one rulebook get the reference results, each on its own
    ruleset (H16: one shared ruleset loses results)."""
    _assert_child_ok("threads")


@needs_durable
def test_errors_mid_evaluation_rebuild_the_ruleset():
    """A ruleset deleted under the engine, an exception or KeyboardInterrupt while frames are drained, and a
    stored message with a colliding id: the engine retracts, rebuilds, and later answers are right (H4, H11)."""
    _assert_child_ok("error_rebuild")


@needs_durable
def test_the_stack_limit_is_modelled_and_large_rule_families_are_sharded():
    """durable_rules fails (error 303) at 65 simultaneously true children and works at 64, as the compiler
    assumes; 130 rules `chip.tpp >= i` are split into rulesets that stay within the limit (H5)."""
    _assert_child_ok("stack_limit")


@needs_durable
def test_memory_stays_flat_over_many_evaluations():
    """30,000 evaluations after warm-up grow peak RSS by less than 8 MiB (assert, drain, retract keeps one
    live fact: section 4 of the notes)."""
    _assert_child_ok("memory")


def test_without_durable_rules_the_library_falls_back_to_the_reference_engine():
    """Where durable_rules_engine does not import (Python 3.13+), chipcontrol still imports, warns once,
    and answers engine="durable" with the reference engine."""
    _assert_child_ok("without_durable")


def test_registry_falls_back_and_warns_once(monkeypatch):
    """get_engine("durable") on an interpreter without durable_rules returns the reference engine with one
    RuntimeWarning per process, and an unknown engine name is still an InputError."""
    from chipcontrol import engines

    monkeypatch.setitem(engines.UNAVAILABLE, "durable", "simulated: undefined symbol PyEval_CallObject")
    monkeypatch.setattr(engines, "_warned", set())
    rb = cc.load_rulebook()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert engines.get_engine(rb, "durable").name == "reference"
        assert engines.get_engine(rb, "durable").name == "reference"
    assert len([w for w in caught if issubclass(w.category, RuntimeWarning)]) == 1
    with pytest.raises(cc.InputError, match="unknown engine"):
        engines.get_engine(rb, "drools")


if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
    print(f"OK {sys.argv[1]}")
