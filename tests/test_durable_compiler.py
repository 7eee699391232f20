"""The durable_rules compiler gives exactly the reference evaluator's True / False / None.

Each property is checked twice where it can be: against the compiled durable_rules JSON read by a small
Python model of its semantics (runs on every Python, and pins down what the compiler claims the JSON
means), and against durable_rules itself (skipped where durable_rules_engine does not import).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipcontrol import conditions as c
from chipcontrol.conditions import And, Compare, Const, Contains, InGroup, InSet, Not, Or, Term, TermRef, Truthy
from chipcontrol.durable_compiler import (
    FIELD_NAME,
    GUARD_FIELD,
    GUARD_VALUE,
    MAX_CHILDREN,
    RESERVED_NAMES,
    _FieldNames,
    compile_rulebook,
    fnv1a_32,
)
from chipcontrol.durable_engine import AVAILABLE, IMPORT_ERROR
from chipcontrol.errors import RulebookError

needs_durable = pytest.mark.skipif(not AVAILABLE, reason=f"durable_rules_engine does not import here: {IMPORT_ERROR}")


class FakeRulebook:
    """What DurableEngine reads from a rulebook."""

    def __init__(self, conditions: dict, hash: str = "fake"):
        self.conditions = conditions
        self.rules = {}
        self.rule_files = {}
        self.hash = hash
        self._engines = {}


# ------------------------------------------------------------------------------------------ model


def model_fired(compiled, encoded: dict) -> list[str]:
    """The durable rules that match `encoded`, by the documented semantics of the emitted JSON: every rule
    is {"all": [{"m": {"$and": [tests]}}]}; a test on an absent field is false, except `$nex`, which
    holds exactly when the field is absent."""
    ops = {
        "$eq": lambda a, b: a == b,
        "$neq": lambda a, b: a != b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
    }
    fired = []
    for name, rule in compiled.rules.items():
        (only,) = rule["all"]
        tests = only["m"]["$and"]
        ok = True
        for test in tests:
            ((op, arg),) = test.items()
            ((field, value),) = arg.items()
            if op == "$nex":
                holds = field not in encoded
            elif op == "$ex":
                holds = field in encoded
            else:
                holds = field in encoded and type(encoded[field]) is type(value) and ops[op](encoded[field], value)
            if not holds:
                ok = False
                break
        if ok:
            fired.append(name)
    return fired


def model_results(compiled, facts) -> dict:
    results = compiled.results(model_fired(compiled, compiled.encode(facts)))
    return dict(zip(compiled.rule_ids, results))


def durable_results(conditions: dict, facts_list: list) -> list[dict]:
    from chipcontrol.durable_engine import DurableEngine

    engine = DurableEngine(FakeRulebook(conditions))
    ids = list(conditions)
    return [engine.evaluate(ids, facts) for facts in facts_list]


def reference_results(conditions: dict, facts) -> dict:
    return {rule_id: c.evaluate(expr, facts) for rule_id, expr in conditions.items()}


# ------------------------------------------------------------------------------------------ strategies

NUMBER_FACTS = ["chip.tpp", "chip.performance_density", "chip.io_bidirectional_gbps"]
STRING_FACTS = ["chip.id", "order.kind", "seller.id"]
COUNTRY_FACTS = ["destination", "buyer.headquarters"]
BOOL_FACTS = ["chip.datacenter", "chip.subject_to_ear", "buyer.entity_listed"]
GROUPS = ["D:1", "D:4", "D:5", "A:5", "A:6"]
CLAIMS = ["nvda-2022-hk-fulfilment", "macau-en-route", "x", 'weird $claim "q"']
STRINGS = ["nvidia-h100-sxm", "nvidia-h20", "amd-mi308", "export", "", "Ü", 'a"b', "$and", "nvidia"]
COUNTRIES = ["CN", "MO", "US", "HK", "RU"]

INTERESTING = [
    0,
    1,
    -1,
    1.6,
    3.2,
    5.92,
    600,
    900,
    1600,
    2400,
    4800,
    4800.0,
    4799.999,
    1e-5,
    1e16,
    2**53,
    2**53 + 1,
    10**20,
]


def _near(x: float) -> list[float]:
    return [x, math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]


literal_numbers = st.one_of(
    st.sampled_from(INTERESTING),
    st.integers(-10, 10_000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def leaf_tests(draw):
    kind = draw(
        st.sampled_from(["num", "num", "numset", "str", "strset", "country", "bool", "truthy", "group", "claim"])
    )
    if kind == "num":
        return Compare(
            draw(st.sampled_from(NUMBER_FACTS)),
            draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
            draw(literal_numbers),
        )
    if kind == "numset":
        return InSet(
            draw(st.sampled_from(NUMBER_FACTS)), frozenset(draw(st.lists(literal_numbers, min_size=1, max_size=5)))
        )
    if kind == "str":
        return Compare(
            draw(st.sampled_from(STRING_FACTS)), draw(st.sampled_from(["==", "!="])), draw(st.sampled_from(STRINGS))
        )
    if kind == "strset":
        values = draw(st.lists(st.sampled_from(STRINGS), min_size=1, max_size=6))
        node = InSet(draw(st.sampled_from(STRING_FACTS)), frozenset(values))
        return Not(node) if draw(st.booleans()) else node
    if kind == "country":
        fact = draw(st.sampled_from(COUNTRY_FACTS))
        if draw(st.booleans()):
            return Compare(fact, draw(st.sampled_from(["==", "!="])), draw(st.sampled_from(COUNTRIES)))
        return InSet(fact, frozenset(draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=4))))
    if kind == "bool":
        return Compare(draw(st.sampled_from(BOOL_FACTS)), draw(st.sampled_from(["==", "!="])), draw(st.booleans()))
    if kind == "truthy":
        return Truthy(draw(st.sampled_from(BOOL_FACTS)))
    if kind == "group":
        return InGroup(draw(st.sampled_from(COUNTRY_FACTS)), draw(st.sampled_from(GROUPS)))
    return Contains("order.claims", draw(st.sampled_from(CLAIMS)))


def expressions(max_leaves: int = 10):
    leaves = st.one_of(leaf_tests(), st.builds(Const, st.booleans()))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(lambda items: And(tuple(items)), st.lists(inner, min_size=2, max_size=4)),
            st.builds(lambda items: Or(tuple(items)), st.lists(inner, min_size=2, max_size=4)),
            st.builds(Not, inner),
            st.builds(Term, st.sampled_from(["t1", "t2"]), inner),
        ),
        max_leaves=max_leaves,
    )


@st.composite
def number_values(draw, literals: list):
    pool = [v for lit in literals if not isinstance(lit, bool) for v in _near(float(lit))] + list(literals)
    return draw(
        st.one_of(
            st.sampled_from(pool) if pool else st.just(0),
            st.sampled_from(INTERESTING),
            st.integers(-5, 10**22),
            st.floats(allow_nan=False),
        )
    )


def _literals(conditions: dict) -> dict:
    found: dict = {}
    for expr in conditions.values():
        for node in c.walk(expr):
            if isinstance(node, Compare):
                found.setdefault(node.fact, []).append(node.value)
            elif isinstance(node, InSet):
                found.setdefault(node.fact, []).extend(node.values)
    return found


@st.composite
def fact_mappings(draw, conditions: dict):
    lits = _literals(conditions)
    facts: dict = {}
    for fact in NUMBER_FACTS:
        facts[fact] = draw(st.none() | number_values(lits.get(fact, [])))
    for fact in STRING_FACTS:
        facts[fact] = draw(st.none() | st.sampled_from(STRINGS) | st.text(max_size=8))
    for fact in COUNTRY_FACTS:
        value = draw(st.none() | st.sampled_from(COUNTRIES))
        facts[fact] = value
        if value is not None and draw(st.integers(0, 9)) > 0:
            facts[c.groups_key(fact)] = frozenset(draw(st.lists(st.sampled_from(GROUPS), max_size=5)))
    for fact in BOOL_FACTS:
        facts[fact] = draw(st.none() | st.booleans())
    facts["order.claims"] = draw(st.none() | st.frozensets(st.sampled_from(CLAIMS) | st.text(max_size=6), max_size=4))
    return facts


@st.composite
def rulebooks_and_facts(draw):
    n = draw(st.integers(1, 4))
    conditions = {f"rule-{i}": draw(expressions()) for i in range(n)}
    facts = draw(st.lists(fact_mappings(conditions), min_size=1, max_size=6))
    return conditions, facts


# ------------------------------------------------------------------------------------------ properties


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rulebooks_and_facts())
def test_compiled_json_means_what_the_reference_evaluator_says(case):
    """For random conditions and facts, the emitted durable JSON (read by the model) gives the reference
    evaluator's True/False/None for every rule."""
    conditions, facts_list = case
    compiled = compile_rulebook(conditions)
    for facts in facts_list:
        assert model_results(compiled, facts) == reference_results(conditions, facts), facts


