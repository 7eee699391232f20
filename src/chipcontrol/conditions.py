"""The condition language of rule files: parsed to an AST (never eval'd), evaluated with three-valued logic.

Grammar (keywords are lower case)::

    expr       := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | "true" | "false" | term | test
    term       := "term" "(" STRING ")"                    -- a named condition defined in a rule file
    test       := FACT                                      -- a yes/no fact
                | FACT OP literal                           -- OP: == != < <= > >=
                | FACT ["not"] "in" "[" literal ("," literal)* "]"
                | FACT ["not"] "in" "group" "(" STRING ")"  -- dated EAR country group, e.g. group("D:5")
                | FACT "contains" STRING                    -- a set-valued fact, e.g. order.claims
    literal    := NUMBER | STRING | "true" | "false"

Unknown facts are None; a test on an unknown fact is unknown (None), and and/or/not follow Kleene's logic:
`false and unknown` is false, `true or unknown` is true, anything else involving unknown is unknown.

Rule files are untrusted, so the parser refuses a condition of more than MAX_TOKENS tokens, a name, number
or string longer than MAX_TOKEN_CHARS characters, and nesting (parentheses and `not`) deeper than MAX_DEPTH.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union

from pydantic import Field

from .provenance import Strict

Value = Union[float, int, str, bool]
TriState = Union[bool, None]

# --------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Const:
    """`true` or `false`."""

    value: bool


@dataclass(frozen=True)
class Truthy:
    """A yes/no fact used on its own."""

    fact: str


@dataclass(frozen=True)
class Compare:
    """FACT OP literal."""

    fact: str
    op: str
    value: Value


@dataclass(frozen=True)
class InSet:
    """FACT in [literals]."""

    fact: str
    values: frozenset


@dataclass(frozen=True)
class InGroup:
    """FACT in group("D:5"): the country fact's EAR group membership on the order's date."""

    fact: str
    group: str


@dataclass(frozen=True)
class Contains:
    """FACT contains "x": a set-valued fact holds x."""

    fact: str
    value: str


@dataclass(frozen=True)
class TermRef:
    """term("name") before it is resolved by the loader."""

    name: str


@dataclass(frozen=True)
class Term:
    """A resolved named condition: evaluates as `expr`, labelled `name` in explanations."""

    name: str
    expr: Expr


@dataclass(frozen=True)
class Not:
    item: Expr


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


Expr = Union[Const, Truthy, Compare, InSet, InGroup, Contains, TermRef, Term, Not, And, Or]
TESTS = (Truthy, Compare, InSet, InGroup, Contains)

# ------------------------------------------------------------------------------------------ parser


class ConditionSyntaxError(ValueError):
    """A condition that is not in the language, with the position of the problem."""


MAX_TOKENS = 2000  # names, numbers, strings, operators and punctuation in one condition (the longest bundled: 56)
MAX_TOKEN_CHARS = 80  # one name, number or string (the longest bundled: 43)
MAX_DEPTH = 64  # parentheses and `not` inside one another (the deepest bundled: 3)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>==|!=|<=|>=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "term", "group", "contains"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


_SPACES = re.compile(r"\s*")


def _tokens(text: str) -> list[_Token]:
    """The tokens of a condition, refusing more than MAX_TOKENS of them or one longer than MAX_TOKEN_CHARS."""
    out, pos = [], _SPACES.match(text).end()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ConditionSyntaxError(f"unexpected character {text[pos]!r} at position {pos}")
        group = match.lastgroup
        token_text = match.group(group)
        start = match.start(group)
        if len(token_text) > MAX_TOKEN_CHARS:
            raise ConditionSyntaxError(
                f"{token_text[:20]!r}... at position {start} is {len(token_text)} characters long "
                f"(a name, number or string has at most {MAX_TOKEN_CHARS})"
            )
        if len(out) == MAX_TOKENS:
            raise ConditionSyntaxError(f"the condition is longer than {MAX_TOKENS} tokens (names, values, operators)")
        kind = token_text if group == "name" and token_text in _KEYWORDS else group
        out.append(_Token(kind, token_text, start))
        pos = _SPACES.match(text, match.end()).end()
    out.append(_Token("end", "", len(text)))
    return out


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self, kind: str) -> _Token:
        if self.tok.kind != kind:
            expected = {"end": "end of condition"}.get(kind, repr(kind))
            found = self.tok.text or "end of condition"
            raise ConditionSyntaxError(f"expected {expected} at position {self.tok.pos}, found {found!r}")
        token = self.tok
        self.i += 1
        return token

    def parse(self) -> Expr:
        expr = self.or_()
        self.take("end")
        return expr

    def or_(self) -> Expr:
        items = [self.and_()]
        while self.tok.kind == "or":
            self.i += 1
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Expr:
        items = [self.unary()]
        while self.tok.kind == "and":
            self.i += 1
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Expr:
        kind = self.tok.kind
        if kind == "not" or self.tok.text == "(":
            return self.nested()
        if kind in ("true", "false"):
            self.i += 1
            return Const(kind == "true")
        if kind == "term":
            self.i += 1
            self.take_punct("(")
            name = _unquote(self.take("string").text)
            self.take_punct(")")
            return TermRef(name)
        if kind == "name":
            return self.test()
        found = self.tok.text or "end of condition"
        raise ConditionSyntaxError(f"expected a fact, 'not', 'term(...)' or '(' at position {self.tok.pos}, found {found!r}")

    def nested(self) -> Expr:
        """`not x` or `( expr )`: one level deeper, refused beyond MAX_DEPTH levels."""
        if self.depth == MAX_DEPTH:
            raise ConditionSyntaxError(
                f"nested more than {MAX_DEPTH} levels deep (parentheses and 'not') at position {self.tok.pos}"
            )
        self.depth += 1
        negate = self.tok.kind == "not"
        self.i += 1
        if negate:
            expr: Expr = Not(self.unary())
        else:
            expr = self.or_()
            self.take_punct(")")
        self.depth -= 1
        return expr

    def take_punct(self, char: str) -> None:
        if self.tok.kind != "punct" or self.tok.text != char:
            found = self.tok.text or "end of condition"
            raise ConditionSyntaxError(f"expected {char!r} at position {self.tok.pos}, found {found!r}")
        self.i += 1

    def literal(self) -> Value:
        token = self.tok
        if token.kind == "number":
            self.i += 1
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "string":
            self.i += 1
            return _unquote(token.text)
        if token.kind in ("true", "false"):
            self.i += 1
            return token.kind == "true"
        raise ConditionSyntaxError(f"expected a number, a string, true or false at position {token.pos}, found {token.text!r}")

    def test(self) -> Expr:
        fact = self.take("name").text
        kind = self.tok.kind
        if kind == "op":
            op = self.take("op").text
            return Compare(fact, op, self.literal())
        if kind == "contains":
            self.i += 1
            return Contains(fact, _unquote(self.take("string").text))
        negate = False
        if kind == "not" and self.tokens[self.i + 1].kind == "in":
            negate = True
            self.i += 1
            kind = "in"
        if kind == "in":
            self.i += 1
            expr = self.in_target(fact)
            return Not(expr) if negate else expr
        return Truthy(fact)

    def in_target(self, fact: str) -> Expr:
        if self.tok.kind == "group":
            self.i += 1
            self.take_punct("(")
            group = _unquote(self.take("string").text)
            self.take_punct(")")
            return InGroup(fact, group)
        self.take_punct("[")
        values = [self.literal()]
        while self.tok.text == ",":
            self.i += 1
            values.append(self.literal())
        self.take_punct("]")
        return InSet(fact, frozenset(values))


def parse(text: str) -> Expr:
    """Parse a condition; raises ConditionSyntaxError for anything outside the language."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionSyntaxError("empty condition")
    return _Parser(text).parse()


