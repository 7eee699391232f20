"""Can a condition ever be true? A small decision procedure used by the lint.

The condition is put in negation normal form, then in disjunctive normal form; each conjunction is
checked fact by fact: numeric bounds must leave an interval, equalities and set/group memberships must
leave a candidate value in the fact's domain, a yes/no fact cannot be both, a set cannot both contain and
not contain a value. Group membership is taken over every date (a country that was ever a member counts),
so the check only ever errs towards "satisfiable".
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping

from . import conditions as c

#: Beyond this many conjunctions the check gives up and answers "satisfiable" (never a false alarm).
MAX_CONJUNCTIONS = 20000

_FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}

Literal = tuple[c.Expr, bool]  # (test, wanted truth value)


def _nnf(expr: c.Expr, positive: bool = True):
    """Yield a structure of ('and'|'or', [...]) / literals with negations pushed to the tests."""
    if isinstance(expr, c.Term):
        return _nnf(expr.expr, positive)
    if isinstance(expr, c.Not):
        return _nnf(expr.item, not positive)
    if isinstance(expr, (c.And, c.Or)):
        is_and = isinstance(expr, c.And) == positive
        return ("and" if is_and else "or", [_nnf(e, positive) for e in expr.items])
    if isinstance(expr, c.Const):
        return ("const", expr.value == positive)
    return ("lit", (expr, positive))


def _dnf(node) -> list[list[Literal]] | None:
    kind, body = node
    if kind == "lit":
        return [[body]]
    if kind == "const":
        return [[]] if body else []
    parts = [_dnf(child) for child in body]
    if any(p is None for p in parts):
        return None
    if kind == "or":
        out = [conj for part in parts for conj in part]
        return out if len(out) <= MAX_CONJUNCTIONS else None
    out = [[]]
    for part in parts:
        out = [a + b for a, b in itertools.product(out, part)]
        if len(out) > MAX_CONJUNCTIONS:
            return None
    return out


def satisfiable(expr: c.Expr, domains: Mapping[str, set], groups: Mapping[str, set[str]]) -> bool:
    """Whether some order makes the condition true.

    `domains` maps string and country facts to their possible values (a string fact missing from it is
    open-ended); `groups` maps a group id to every country that was ever a member.
    """
    conjunctions = _dnf(_nnf(expr))
    if conjunctions is None:
        return True
    return any(_consistent(conj, domains, groups) for conj in conjunctions)


def _consistent(conj: list[Literal], domains: Mapping[str, set], groups: Mapping[str, set[str]]) -> bool:
    by_fact: dict[str, list[Literal]] = defaultdict(list)
    for test, positive in conj:
        by_fact[test.fact].append((test, positive))
    return all(_fact_consistent(fact, lits, domains, groups) for fact, lits in by_fact.items())


def _fact_consistent(fact: str, lits: list[Literal], domains: Mapping[str, set], groups: Mapping[str, set[str]]) -> bool:
    numeric = [(t, p) for t, p in lits if isinstance(t, c.Compare) and isinstance(t.value, (int, float)) and not isinstance(t.value, bool)]
    if numeric and len(numeric) == len(lits):
        return _interval_nonempty([(t.op if p else _FLIP[t.op], float(t.value)) for t, p in numeric])
    if fact in domains or all(isinstance(t, (c.Compare, c.InSet, c.InGroup)) for t, _ in lits):
        return _some_value(lits, domains.get(fact), groups)
    if all(isinstance(t, c.Contains) for t, _ in lits):
        wanted = {t.value for t, p in lits if p}
        refused = {t.value for t, p in lits if not p}
        return not wanted & refused
    truths = set()
    for test, positive in lits:
        if isinstance(test, c.Truthy):
            truths.add(positive)
        elif isinstance(test, c.Compare) and isinstance(test.value, bool):
            truths.add(test.value if (test.op == "==") == positive else not test.value)
    return len(truths) <= 1


def _interval_nonempty(bounds: list[tuple[str, float]]) -> bool:
    low, low_strict, high, high_strict = float("-inf"), False, float("inf"), False
    excluded: set[float] = set()
    points: set[float] = set()
    for op, value in bounds:
        if op in (">", ">="):
            if value > low or (value == low and op == ">"):
                low, low_strict = value, op == ">"
        elif op in ("<", "<="):
            if value < high or (value == high and op == "<"):
                high, high_strict = value, op == "<"
        elif op == "==":
            points.add(value)
        else:
            excluded.add(value)
    if len(points) > 1:
        return False
    if points:
        (p,) = points
        inside = (p > low or (p == low and not low_strict)) and (p < high or (p == high and not high_strict))
        return inside and p not in excluded
    if low < high:
        return True
    return low == high and not low_strict and not high_strict and low not in excluded


def _some_value(lits: list[Literal], domain: set | None, groups: Mapping[str, set[str]]) -> bool:
    candidates: set | None = set(domain) if domain is not None else None
    refused: set = set()
    for test, positive in lits:
        if isinstance(test, c.Compare):
            values = {test.value} if (test.op == "==") == positive else None
            if values is None:
                refused.add(test.value)
                continue
        elif isinstance(test, c.InSet):
            if not positive:
                refused |= set(test.values)
                continue
            values = set(test.values)
        elif isinstance(test, c.InGroup):
            if not positive:
                # "not in group" only excludes countries that were members on every date; be generous.
                continue
            values = set(groups.get(test.group, set()))
        else:
            continue
        candidates = values if candidates is None else candidates & values
    if candidates is None:
        return True  # open-ended domain: some value outside `refused` exists
    return bool(candidates - refused)