@needs_durable
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rulebooks_and_facts())
def test_durable_rules_gives_the_reference_result_for_random_conditions(case):
    """For random small rulebooks (random thresholds, strings, and/or/not nesting, sets, groups, claims,
    unknown facts), durable_rules gives the reference evaluator's result for every rule and facts mapping."""
    conditions, facts_list = case
    got = durable_results(conditions, facts_list)
    for facts, result in zip(facts_list, got):
        assert result == reference_results(conditions, facts), facts


@settings(max_examples=300, deadline=None)
@given(expressions(max_leaves=14))
def test_true_and_false_forms_never_both_match(expr):
    """The T and F forms of a condition exclude each other: no fact fires both, checked by the model on
    every combination of field values (absent included) when there are at most 20,000, else on 3,000
    random ones."""
    import itertools
    import random

    conditions = {"r": expr}
    compiled = compile_rulebook(conditions)
    assert all(FIELD_NAME.fullmatch(spec.name) for spec in compiled.fields.values())
    t_rules = {n for n, (_, form) in compiled.outcome_of.items() if form}
    f_rules = {n for n, (_, form) in compiled.outcome_of.items() if not form}
    assert t_rules | f_rules == set(compiled.rules)
    fields = list(compiled.fields.values())
    choices = [(None, *spec.domain) for spec in fields]
    if math.prod(len(c) for c in choices) <= 20_000:
        assignments = itertools.product(*choices)
    else:
        rnd = random.Random(0)
        assignments = ([rnd.choice(c) for c in choices] for _ in range(3000))
    for values in assignments:
        encoded = {GUARD_FIELD: GUARD_VALUE, **{s.name: v for s, v in zip(fields, values) if v is not None}}
        fired = set(model_fired(compiled, encoded))
        assert not (fired & t_rules and fired & f_rules), encoded


