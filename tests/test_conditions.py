"""The condition language: what it accepts, what it refuses, and its three-valued logic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chipcontrol.conditions import (
    ConditionSyntaxError,
    evaluate,
    explain,
    parse,
    resolve_terms,
    to_text,
    type_errors,
)
from chipcontrol.facts import FACT_KINDS

FACTS = {
    "chip.tpp": 4990.4,
    "chip.io_bidirectional_gbps": 400.0,
    "chip.performance_density": None,
    "chip.datacenter": True,
    "destination": "CN",
    "destination#groups": frozenset({"D:1", "D:4", "D:5"}),
    "buyer.headquarters": None,
    "order.claims": frozenset({"macau-en-route-2023-01-17"}),
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("chip.tpp >= 4800", True),
        ("chip.tpp >= 4800 and chip.io_bidirectional_gbps >= 600", False),
        ("chip.tpp < 4800 or chip.io_bidirectional_gbps < 600", True),
        ('destination in group("D:5")', True),
        ('destination not in group("A:6")', True),
        ('destination in ["CN", "MO"]', True),
        ('destination not in ["CN", "MO"]', False),
        ("chip.datacenter", True),
        ("not chip.datacenter", False),
        ("chip.datacenter == false", False),
        ('order.claims contains "macau-en-route-2023-01-17"', True),
        ('order.claims contains "something-else"', False),
        ("true and not false", True),
    ],
)
def test_a_condition_evaluates_against_known_facts(text, expected):
    assert evaluate(parse(text), FACTS) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("chip.performance_density >= 5.92", None),  # unknown fact -> unknown
        ("chip.performance_density >= 5.92 and chip.tpp < 100", False),  # false and unknown -> false
        ("chip.performance_density >= 5.92 or chip.tpp >= 4800", True),  # true or unknown -> true
        ("chip.performance_density >= 5.92 and chip.tpp >= 4800", None),  # true and unknown -> unknown
        ("not chip.performance_density >= 5.92", None),
        ('buyer.headquarters in group("D:5")', None),
        ('buyer.headquarters == "CN"', None),
    ],
)
def test_unknown_facts_follow_kleene_three_valued_logic(text, expected):
    assert evaluate(parse(text), FACTS) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "chip.tpp >=",
        "chip.tpp >= 1e5",
        "__import__('os').system('true')",
        "chip.tpp >= 4800; rm -rf /",
        "chip.tpp >= 4800 and",
        "(chip.tpp >= 4800",
        "destination in []",
        "destination in group(D5)",
        "lambda: 1",
        "chip.tpp >= 4800 or or chip.tpp < 1",
    ],
)
def test_the_parser_refuses_anything_outside_the_language(text):
    with pytest.raises(ConditionSyntaxError):
        parse(text)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("chip.tpps >= 4800", "unknown fact 'chip.tpps' (did you mean chip.tpp"),
        ('chip.tpp >= "4800"', "chip.tpp is a number"),
        ("chip.datacenter == 1", "compare it with true or false"),
        ('destination == "China"', "not one"),
        ('destination in group("D:9")', "unknown country group 'D:9'"),
        ("chip.tpp", "not a yes/no fact"),
        ('destination contains "CN"', "'contains' applies to a set fact"),
        ('chip.id < "x"', "only == and != (or in) apply"),
    ],
)
def test_type_checking_names_the_problem(text, problem):
    problems = type_errors(parse(text), FACT_KINDS, {"D:1", "D:4", "D:5", "A:5", "A:6"})
    assert any(problem in p for p in problems), problems


def test_explain_reports_the_failing_test_of_a_false_and_with_its_margin():
    checks = explain(parse("chip.tpp >= 4800 and chip.io_bidirectional_gbps >= 600"), FACTS)
    assert [(c.fact, c.actual, c.result, c.margin) for c in checks] == [("chip.io_bidirectional_gbps", 400.0, False, -200.0)]


def test_explain_reports_every_part_of_a_true_and_but_only_the_first_true_branch_of_an_or():
    checks = explain(parse('chip.tpp >= 4800 and (destination == "CN" or destination in group("D:5"))'), FACTS)
    assert [(c.test, c.result, c.margin) for c in checks] == [("chip.tpp >= 4800", True, 190.4), ('destination == "CN"', True, None)]


def test_explain_of_an_unknown_result_names_the_unknown_tests():
    checks = explain(parse("chip.tpp >= 4800 and chip.performance_density >= 5.92"), FACTS)
    assert [(c.fact, c.result) for c in checks] == [("chip.performance_density", None)]


def test_terms_are_resolved_and_labelled_in_explanations():
    expr = resolve_terms(parse('term("3A090.a.1") and destination == "CN"'), lambda name: parse("chip.tpp >= 4800"))
    checks = explain(expr, FACTS)
    assert checks[0].term == "3A090.a.1" and checks[0].result is True
    assert evaluate(expr, FACTS) is True


def test_an_unknown_term_is_reported_by_the_resolver():
    def lookup(name):
        raise KeyError(name)

    with pytest.raises(KeyError):
        resolve_terms(parse('term("nope")'), lookup)


_atoms = st.sampled_from(
    [
        "chip.tpp >= 4800",
        "chip.performance_density >= 5.92",
        'destination in group("D:5")',
        "chip.datacenter",
        'buyer.headquarters == "CN"',
        "false",
        "true",
    ]
)
_exprs = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} and {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} or {p[1]})"),
        inner.map(lambda e: f"not ({e})"),
    ),
    max_leaves=8,
)


@given(_exprs)
def test_printing_a_condition_and_parsing_it_again_gives_the_same_meaning(text):
    expr = parse(text)
    again = parse(to_text(expr))
    assert evaluate(again, FACTS) is evaluate(expr, FACTS)


@given(_exprs)
def test_de_morgan_holds_in_three_valued_logic(text):
    a = parse(text)
    b = parse("chip.performance_density >= 5.92")
    left = evaluate(parse(f"not (({to_text(a)}) and ({to_text(b)}))"), FACTS)
    right = evaluate(parse(f"(not ({to_text(a)})) or (not ({to_text(b)}))"), FACTS)
    assert left is right


_fact_values = st.fixed_dictionaries(
    {
        "chip.tpp": st.one_of(st.none(), st.sampled_from([0, 1599.9, 1600, 4799.9, 4800, 4990.4])),
        "chip.performance_density": st.one_of(st.none(), st.sampled_from([1.6, 5.91, 5.92, 6.04])),
        "chip.datacenter": st.one_of(st.none(), st.booleans()),
        "destination": st.one_of(st.none(), st.sampled_from(["CN", "MO", "US"])),
        "buyer.headquarters": st.one_of(st.none(), st.sampled_from(["CN", "VN"])),
        "order.claims": st.sets(st.sampled_from(["x", "macau-en-route-2023-01-17"])),
    }
)


@given(_exprs, _fact_values)
def test_compiled_conditions_compute_exactly_the_reference_definition(text, facts):
    from chipcontrol.conditions import compile_condition, groups_key

    facts = dict(facts)
    if facts["destination"] is not None:
        facts[groups_key("destination")] = frozenset({"D:5"}) if facts["destination"] == "CN" else frozenset()
    expr = parse(text)
    assert compile_condition(expr)(facts) is evaluate(expr, facts)