# --------------------------------------------------------------------------------- tree utilities


def children(expr: Expr) -> tuple:
    if isinstance(expr, (And, Or)):
        return expr.items
    if isinstance(expr, Not):
        return (expr.item,)
    if isinstance(expr, Term):
        return (expr.expr,)
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    for child in children(expr):
        yield from walk(child)


def resolve_terms(expr: Expr, lookup: Callable[[str], Expr]) -> Expr:
    """Replace every TermRef by Term(name, lookup(name)); `lookup` raises KeyError for an unknown term."""
    if isinstance(expr, TermRef):
        return Term(expr.name, lookup(expr.name))
    if isinstance(expr, And):
        return And(tuple(resolve_terms(e, lookup) for e in expr.items))
    if isinstance(expr, Or):
        return Or(tuple(resolve_terms(e, lookup) for e in expr.items))
    if isinstance(expr, Not):
        return Not(resolve_terms(expr.item, lookup))
    if isinstance(expr, Term):
        return Term(expr.name, resolve_terms(expr.expr, lookup))
    return expr


def facts_used(expr: Expr) -> set[str]:
    return {node.fact for node in walk(expr) if isinstance(node, TESTS)}


def to_text(expr: Expr) -> str:
    """The condition back as text (terms by name)."""
    if isinstance(expr, Const):
        return "true" if expr.value else "false"
    if isinstance(expr, Truthy):
        return expr.fact
    if isinstance(expr, Compare):
        return f"{expr.fact} {expr.op} {_literal_text(expr.value)}"
    if isinstance(expr, InSet):
        return f"{expr.fact} in [{', '.join(_literal_text(v) for v in sorted(expr.values, key=str))}]"
    if isinstance(expr, InGroup):
        return f'{expr.fact} in group("{expr.group}")'
    if isinstance(expr, Contains):
        return f'{expr.fact} contains "{expr.value}"'
    if isinstance(expr, (TermRef, Term)):
        return f'term("{expr.name}")'
    if isinstance(expr, Not):
        return f"not {_wrap(expr.item)}"
    joiner = " and " if isinstance(expr, And) else " or "
    return joiner.join(_wrap(item) for item in expr.items)