# ------------------------------------------------------------------------------------------ examples


def _check(conditions: dict, facts_list: list) -> None:
    compiled = compile_rulebook(conditions)
    expected = [reference_results(conditions, f) for f in facts_list]
    assert [model_results(compiled, f) for f in facts_list] == expected
    if AVAILABLE:
        assert durable_results(conditions, facts_list) == expected


@pytest.mark.parametrize(
    "threshold, fact, value",
    [
        (4800, "chip.tpp", 4800),
        (4800, "chip.tpp", 4800.0),
        (4800, "chip.tpp", math.nextafter(4800, 0)),
        (4800, "chip.tpp", math.nextafter(4800, math.inf)),
        (4800, "chip.tpp", 4799.999999),
        (4800.0, "chip.tpp", 4800),
        (5.92, "chip.performance_density", 5.92),
        (5.92, "chip.performance_density", round(4736 / 800, 2)),  # 5.92 computed as TPP / area
        (5.92, "chip.performance_density", 5.919999999999999),
        (5.92, "chip.performance_density", 5.920000000000001),
        (1.6, "chip.performance_density", 1.6),
        (1.6, "chip.performance_density", 0.1 * 16),  # 1.6000000000000001
        (1.6, "chip.performance_density", 1.5999999999999999),
        (1.6, "chip.performance_density", 16 / 10),
        (600, "chip.io_bidirectional_gbps", 600),
        (600, "chip.io_bidirectional_gbps", 599.9999999999999),
        (2**53 + 1, "chip.tpp", 2**53),  # equal as floats, not as ints
        (2**53, "chip.tpp", float(2**53)),
        (10**20, "chip.tpp", 10**20 + 1),  # beyond int64 (H7 saturates)
        (1e-5, "chip.tpp", 1e-5),  # exponent notation (H8)
        (1e16, "chip.tpp", 1e16 + 2),
        (0, "chip.tpp", -0.0),
    ],
)
def test_number_comparisons_are_exact_at_thresholds(threshold, fact, value):
    """Every comparison at and around a threshold (4800, 5.92, 1.6, 600, 2**53, 10**20, 1e-5) gives
    Python's exact int/float answer, never a float-rounded or saturated one."""
    conditions = {f"{op}": Compare(fact, op, threshold) for op in ("==", "!=", "<", "<=", ">", ">=")}
    conditions["in"] = InSet(fact, frozenset({threshold, 7}))
    _check(conditions, [{fact: value}, {fact: None}, {}])


def test_unknown_facts_follow_kleene_logic():
    """false and unknown is false; true or unknown is true; anything else with unknown is unknown."""
    tpp = Compare("chip.tpp", ">=", 4800)
    dc = Truthy("chip.datacenter")
    conditions = {
        "and": And((tpp, dc)),
        "or": Or((tpp, dc)),
        "not": Not(dc),
        "nested": Not(And((Or((tpp, Not(dc))), Const(True)))),
        "const-true": Const(True),
        "const-false": Const(False),
        "not-false": Not(Const(False)),
        "term": Term("t", And((Const(True), dc))),
    }
    facts = [
        {"chip.tpp": 100, "chip.datacenter": None},  # false and unknown
        {"chip.tpp": 5000, "chip.datacenter": None},  # true or unknown
        {"chip.tpp": None, "chip.datacenter": None},
        {"chip.tpp": 5000, "chip.datacenter": False},
        {},
    ]
    _check(conditions, facts)
    result = reference_results(conditions, facts[0])
    assert result["and"] is False and result["or"] is None and result["const-true"] is True


def test_groups_and_claims_are_flattened_to_booleans_present_only_for_known_facts():
    """`destination in group(...)` and `order.claims contains ...` become boolean fields that are absent
    when the country or the claims are unknown, and claims no rule names never become fields."""
    conditions = {
        "g": Or((InGroup("destination", "D:5"), Compare("destination", "==", "MO"))),
        "not-g": Not(InGroup("destination", "A:5")),
        "claim": Contains("order.claims", "nvda-2022-hk-fulfilment"),
    }
    compiled = compile_rulebook(conditions)
    facts = [
        {"destination": "CN", "destination#groups": frozenset({"D:1", "D:5"}), "order.claims": frozenset({"zzz$"})},
        {"destination": "FR", "destination#groups": frozenset({"A:5"}), "order.claims": frozenset()},
        {"destination": "MO"},  # known country with no groups entry: in no group
        {"destination": None, "order.claims": None},
        {"order.claims": frozenset({"nvda-2022-hk-fulfilment", "'; drop"})},
    ]
    for f in facts:
        encoded = compiled.encode(f)
        assert set(encoded) <= {GUARD_FIELD, *compiled.fields}
        assert not any("zzz" in k or "drop" in k for k in encoded)
    assert "destination__in_D_5" not in compiled.encode({"destination": None, "destination#groups": frozenset({"D:5"})})
    _check(conditions, facts)


def test_string_literals_and_fact_values_never_reach_durable_rules():
    """Strings are encoded as small integer codes: the ruleset JSON and the asserted fact hold no user
    string, whatever it contains."""
    nasty = 'q"\\$and\u00fc\u0000' + "x" * 70_000
    conditions = {"eq": Compare("chip.id", "==", nasty), "ne": Compare("chip.vendor", "!=", "nvidia")}
    compiled = compile_rulebook(conditions)
    ruleset = "".join(compiled.ruleset_jsons)
    assert nasty[:10] not in ruleset and "nvidia" not in ruleset
    encoded = compiled.encode({"chip.id": nasty, "chip.vendor": "\ud800 lone surrogate"})
    assert all(isinstance(v, (int, bool)) or k == GUARD_FIELD for k, v in encoded.items())
    _check(conditions, [{"chip.id": nasty, "chip.vendor": "\ud800"}, {"chip.id": nasty[:-1], "chip.vendor": "nvidia"}])


def test_a_rule_the_compiler_cannot_express_is_a_rulebook_error_naming_it():
    """A condition outside what the compiler supports is refused at compile time with the rule's id."""
    bad = {
        "ordered-string": Compare("chip.id", "<", "m"),
        "unresolved-term": And((TermRef("x"), Const(True))),
        "unknown-fact": Compare("chip.colour", "==", "red"),
        "big-set": InSet("chip.id", frozenset(f"id{i}" for i in range(MAX_CHILDREN + 1))),
        "nan": Compare("chip.tpp", ">", float("nan")),
    }
    for rule_id, expr in bad.items():
        with pytest.raises(RulebookError, match=rule_id):
            compile_rulebook({"fine": Const(True), rule_id: expr}, where={rule_id: "rules/x.yaml"})