def _wrap(expr: Expr) -> str:
    return f"({to_text(expr)})" if isinstance(expr, (And, Or)) else to_text(expr)


def _literal_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


# ------------------------------------------------------------------------------ type checking

FACT_KINDS = ("number", "string", "bool", "country", "set")


def type_errors(expr: Expr, fact_kinds: Mapping[str, str], known_groups: set[str]) -> list[str]:
    """Problems with the facts, literal types and groups a condition uses (empty list: fine)."""
    problems: list[str] = []
    for node in walk(expr):
        if not isinstance(node, TESTS):
            continue
        kind = fact_kinds.get(node.fact)
        if kind is None:
            from .errors import close_matches

            near = close_matches(node.fact, fact_kinds)
            problems.append(f"unknown fact {node.fact!r}" + (f" (did you mean {', '.join(near)}?)" if near else ""))
            continue
        if isinstance(node, Truthy) and kind != "bool":
            problems.append(f"{node.fact} is a {kind}, not a yes/no fact; compare it with something")
        elif isinstance(node, Compare):
            problems.extend(_compare_problem(node, kind))
        elif isinstance(node, InSet):
            for value in node.values:
                problems.extend(_compare_problem(Compare(node.fact, "==", value), kind))
        elif isinstance(node, InGroup):
            if kind != "country":
                problems.append(f"group() applies to a country fact, not {node.fact} ({kind})")
            if node.group not in known_groups:
                problems.append(f"unknown country group {node.group!r} (known: {', '.join(sorted(known_groups))})")
        elif isinstance(node, Contains) and kind != "set":
            problems.append(f"'contains' applies to a set fact, not {node.fact} ({kind})")
    return problems


def _compare_problem(node: Compare, kind: str) -> list[str]:
    value = node.value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{node.fact} is a number; {_literal_text(value)} is not"]
        return []
    if node.op not in ("==", "!="):
        return [f"{node.fact} is a {kind}; only == and != (or in) apply, not {node.op}"]
    if kind == "bool" and not isinstance(value, bool):
        return [f"{node.fact} is yes/no; compare it with true or false, not {_literal_text(value)}"]
    if kind in ("string", "country") and not isinstance(value, str):
        return [f"{node.fact} is a {kind}; {_literal_text(value)} is not a string"]
    if kind == "country" and not re.fullmatch(r"[A-Z]{2}", value):
        return [f"{node.fact} is an ISO 3166 alpha-2 code; {value!r} is not one"]
    if kind == "set":
        return [f"{node.fact} is a set; use 'contains'"]
    return []


# ------------------------------------------------------------------------------ evaluation

#: The comparison operators of the language, as Python functions (shared by every evaluator).
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def groups_key(fact: str) -> str:
    """Where a facts mapping keeps the set of EAR groups a country fact belongs to on the order's date."""
    return fact + "#groups"


def evaluate(expr: Expr, facts: Mapping[str, Any]) -> TriState:
    """True, False, or None (unknown) under Kleene's three-valued logic."""
    if isinstance(expr, And):
        result: TriState = True
        for item in expr.items:
            value = evaluate(item, facts)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    if isinstance(expr, Or):
        result = False
        for item in expr.items:
            value = evaluate(item, facts)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    if isinstance(expr, Not):
        value = evaluate(expr.item, facts)
        return None if value is None else not value
    if isinstance(expr, Term):
        return evaluate(expr.expr, facts)
    if isinstance(expr, Const):
        return expr.value
    return _test(expr, facts)


def _test(expr: Expr, facts: Mapping[str, Any]) -> TriState:
    actual = facts.get(expr.fact)
    if actual is None:
        return None
    if isinstance(expr, Compare):
        return OPERATORS[expr.op](actual, expr.value)
    if isinstance(expr, Truthy):
        return bool(actual)
    if isinstance(expr, InSet):
        return actual in expr.values
    if isinstance(expr, InGroup):
        return expr.group in facts.get(groups_key(expr.fact), ())
    if isinstance(expr, Contains):
        return expr.value in actual
    raise TypeError(f"unresolved condition node {expr!r}")  # TermRef: the loader resolves every term