def test_rule_families_beyond_the_structural_limits_are_split_into_several_rulesets():
    """600 rules `chip.tpp >= i` would give one alpha node 1200 children (durable_rules hangs at 512) and
    put 600 nodes on its 64-entry match stack (error 303): the compiler splits them into rulesets that each
    stay within both limits, and the results are still the reference's (H5)."""
    conditions = {f"r{i}": Compare("chip.tpp", ">=", i) for i in range(600)}
    compiled = compile_rulebook(conditions)
    assert compiled.stats.shards >= 10
    assert compiled.stats.max_children <= MAX_CHILDREN and compiled.stats.max_stack <= 64
    assert sorted(n for shard in compiled.shards for n in shard) == sorted(compiled.rules)
    for tpp in (-1, 0, 299.5, 300, 599, 600, None):
        assert model_results(compiled, {"chip.tpp": tpp}) == reference_results(conditions, {"chip.tpp": tpp})


def test_a_single_rule_beyond_the_structural_limits_is_a_rulebook_error_naming_it():
    """A rule that alone needs more than 511 children of one alpha node, more than 64 entries of the match
    stack, or too many terms in normal form cannot be split: it is refused at compile time, naming the
    rule, before durable_rules could hang or fail on it (H5)."""
    from chipcontrol.durable_compiler import FieldSpec, NetworkStats, _shard

    spec = FieldSpec("chip_tpp", "chip.tpp", "number", tuple(range(1201)))
    wide = [(f"w{i}", [("$eq", "chip_tpp", 2 * i + 1)]) for i in range(600)]
    with pytest.raises(RulebookError, match="'wide'.*children"):
        _shard([("fine", wide[:5]), ("wide", wide)], {"chip_tpp": spec}, NetworkStats(), lambda r: f"rule {r!r}")
    bools = {f"b{i}": "bool" for i in range(30)}
    blowup = And(tuple(Or((Truthy(f"b{2 * i}"), Truthy(f"b{2 * i + 1}"))) for i in range(15)))  # 2**15 terms
    with pytest.raises(RulebookError, match="'blowup'.*terms"):
        compile_rulebook({"fine": Truthy("b0"), "blowup": blowup}, fact_kinds=bools)
    kinds = {f"f{i}": "number" for i in range(80)}
    deep = Or(tuple(Compare(f"f{i}", ">=", 1) for i in range(80)))
    with pytest.raises(RulebookError, match="'deep'.*stack"):
        compile_rulebook({"deep": deep}, fact_kinds=kinds)


def test_field_names_never_collide_by_fnv1a_hash():
    """Two names with the same 32-bit FNV-1a hash (found by a birthday search) get different fields, and
    no field hashes like a name durable_rules reserves (id, sid, $s, $i, ...) (H10)."""
    a, b = "order_claims__has_dpeafccy", "order_claims__has_topfnbhf"
    assert fnv1a_32(a) == fnv1a_32(b)  # the pair is a real collision
    names = _FieldNames()
    first, second = names.take(a), names.take(b)
    assert first == a and second != b and fnv1a_32(first) != fnv1a_32(second)
    assert names.renamed
    # a name that hashes like a reserved one is renamed too
    names = _FieldNames(reserved=(*RESERVED_NAMES, a))
    assert names.take(b) != b
    # and through the compiler: two claims whose field names would collide
    conditions = {
        "one": Contains("order.claims", "dpeafccy"),
        "two": Contains("order.claims", "topfnbhf"),
    }
    compiled = compile_rulebook(conditions)
    hashes = [fnv1a_32(n) for n in compiled.fields] + [fnv1a_32(n) for n in (*RESERVED_NAMES, GUARD_FIELD)]
    assert len(set(hashes)) == len(hashes)
    _check(conditions, [{"order.claims": frozenset({"dpeafccy"})}, {"order.claims": frozenset({"topfnbhf"})}])


def test_fnv1a_matches_the_hashes_durable_rules_hardcodes():
    """The compiler's hash is durable_rules' own: state.h HASH_ID / HASH_SID and rete.c constants."""
    assert fnv1a_32("id") == 926444256
    assert fnv1a_32("sid") == 3593476751
    assert fnv1a_32("$forward") == 739185624
    assert fnv1a_32("$i") == 1622948014
    assert fnv1a_32("$and") == 3746487396


def test_bad_fact_values_are_input_errors_not_silent_mismatches():
    """A value of the wrong kind or NaN is refused before it reaches durable_rules (H7, H8)."""
    from chipcontrol.errors import InputError

    compiled = compile_rulebook(
        {"r": And((Compare("chip.tpp", ">=", 1), Truthy("chip.datacenter"), Compare("chip.id", "==", "a")))}
    )
    for facts in (
        {"chip.tpp": "5000"},
        {"chip.tpp": float("nan")},
        {"chip.tpp": True},
        {"chip.datacenter": 1},
        {"chip.id": 5},
    ):
        with pytest.raises(InputError):
            compiled.encode(facts)
    assert compiled.encode({"chip.tpp": math.inf})["chip_tpp"] == 2


@needs_durable
def test_durable_rules_never_matches_a_test_on_an_absent_field_except_nex():
    """The premise of the three-valued encoding, checked on durable_rules itself: $eq, $neq, $lt, $lte,
    $gt, $gte and $ex are all false when the field is absent, $nex is true exactly then, and all behave
    as documented when the field is present."""
    import json

    import durable_rules_engine as dre

    guard = {"$eq": {"__t": "order"}}
    ops = ["$eq", "$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex"]
    rules = {f"r{i}": {"all": [{"m": {"$and": [guard, {op: {"x": 5}}]}}]} for i, op in enumerate(ops)}
    rules["b"] = {"all": [{"m": {"$and": [guard, {"$neq": {"flag": True}}]}}]}
    handle = dre.create_ruleset(f"absent-{id(rules)}", json.dumps(rules))

    def fired(fact: dict, fid: str) -> set[str]:
        code, off = dre.assert_fact(handle, json.dumps({"__t": "order", "id": fid, **fact}))
        names: set[str] = set()
        try:
            if code == 0:
                frame = dre.start_action_for_state(handle, off)
                frame = frame and frame[1]
                while frame is not None:
                    names.update(json.loads(frame))
                    frame = dre.complete_and_start_action(handle, off)
        finally:
            if code == 0:
                dre.retract_fact(handle, json.dumps({"id": fid}))
        return names

    try:
        assert fired({}, "a") == {"r7"}
        assert fired({"y": 5}, "b") == {"r7"}
        assert fired({"x": 5}, "c") == {"r0", "r3", "r5", "r6"}
        assert fired({"x": 4}, "d") == {"r1", "r2", "r3", "r6"}
        assert fired({"x": 6, "flag": False}, "e") == {"r1", "r4", "r5", "r6", "b"}
    finally:
        dre.delete_ruleset(handle)


@needs_durable
def test_the_guard_keeps_the_session_state_fact_from_matching():
    """A rule that is always true (`true`) still matches only asserted orders, never durable_rules' own
    session state fact (H1): with no fact asserted nothing fires, and each order fires it exactly once."""
    from chipcontrol.durable_engine import DurableEngine

    engine = DurableEngine(FakeRulebook({"always": Const(True), "never": Const(False)}))
    for _ in range(3):
        assert sorted(engine.fired({})) == ["r0t0", "r1f0"]
    assert engine.evaluate(["always", "never"], {}) == {"always": True, "never": False}


# Counterexamples hypothesis found while this compiler was written, kept as regular tests.


@pytest.mark.parametrize(
    "conditions, facts",
    [
        pytest.param(
            # "x and not x" on a known, empty claims set is False: its F form is `$ex` ("known") on a
            # boolean field, which the first model of the JSON wrongly type-checked against the value 1
            {
                "rule-0": And(
                    (Contains("order.claims", 'weird $claim "q"'), Not(Contains("order.claims", 'weird $claim "q"')))
                )
            },
            [{"order.claims": frozenset()}, {"order.claims": frozenset({'weird $claim "q"'})}, {"order.claims": None}],
            id="known-but-contradictory-claim",
        ),
    ],
)
def test_shrunk_counterexamples(conditions, facts):
    """Each case once failed a property above; it gives the reference result."""
    _check(conditions, facts)