def compile_condition(expr: Expr) -> Callable[[Mapping[str, Any]], TriState]:
    """A closure computing exactly `evaluate(expr, facts)`, without walking the tree on every call."""
    if isinstance(expr, Term):
        return compile_condition(expr.expr)
    if isinstance(expr, Const):
        value = expr.value
        return lambda facts: value
    if isinstance(expr, Not):
        inner = compile_condition(expr.item)

        def negate(facts: Mapping[str, Any]) -> TriState:
            result = inner(facts)
            return None if result is None else not result

        return negate
    if isinstance(expr, (And, Or)):
        parts = tuple(compile_condition(e) for e in expr.items)
        decisive = isinstance(expr, Or)  # the value that settles an or (True) or an and (False)

        def junction(facts: Mapping[str, Any]) -> TriState:
            result: TriState = not decisive
            for part in parts:
                value = part(facts)
                if value is decisive:
                    return decisive
                if value is None:
                    result = None
            return result

        return junction
    fact = expr.fact
    if isinstance(expr, Compare):
        op, value = OPERATORS[expr.op], expr.value
        return lambda facts: None if (a := facts.get(fact)) is None else op(a, value)
    if isinstance(expr, Truthy):
        return lambda facts: None if (a := facts.get(fact)) is None else bool(a)
    if isinstance(expr, InSet):
        values = expr.values
        return lambda facts: None if (a := facts.get(fact)) is None else a in values
    if isinstance(expr, InGroup):
        group, key = expr.group, groups_key(fact)
        return lambda facts: None if facts.get(fact) is None else group in facts.get(key, ())
    if isinstance(expr, Contains):
        value = expr.value
        return lambda facts: None if (a := facts.get(fact)) is None else value in a
    raise TypeError(f"unresolved condition node {expr!r}")


# ------------------------------------------------------------------------------ explanation


class ConditionCheck(Strict):
    """One test of a rule's condition with the order's actual value: what decided (or missed) it."""

    test: str = Field(description="The test as written, e.g. 'chip.tpp >= 4800'.")
    fact: str
    actual: Any = Field(description="The order's value of the fact; null when unknown.")
    result: bool | None = Field(description="True, False, or null when the fact is unknown.")
    term: str | None = Field(default=None, description="The named term this test belongs to, if any.")
    margin: float | None = Field(
        default=None, description="For numeric thresholds: actual minus threshold (how far above or below)."
    )


def explain(expr: Expr, facts: Mapping[str, Any]) -> list[ConditionCheck]:
    """The tests that decided the condition's result, with the order's actual values, in reading order.

    A true `and` is justified by all its parts, a true `or` by its first true branch; a false `and` by
    its false parts, a false `or` by all its parts; an unknown result by its unknown parts. So a fired rule
    shows why it fired, and a rule that did not fire shows every threshold the order missed.
    """
    seen: set[tuple[str | None, str]] = set()
    checks: list[ConditionCheck] = []
    for test, label in _justification(expr, facts, None):
        text = to_text(test)
        if (label, text) in seen:
            continue
        seen.add((label, text))
        checks.append(_check(test, label, text, facts))
    return checks


def _justification(expr: Expr, facts: Mapping[str, Any], term: str | None) -> Iterator[tuple[Expr, str | None]]:
    if isinstance(expr, TESTS):
        yield expr, term
    elif isinstance(expr, Term):
        yield from _justification(expr.expr, facts, expr.name)
    elif isinstance(expr, Not):
        yield from _justification(expr.item, facts, term)
    elif isinstance(expr, (And, Or)):
        result = evaluate(expr, facts)
        decisive = False if isinstance(expr, And) else True
        if result is decisive:
            parts = [e for e in expr.items if evaluate(e, facts) is decisive]
            if isinstance(expr, Or):
                parts = parts[:1]  # the first true branch of an or; a false and keeps every false part
        elif result is None:
            parts = [e for e in expr.items if evaluate(e, facts) is None]
        else:
            parts = list(expr.items)
        for part in parts:
            yield from _justification(part, facts, term)


def _check(test: Expr, label: str | None, text: str, facts: Mapping[str, Any]) -> ConditionCheck:
    actual = facts.get(test.fact)
    if isinstance(test, InGroup) and actual is not None:
        shown: Any = f"{actual} (groups: {', '.join(sorted(facts.get(groups_key(test.fact), ()))) or 'none'})"
    elif isinstance(actual, (set, frozenset)):
        shown = sorted(actual)
    else:
        shown = actual
    margin = None
    if isinstance(test, Compare) and test.op in ("<", "<=", ">", ">=") and isinstance(actual, (int, float)):
        margin = round(float(actual) - float(test.value), 4)
    return ConditionCheck(test=text, fact=test.fact, actual=shown, result=_test(test, facts), term=label, margin=margin)
