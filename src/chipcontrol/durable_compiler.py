"""Compile the rulebook's condition ASTs to one durable_rules (Rete) ruleset, with three-valued results.

No Python lambdas: the output is plain durable_rules JSON, evaluated entirely in C. Nothing here imports
durable_rules, so this module works (and can be tested) on every Python version.

Three-valued logic
------------------
For each rule the compiler derives two monotone conditions, T (the reference evaluator says True) and F
(it says False), structurally::

    T(a and b) = T(a) and T(b)      F(a and b) = F(a) or F(b)
    T(a or b)  = T(a) or T(b)       F(a or b)  = F(a) and F(b)
    T(not a)   = F(a)               F(not a)   = T(a)

A test on an unknown fact must be in neither form. Unknown facts are *omitted* from the asserted fact, and
durable_rules never matches an alpha test (`$eq`, `$neq`, `$lt`, `$gte`, `$ex`, ...) on a property the
message does not have (events.c `handleAlpha` iterates the message's own properties), so a missing field
makes every test on it false (except `$nex`, "is absent", which only _disjoint below uses on purpose);
tests/test_durable_compiler.py checks this for every operator. Neither form firing means None.

Facts as small integers (no user data reaches durable_rules)
------------------------------------------------------------
Every value a rule compares is known at compile time, so each fact is encoded into a derived field whose
values are small integers (or true/false) before it is asserted:

* number facts: the *rank code* against the sorted distinct literals t_0 < ... < t_{n-1} that any rule
  compares the fact with: ``code(x) = 2 * #{t_i < x} + (1 if x equals some t_i else 0)``; literal t_i
  has code ``2i + 1``. The map is strictly monotone on the literals and exact (Python's own int/float
  comparison, via bisect), so ``x op t  <=>  code(x) op code(t)`` for every comparison: no float in
  durable_rules (H8), no huge ints (H7), no exponent notation. NaN is refused (InputError).
* string and country facts: ``1 + index`` of the value among the literals the rules name, ``0`` for any
  other string. Equality is the only test the condition language allows on them, so user strings (unicode,
  quotes, ``$``, backslashes, 70 KB aliases: H9, H15) never reach the engine.
* yes/no facts: JSON true/false.
* ``country in group("D:5")``: one boolean field per (country fact, group), present when the country is
  known, computed from ``facts[groups_key(fact)]``.
* ``order.claims contains "x"``: one boolean field per claim a rule names; claims no rule names are dropped.

Each form is then put in disjunctive normal form over *atoms* ``field in S`` (S a set of codes), merging
atoms on one field (intersection inside a product, union across products that differ in one field only)
and dropping absorbed products. Products of one form are then made disjoint where that is cheap (p_k and
not p_j, when that is again one product; "not" may add "the fact is unknown", tested with ``$nex``, at
most MAX_MISSING_ATOMS times per product), so that one fact fires few of them; overlaps that remain only
cost extra action frames, since the engine collects rule names into a set (H13).

Every product becomes one durable rule: the guard ``__t == "order"`` (H1), then an ``$and`` chain of atoms
in a fixed field order, so the alpha network is a prefix tree with no ``$or`` (no duplicate firings from
``$or`` branches, H13; no forward nodes; two of the 32 expression slots a durable rule has). An atom is a
range (``$gte``/``$lte``), a single ``$eq``, a range with a few ``$neq`` holes, ``$ex`` ("known"),
``$nex`` ("unknown"), or else it is split into one product per interval.

Structural limits are checked at compile time against a model of the network durable_rules builds
(rete.c ``createAlpha``/``findAlpha``, events.c ``handleAlpha``): distinct children per alpha node
(<= 511 in the hash set, <= 127 ``$nex``, H5), the depth of the matcher's 64-entry stack for any fact
(H5), rules per ruleset (<= 4096), actions ending at one node (< 256), properties per message (< 250),
and 32-bit FNV-1a collisions between field names and the names durable_rules reserves (H10). When the
rules as a whole break a limit they are split into several rulesets (the engine asserts into each); a
rule that breaks one on its own, or that the compiler cannot express, raises RulebookError naming it.
Inside a ruleset the F rules come first, because draining action frames scans the rules in order.

Rules the rulebook always asks about together (same status, validity and kinds) can be put behind one
boolean *request* field right after the guard (`request_groups`); the engine sets only the fields of the
rules it is asked about, and asserts only the fields those rules read, so the rules of other dates and
kinds neither match nor cost action frames.
"""

from __future__ import annotations

import bisect
import json
import math
import numbers
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import conditions as cond
from .conditions import OPERATORS, And, Compare, Const, Contains, InGroup, InSet, Not, Or, Term, TermRef, Truthy
from .errors import InputError, RulebookError, excerpt
from .facts import FACT_KINDS

# ------------------------------------------------------------------------------------------ limits

GUARD_FIELD = "__t"
GUARD_VALUE = "order"
ID_FIELD = "id"

#: Names durable_rules gives a meaning by their FNV-1a hash (state.h, rete.c, events.c). A field whose
#: hash equals one of these would be taken for it.
RESERVED_NAMES = (
    "id", "sid", "$s", "$i", "$m", "$l", "$r", "$forward", "$and", "$or", "$eq", "$neq", "$lt", "$lte",
    "$gt", "$gte", "$ex", "$nex", "$mt", "$imt", "$iall", "$iany", "$add", "$sub", "$mul", "$div",
    "all", "any", "pri", "count", "cap", "dist", "name", "$all", "$any", "$not",
)  # fmt: skip

MAX_CHILDREN = 511  # NEXT_BUCKET_LENGTH 512: 512 children hang the first assert, 513 hang create_ruleset
MAX_STACK = 64  # MAX_STACK_SIZE in events.c handleAlpha: error 303 beyond
MAX_RULES = 4096  # MAX_ACTIONS in rete.c: error 106 beyond
MAX_ACTIONS_PER_NODE = 255  # BETA_LIST_LENGTH 256
MAX_PROPERTIES = 250  # MAX_OBJECT_PROPERTIES 255, minus id, sid and slack
MAX_PRODUCTS = 2000  # per rule and form, at any step of the normal-form computation
MAX_NEX_CHILDREN = 127  # NEXT_LIST_LENGTH 128: `$nex` children of one alpha node
MAX_HOLES = 4  # `$neq` holes in a range before an atom is split into intervals
MAX_MISSING_ATOMS = 2  # "unknown" ($nex) atoms a product may get from _disjoint
MAX_LITERALS = 1000  # distinct values the rules compare one fact with (each test takes time and memory linear in it)
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_FIELD_NAME = 64

_NUMBER_OPS = OPERATORS


def fnv1a_32(name: str) -> int:
    """The 32-bit FNV-1a hash durable_rules uses for property names (state.c fnv1Hash32).

    The C code XORs a plain `char`, which is signed on x86: bytes >= 0x80 are sign-extended. Field names
    the compiler makes are ASCII, where both readings agree; the sign extension is reproduced anyway.
    """
    h = 0x811C9DC5
    for byte in name.encode("utf-8"):
        if byte >= 0x80:
            byte |= 0xFFFFFF00
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


class DurableCompileError(Exception):
    """One reason a condition cannot be compiled (wrapped into RulebookError naming the rule)."""


# ------------------------------------------------------------------------------------------ fields


@dataclass(frozen=True)
class FieldSpec:
    """A field of the asserted fact, derived from one fact of the facts mapping (or, for kind "request",
    set by the engine from the rule ids it is asked about)."""

    name: str  # durable field name, [A-Za-z_][A-Za-z0-9_]*
    fact: str  # the fact it is computed from ("" for a request field)
    kind: str  # "number" (rank code), "code" (string code), "bool", "group", "claim", "request"
    domain: tuple  # every value the field can take when present (ints 0..m, or (False, True))
    thresholds: tuple = ()  # number: sorted distinct literals
    codes: tuple = ()  # code: ((literal, code), ...)
    member: str | None = None  # group: group id; claim: claim name; request: the group's key


def _sanitise(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)[:MAX_FIELD_NAME]
    if not name or not (name[0].isalpha() or name[0] == "_"):
        name = "_" + name
    return name


class _FieldNames:
    """Hands out field names: sanitised, unique, and free of FNV-1a collisions with each other and with
    the names durable_rules reserves (H10). A colliding candidate gets a numeric suffix instead."""

    def __init__(self, reserved: Iterable[str] = RESERVED_NAMES):
        self._hashes: dict[int, str] = {fnv1a_32(n): n for n in reserved}
        self._hashes[fnv1a_32(GUARD_FIELD)] = GUARD_FIELD
        self.names: set[str] = set()
        self.renamed: list[tuple[str, str, str]] = []  # (wanted, given, reason)

    def take(self, wanted: str) -> str:
        base = _sanitise(wanted)
        candidate, n = base, 1
        while True:
            clash = self._hashes.get(fnv1a_32(candidate))
            if clash is None and FIELD_NAME.fullmatch(candidate):
                break
            if clash != candidate:
                self.renamed.append((wanted, candidate, f"its FNV-1a hash equals that of {clash!r}"))
            n += 1
            candidate = f"{base}_{n}"
        self._hashes[fnv1a_32(candidate)] = candidate
        self.names.add(candidate)
        return candidate


# ------------------------------------------------------------------------------------------ DNF

Product = dict  # field name -> frozenset of allowed codes; an empty product is "true"


def _key(product: Product) -> frozenset:
    """A product as a dict key (frozensets cache their hash: no sorting of the codes)."""
    return frozenset(product.items())


def _sort_key(value: Any) -> tuple:
    return (str(type(value)), value)


def _and(left: list[Product], right: list[Product]) -> list[Product]:
    out: list[Product] = []
    for p in left:
        for q in right:
            r = dict(p)
            for f, s in q.items():
                if f in r:
                    s = r[f] & s
                    if not s:
                        break
                r[f] = s
            else:
                out.append(r)
                if len(out) > MAX_PRODUCTS * 4:
                    raise DurableCompileError(f"the condition has more than {MAX_PRODUCTS} terms in normal form")
    return _simplify(out)


def _simplify(products: list[Product]) -> list[Product]:
    """Deduplicate, merge products that differ in one field only, drop absorbed products."""
    unique: dict[tuple, Product] = {}
    for p in products:
        unique.setdefault(_key(p), p)
    items = list(unique.values())
    changed = True
    while changed:
        changed = False
        # merge: (R and f in A) or (R and f in B) == R and f in (A | B)
        for f in sorted({f for p in items for f in p}):
            groups: dict[tuple, list[Product]] = defaultdict(list)
            rest = []
            for p in items:
                if f in p:
                    groups[_key({g: s for g, s in p.items() if g != f})].append(p)
                else:
                    rest.append(p)
            merged = []
            for group in groups.values():
                if len(group) > 1:
                    changed = True
                    union = frozenset().union(*(p[f] for p in group))
                    merged.append({**group[0], f: union})
                else:
                    merged.append(group[0])
            items = rest + merged
        # absorption: p absorbs q when q implies p
        keep: list[Product] = []
        items.sort(key=len)
        for q in items:
            if not any(_implies(q, p) for p in keep):
                keep.append(q)
        if len(keep) != len(items):
            changed = True
        items = keep
    if len(items) > MAX_PRODUCTS:
        raise DurableCompileError(f"the condition has more than {MAX_PRODUCTS} terms in normal form")
    return items


def _disjoint(products: list[Product], domains: Mapping[str, frozenset], fact_of: Mapping[str, str]) -> list[Product]:
    """Make products pairwise disjoint where that costs nothing, so that fewer of them match one fact.

    p_k becomes p_k and not p_j (j < k) when that is again a single product with no atom that allows
    MISSING: p_j differs from p_k in one field only, and that field is known to be present whenever p_k
    holds (p_k constrains it, or another field derived from the same fact). Otherwise the overlap stays:
    the engine deduplicates firings (H13), this only saves action frames.
    """
    out: list[Product] = []
    for k, q in enumerate(products):
        r: Product | None = q
        for p in products[:k]:
            r = _minus_one(r, p, domains, fact_of)
            if r is None:
                break
        if r is not None:
            out.append(r)
    return out


def _minus_one(r: Product, p: Product, domains: Mapping[str, frozenset], fact_of: Mapping[str, str]) -> Product | None:
    """r and not p when that is one product (None: empty), else r unchanged."""
    if any(f in r and not (r[f] & s) for f, s in p.items()):
        return r  # already disjoint
    present_facts = {fact_of[f] for f, s in r.items() if MISSING not in s}
    outside_field = None
    for f, s in p.items():
        if f in r:
            have = r[f]
        elif fact_of[f] in present_facts:
            have = domains[f]
        elif sum(MISSING in v for v in r.values()) < MAX_MISSING_ATOMS:
            have = domains[f] | {MISSING}
        else:
            return r  # `not p` would need "f is unknown" once too often: leave the overlap
        if not have <= s:
            if outside_field is not None:
                return r  # two or more pieces: leave the overlap
            outside_field = f
            outside = have - s
    if outside_field is None:
        return None  # r implies p: nothing left
    return {**r, outside_field: outside}


def _implies(q: Product, p: Product) -> bool:
    """q implies p: every field p constrains, q constrains at least as tightly."""
    return all(f in q and q[f] <= s for f, s in p.items())


TRUE: list[Product] = [{}]
FALSE: list[Product] = []
MISSING = None  # stands for "the field is absent (the fact is unknown)" in the network model


# ------------------------------------------------------------------------------------------ compiler


@dataclass
class NetworkStats:
    """The alpha network durable_rules will build, as modelled by the compiler."""

    shards: int = 0  # rulesets the rules are split into
    durable_rules: int = 0
    alpha_nodes: int = 0
    max_children: int = 0
    max_stack: int = 0
    max_actions_per_node: int = 0
    fields: int = 0
    products_per_rule: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class CompiledRulebook:
    """A rulebook compiled to one durable_rules ruleset, and how to encode facts for it."""

    rules: dict[str, dict]  # durable rule name -> {"all": [{"m": condition}]}
    rule_ids: tuple[str, ...]  # index -> rule id
    outcome_of: dict[str, tuple[int, bool]]  # durable rule name -> (rule index, form: True or False)
    fields: dict[str, FieldSpec]
    stats: NetworkStats
    shards: list[dict[str, dict]] = field(default_factory=list)  # the rules split into rulesets
    renamed_fields: list = field(default_factory=list)
    request_field: dict[str, str] = field(default_factory=dict)  # rule id -> its request group's field

    def __post_init__(self) -> None:
        if not self.shards:
            self.shards = [self.rules]
        self.ruleset_jsons = [json.dumps(shard, separators=(",", ":"), ensure_ascii=True) for shard in self.shards]
        self.index_of = {rule_id: i for i, rule_id in enumerate(self.rule_ids)}
        self._fields_of_rule: dict[str, set[str]] = defaultdict(set)
        for name, rule in self.rules.items():
            rule_id = self.rule_ids[self.outcome_of[name][0]]
            for test in rule["all"][0]["m"]["$and"]:
                for arg in test.values():
                    self._fields_of_rule[rule_id].update(arg)
        self._always = [r for r in self.rule_ids if r not in self.request_field]
        self._group_rules: dict[str, list[str]] = defaultdict(list)
        for rule_id, group_field in self.request_field.items():
            self._group_rules[group_field].append(rule_id)
        self._plans: dict[frozenset | None, _Plan] = {None: _encoding_plan(self.fields.values())}

    def _plan_for(self, groups: frozenset) -> _Plan:
        """The encoding plan for the fields the rules of these request groups (and the ungrouped) read."""
        plan = self._plans.get(groups)
        if plan is None:
            names: set[str] = set()
            for rule_id in [*self._always, *(r for g in groups for r in self._group_rules[g])]:
                names |= self._fields_of_rule[rule_id]
            plan = _encoding_plan(spec for name, spec in self.fields.items() if name in names)
            if len(self._plans) < 4096:
                self._plans[groups] = plan
        return plan

    def encode(self, facts: Mapping[str, Any], rule_ids: Iterable[str] | None = None) -> dict[str, Any]:
        """The fact to assert for a facts mapping, to evaluate `rule_ids` (None: every rule): the guard,
        the request-group fields of those rules, and the fields those rules read (not `id`). Unknown facts
        are left out.

        Raises InputError for a value whose type does not match its fact's kind, or a NaN number, and
        KeyError for an unknown rule id.
        """
        requested = self.requested(rule_ids)
        plan = self._plans[None] if rule_ids is None else self._plan_for(frozenset(requested))
        out: dict[str, Any] = {GUARD_FIELD: GUARD_VALUE, **requested}
        get = facts.get
        for fact, thresholds, name in plan.numbers:
            value = get(fact)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise InputError(f"fact {fact} must be a number, not {type(value).__name__} {value!r}")
            if value != value:
                raise InputError(f"fact {fact} is NaN")
            i = bisect.bisect_left(thresholds, value)
            out[name] = 2 * i + (1 if i < len(thresholds) and thresholds[i] == value else 0)
        for fact, codes, name in plan.codes:
            value = get(fact)
            if value is None:
                continue
            if not isinstance(value, str):
                raise InputError(f"fact {fact} must be a string, not {type(value).__name__} {value!r}")
            out[name] = codes.get(value, 0)
        for fact, name in plan.bools:
            value = get(fact)
            if value is None:
                continue
            if not isinstance(value, bool):
                raise InputError(f"fact {fact} must be true or false, not {type(value).__name__} {value!r}")
            out[name] = value
        for fact, members in plan.groups:
            if get(fact) is None:
                continue
            groups = get(cond.groups_key(fact)) or ()
            for group, name in members:
                out[name] = group in groups
        for fact, members in plan.claims:
            value = get(fact)
            if value is None:
                continue
            if not isinstance(value, (set, frozenset, list, tuple)):
                raise InputError(f"fact {fact} must be a set of names, not {type(value).__name__}")
            for claim, name in members:
                out[name] = claim in value
        return out

    def requested(self, rule_ids: Iterable[str] | None) -> dict[str, bool]:
        """The request-group fields to add to the asserted fact for `rule_ids` (None: every rule).

        Raises KeyError for an unknown rule id, as the reference engine does."""
        fields = self.request_field
        if rule_ids is None:
            return dict.fromkeys(fields.values(), True)
        index = self.index_of
        out: dict[str, bool] = {}
        for rule_id in rule_ids:
            index[rule_id]
            name = fields.get(rule_id)
            if name is not None:
                out[name] = True
        return out

    def results(self, fired: Iterable[str]) -> list[bool | None]:
        """Per rule index: True (a T rule fired), False (an F rule fired) or None (neither)."""
        out: list[bool | None] = [None] * len(self.rule_ids)
        for name in fired:
            index, form = self.outcome_of[name]
            if out[index] is not None and out[index] is not form:
                raise RuntimeError(f"durable: rule {self.rule_ids[index]!r} matched both True and False")
            out[index] = form
        return out


@dataclass
class _Plan:
    numbers: list
    codes: list
    bools: list
    groups: list
    claims: list


def _encoding_plan(specs: Iterable[FieldSpec]) -> _Plan:
    plan = _Plan([], [], [], [], [])
    groups: dict[str, list] = defaultdict(list)
    claims: dict[str, list] = defaultdict(list)
    for spec in specs:
        if spec.kind == "number":
            plan.numbers.append((spec.fact, list(spec.thresholds), spec.name))
        elif spec.kind == "code":
            plan.codes.append((spec.fact, dict(spec.codes), spec.name))
        elif spec.kind == "bool":
            plan.bools.append((spec.fact, spec.name))
        elif spec.kind == "group":
            groups[spec.fact].append((spec.member, spec.name))
        elif spec.kind == "claim":
            claims[spec.fact].append((spec.member, spec.name))
    plan.groups = [(fact, tuple(m)) for fact, m in groups.items()]
    plan.claims = [(fact, tuple(m)) for fact, m in claims.items()]
    return plan


_KIND_ORDER = {"request": -1, "bool": 0, "group": 1, "claim": 2, "code": 3, "number": 4}


class _Compiler:
    def __init__(self, conditions: Mapping[str, cond.Expr], fact_kinds: Mapping[str, str], reserved: Iterable[str]):  # noqa: D107
        self.conditions = conditions
        self.kinds = fact_kinds
        self.names = _FieldNames(reserved)
        self.problems: list[str] = []
        self.fields: dict[tuple, FieldSpec] = {}
        self._literals: dict[str, dict] = defaultdict(dict)  # fact -> its distinct literals (as keys)
        self._code_tables: dict[str, tuple[frozenset, dict]] = {}

    # -------------------------------------------------------------------------- pass 1: fields

    def collect(self, rule_id: str, expr: cond.Expr) -> None:
        for node in cond.walk(expr):
            if isinstance(node, TermRef):
                raise DurableCompileError(f"term {excerpt(node.name)} is not resolved")
            if not isinstance(node, cond.TESTS):
                if not isinstance(node, (Const, Term, Not, And, Or)):
                    raise DurableCompileError(f"unsupported condition node {type(node).__name__}")
                continue
            kind = self.kinds.get(node.fact)
            if kind is None:
                raise DurableCompileError(f"unknown fact {excerpt(node.fact)}")
            if isinstance(node, Truthy):
                if kind != "bool":
                    raise DurableCompileError(f"{node.fact} is a {kind}, not a yes/no fact")
            elif isinstance(node, (Compare, InSet)):
                values = [node.value] if isinstance(node, Compare) else sorted(node.values, key=_sort_key)
                if isinstance(node, InSet) and len(values) > MAX_CHILDREN:
                    raise DurableCompileError(f"{node.fact} in a set of {len(values)} values (at most {MAX_CHILDREN})")
                op = node.op if isinstance(node, Compare) else "=="
                if op not in _NUMBER_OPS:
                    raise DurableCompileError(f"unknown comparison {excerpt(op)}")
                literals = self._literals[node.fact]
                before = len(literals)
                for value in values:
                    self._check_literal(node.fact, kind, op, value)
                    literals[value] = None
                if before <= MAX_LITERALS < len(literals):
                    raise DurableCompileError(
                        f"the rules up to this one compare {node.fact} with more than {MAX_LITERALS} distinct values"
                    )
            elif isinstance(node, InGroup):
                if kind != "country":
                    raise DurableCompileError(f"group() applies to a country fact, not {node.fact} ({kind})")
                if not isinstance(node.group, str):
                    raise DurableCompileError(f"group name {excerpt(node.group)} is not a string")
            elif isinstance(node, Contains):
                if kind != "set":
                    raise DurableCompileError(f"'contains' applies to a set fact, not {node.fact} ({kind})")
                if not isinstance(node.value, str):
                    raise DurableCompileError(f"'contains' needs a string, not {excerpt(node.value)}")

    @staticmethod
    def _check_literal(fact: str, kind: str, op: str, value: Any) -> None:
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DurableCompileError(f"{fact} is a number; {excerpt(value)} is not")
            if isinstance(value, float) and not math.isfinite(value):
                raise DurableCompileError(f"{fact} compared with {excerpt(value)}, which is not a finite number")
            return
        if op not in ("==", "!="):
            raise DurableCompileError(f"{fact} is a {kind}; only == and != (or in) apply, not {op}")
        if kind == "bool":
            if not isinstance(value, bool):
                raise DurableCompileError(f"{fact} is yes/no; compare it with true or false, not {excerpt(value)}")
        elif kind in ("string", "country"):
            if not isinstance(value, str):
                raise DurableCompileError(f"{fact} is a {kind}; {excerpt(value)} is not a string")
        else:
            raise DurableCompileError(f"{fact} is a {kind}; it cannot be compared with {excerpt(value)}")

    def make_fields(self) -> None:
        seen: dict[tuple, None] = {}  # field keys in reading order
        for expr in self.conditions.values():
            seen.update(dict.fromkeys(_field_keys(expr)))
        for fact in (key[0] for key in seen if len(key) == 1):
            kind = self.kinds[fact]
            literals = self._literals.get(fact, {})
            if kind == "number":
                thresholds = tuple(sorted(set(literals)))
                spec = FieldSpec(
                    self.names.take(fact), fact, "number", tuple(range(2 * len(thresholds) + 1)), thresholds
                )
                self.fields[(fact,)] = spec
            elif kind == "bool":
                self.fields[(fact,)] = FieldSpec(self.names.take(fact), fact, "bool", (False, True))
            elif kind in ("string", "country") and literals:
                distinct = sorted(set(literals))
                codes = tuple((lit, i + 1) for i, lit in enumerate(distinct))
                spec = FieldSpec(self.names.take(fact), fact, "code", tuple(range(len(distinct) + 1)), codes=codes)
                self.fields[(fact,)] = spec
        for fact, _, group in (key for key in seen if key[1:2] == ("group",)):
            name = self.names.take(f"{fact}__in_{group}")
            self.fields[(fact, "group", group)] = FieldSpec(name, fact, "group", (False, True), member=group)
        for fact, _, claim in (key for key in seen if key[1:2] == ("claim",)):
            name = self.names.take(f"{fact}__has_{claim}")
            self.fields[(fact, "claim", claim)] = FieldSpec(name, fact, "claim", (False, True), member=claim)

    # -------------------------------------------------------------------------- pass 2: forms

    def forms(self, expr: cond.Expr, memo: dict) -> tuple[list[Product], list[Product]]:
        """(T, F) of a condition, each a list of products. A test's forms are not memoised: a number test's
        hold a set as large as its field's domain, which would otherwise stay for every distinct test."""
        if isinstance(expr, cond.TESTS):
            return self._test_forms(expr)
        found = memo.get(expr)
        if found is not None:
            return found
        if isinstance(expr, Term):
            result = self.forms(expr.expr, memo)
        elif isinstance(expr, Not):
            t, f = self.forms(expr.item, memo)
            result = (f, t)
        elif isinstance(expr, (And, Or)):
            parts = [self.forms(item, memo) for item in expr.items]
            conj = [p[0] for p in parts] if isinstance(expr, And) else [p[1] for p in parts]
            disj = [p[1] for p in parts] if isinstance(expr, And) else [p[0] for p in parts]
            all_of = TRUE
            for d in sorted(conj, key=len):  # the narrowest first keeps intermediate products few
                all_of = _and(all_of, d)
                if not all_of:
                    break
            any_of = _simplify([p for d in disj for p in d]) if len(disj) > 1 else disj[0]
            result = (all_of, any_of) if isinstance(expr, And) else (any_of, all_of)
        else:  # Const
            result = (TRUE, FALSE) if expr.value else (FALSE, TRUE)
        memo[expr] = result
        return result

    def _tables(self, spec: FieldSpec) -> tuple[frozenset, dict]:
        """A field's domain as a set, and the code of each literal (a number's rank code 2i + 1); built once
        per field, as they take time linear in the number of literals."""
        tables = self._code_tables.get(spec.name)
        if tables is None:
            codes = {t: 2 * i + 1 for i, t in enumerate(spec.thresholds)} if spec.kind == "number" else dict(spec.codes)
            tables = self._code_tables[spec.name] = (frozenset(spec.domain), codes)
        return tables

    def _test_forms(self, test: cond.Expr) -> tuple[list[Product], list[Product]]:
        if isinstance(test, InGroup):
            spec = self.fields[(test.fact, "group", test.group)]
            return [{spec.name: frozenset({True})}], [{spec.name: frozenset({False})}]
        if isinstance(test, Contains):
            spec = self.fields[(test.fact, "claim", test.value)]
            return [{spec.name: frozenset({True})}], [{spec.name: frozenset({False})}]
        spec = self.fields[(test.fact,)]
        domain, codes = self._tables(spec)
        if isinstance(test, Truthy):
            allowed = frozenset({True})
        elif spec.kind == "bool":
            values = {test.value} if isinstance(test, Compare) else set(test.values)
            allowed = frozenset(v for v in spec.domain if v in values)
            if isinstance(test, Compare) and test.op == "!=":
                allowed = domain - allowed
        elif spec.kind == "number" and isinstance(test, Compare):
            allowed = _codes_where(test.op, codes[test.value], spec.domain, domain)
        else:  # a string or country code, or a number in a set
            values = [test.value] if isinstance(test, Compare) else list(test.values)
            allowed = frozenset(codes[v] for v in values)
            if isinstance(test, Compare) and test.op == "!=":
                allowed = domain - allowed
        t = [{spec.name: allowed}] if allowed else FALSE
        rest = domain - allowed
        f = [{spec.name: rest}] if rest else FALSE
        return t, f


def _field_keys(expr: cond.Expr) -> list[tuple]:
    """The keys of the fields a condition may read, in reading order: (fact,) for every test, and
    (fact, "group", group) or (fact, "claim", claim) for a group or claim test."""
    keys = []
    for node in cond.walk(expr):
        if isinstance(node, cond.TESTS):
            keys.append((node.fact,))
        if isinstance(node, InGroup):
            keys.append((node.fact, "group", node.group))
        if isinstance(node, Contains):
            keys.append((node.fact, "claim", node.value))
    return keys


@contextmanager
def _nesting_guard() -> Iterator[None]:
    """A condition nested deeper than Python's recursion limit is a DurableCompileError, not a crash."""
    try:
        yield
    except RecursionError:
        raise DurableCompileError("the condition is nested too deeply to compile") from None


def _codes_where(op: str, c: int, codes: tuple, code_set: frozenset) -> frozenset:
    """The rank codes k of a number field (`codes` = 0, 1, ..., also as `code_set`) with `k op c`, taken
    from `codes` (no new int objects)."""
    if op == "!=":
        return code_set - {c}
    lo, hi = {"==": (c, c + 1), "<": (0, c), "<=": (0, c + 1), ">": (c + 1, len(codes)), ">=": (c, len(codes))}[op]
    return frozenset(codes[lo:hi])


def compile_rulebook(
    conditions: Mapping[str, cond.Expr],
    fact_kinds: Mapping[str, str] = FACT_KINDS,
    *,
    where: Mapping[str, str] | None = None,
    reserved: Iterable[str] = RESERVED_NAMES,
    request_groups: Mapping[str, Any] | None = None,
) -> CompiledRulebook:
    """Compile rule id -> resolved condition into one durable_rules ruleset.

    `request_groups` (rule id -> any hashable, None for no group) puts rules that are usually asked for
    together (the rulebook asks for the rules valid on the order's date for its kind) behind one boolean
    field right after the guard: the engine sets the fields of the groups it is asked about, so rules
    nobody asked for neither match nor produce action frames.

    Raises RulebookError naming every rule that cannot be compiled, and naming the limit when the ruleset
    as a whole would break one of durable_rules' structural limits.
    """
    where = where or {}
    compiler = _Compiler(conditions, fact_kinds, reserved)

    def label(rule_id: str) -> str:
        return f"{where[rule_id]}: rule {excerpt(rule_id)}" if rule_id in where else f"rule {excerpt(rule_id)}"

    problems: list[str] = []
    for rule_id, expr in conditions.items():
        try:
            with _nesting_guard():
                compiler.collect(rule_id, expr)
        except DurableCompileError as exc:
            problems.append(f"{label(rule_id)}: cannot be compiled for durable_rules: {exc}")
    if problems:
        raise RulebookError(problems)
    compiler.make_fields()
    request_field: dict[str, str] = {}  # rule id -> its group's field
    group_fields: dict[Any, str] = {}
    for rule_id in conditions:
        group = (request_groups or {}).get(rule_id)
        if group is not None:
            if group not in group_fields:
                name = compiler.names.take(f"__req{len(group_fields)}")
                group_fields[group] = name
                compiler.fields[("request", name)] = FieldSpec(name, "", "request", (False, True), member=repr(group))
            request_field[rule_id] = group_fields[group]
    specs = {spec.name: spec for spec in compiler.fields.values()}
    if len(specs) + 2 > MAX_PROPERTIES:
        widest = max(conditions, key=lambda rule_id: len(compiler.fields.keys() & set(_field_keys(conditions[rule_id]))))
        raise RulebookError(
            [
                f"{label(widest)}: cannot be compiled for durable_rules: the rules need {len(specs)} fact fields "
                f"(at most {MAX_PROPERTIES - 2}); this rule reads the most of them"
            ]
        )
    order = {name: (_KIND_ORDER[s.kind], s.fact, name) for name, s in specs.items()}

    rules: dict[str, dict] = {}
    outcome_of: dict[str, tuple[int, bool]] = {}
    rule_ids = tuple(conditions)
    stats = NetworkStats(fields=len(specs))
    memo: dict = {}
    domains = {name: frozenset(spec.domain) for name, spec in specs.items()}
    fact_of = {name: spec.fact for name, spec in specs.items()}
    per_rule: list[tuple[str, list[tuple[str, list[Test]]]]] = []
    for index, rule_id in enumerate(rule_ids):
        try:
            with _nesting_guard():
                t_form, f_form = compiler.forms(conditions[rule_id], memo)
            t_form, f_form = _disjoint(t_form, domains, fact_of), _disjoint(f_form, domains, fact_of)
            counts = []
            chains: list[tuple[str, list[Test]]] = []
            asked = [("$eq", request_field[rule_id], True)] if rule_id in request_field else []
            for form, products in ((True, t_form), (False, f_form)):
                emitted = 0
                for product in products:
                    for chain in _chains(product, specs, order):
                        chain = asked + chain
                        name = f"r{index}{'t' if form else 'f'}{emitted}"
                        emitted += 1
                        chains.append((name, chain))
                        outcome_of[name] = (index, form)
                        rules[name] = _durable_rule(chain)
                counts.append(emitted)
            stats.products_per_rule[rule_id] = (counts[0], counts[1])
            per_rule.append((rule_id, chains))
        except DurableCompileError as exc:
            problems.append(f"{label(rule_id)}: cannot be compiled for durable_rules: {exc}")
    if problems:
        raise RulebookError(problems)
    shards = _shard(per_rule, specs, stats, label)
    return CompiledRulebook(
        rules=rules,
        rule_ids=rule_ids,
        outcome_of=outcome_of,
        fields=specs,
        stats=stats,
        shards=[{name: rules[name] for name, _ in sorted(shard, key=_firing_order)} for shard in shards],
        renamed_fields=list(compiler.names.renamed),
        request_field=request_field,
    )


def _firing_order(item: tuple[str, list[Test]]) -> tuple:
    """Order of the durable rules in a ruleset: the ones most likely to fire first.

    start_action_for_state / complete_and_start_action find the next action by scanning every rule of the
    ruleset from the first (state.c getNextResultInState), so each action frame costs a scan up to its
    rule. Most rules are False for most orders: F rules go first, then the fewest tests first."""
    name, chain = item
    return (name[len(name.rstrip("0123456789")) - 1] != "f", len(chain), name)


def _shard(per_rule: list, specs: Mapping[str, FieldSpec], stats: NetworkStats, label) -> list[list]:
    """Split the durable rules into as few rulesets as durable_rules' limits allow (H5: "if a rule family
    would break them, split it into several rulesets and assert into each"). The durable rules of one
    source rule stay together; a source rule that breaks a limit on its own is a RulebookError.

    Adding rules never lowers a node's children or the stack depth, so each ruleset takes the longest run
    of source rules that fits, found by galloping and bisection (O(log n) network checks per ruleset)."""
    groups = [(rule_id, chains) for rule_id, chains in per_rule if chains]
    shards: list[tuple[list, NetworkStats]] = []

    def fits(start: int, end: int) -> NetworkStats | None:
        trial = NetworkStats()
        chains = [chain for _, group in groups[start:end] for chain in group]
        return None if _network_problems(chains, specs, trial) else trial

    start = 0
    while start < len(groups):
        first = fits(start, start + 1)
        if first is None:
            rule_id, chains = groups[start]
            problems = _network_problems(chains, specs, NetworkStats())
            raise RulebookError([f"{label(rule_id)}: cannot be compiled for durable_rules: {p}" for p in problems])
        good, good_stats, step = start + 1, first, 1
        bad = None
        while good < len(groups):  # gallop
            probe = min(len(groups), good + step)
            trial = fits(start, probe)
            if trial is None:
                bad = probe
                break
            good, good_stats, step = probe, trial, step * 2
        while bad is not None and bad - good > 1:  # bisect between the last fit and the first misfit
            mid = (good + bad) // 2
            trial = fits(start, mid)
            if trial is None:
                bad = mid
            else:
                good, good_stats = mid, trial
        shards.append(([chain for _, group in groups[start:good] for chain in group], good_stats))
        start = good
    if not shards:
        shards.append(([], NetworkStats()))
    stats.shards = len(shards)
    stats.durable_rules = sum(len(chains) for chains, _ in shards)
    stats.alpha_nodes = sum(st.alpha_nodes for _, st in shards)
    stats.max_children = max(st.max_children for _, st in shards)
    stats.max_stack = max(st.max_stack for _, st in shards)
    stats.max_actions_per_node = max(st.max_actions_per_node for _, st in shards)
    return [chains for chains, _ in shards]


# ------------------------------------------------------------------------------------------ emission

Test = tuple  # (operator, field name, value)


def _chains(product: Product, specs: Mapping[str, FieldSpec], order: Mapping[str, tuple]) -> list[list[Test]]:
    """The `$and` chains (lists of alpha tests) for one product: one, or several when an atom is split."""
    chains: list[list[Test]] = [[]]
    for name in sorted(product, key=order.__getitem__):
        options = _atom_tests(name, product[name], specs[name].domain)
        chains = [chain + option for chain in chains for option in options]
    return chains


def _atom_tests(name: str, allowed: frozenset, domain: tuple) -> list[list[Test]]:
    """Disjoint alternatives (each a list of tests that must all hold) that together say `name in allowed`."""
    if MISSING in allowed:
        present = allowed - {MISSING}
        return [[("$nex", name, 1)]] + (_atom_tests(name, present, domain) if present else [])
    if allowed == frozenset(domain):
        return [[("$ex", name, 1)]]
    if domain == (False, True):
        (value,) = allowed
        return [[("$eq", name, value)]]
    values = sorted(allowed)
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    lo, hi = values[0], values[-1]
    holes = [k for k in range(lo, hi + 1) if k not in allowed]
    if len(holes) <= MAX_HOLES:
        return [_range(name, lo, hi, domain) + [("$neq", name, h) for h in holes]]
    return [_range(name, a, b, domain) for a, b in runs]


def _range(name: str, lo: int, hi: int, domain: tuple) -> list[Test]:
    if lo == hi:
        return [("$eq", name, lo)]
    tests = []
    if lo > domain[0]:
        tests.append(("$gte", name, lo))
    if hi < domain[-1]:
        tests.append(("$lte", name, hi))
    return tests or [("$ex", name, 1)]


def _durable_rule(chain: list[Test]) -> dict:
    tests = [{"$eq": {GUARD_FIELD: GUARD_VALUE}}] + [{op: {name: value}} for op, name, value in chain]
    return {"all": [{"m": {"$and": tests}}]}


# ------------------------------------------------------------------------------------------ network


def _matches(op: str, const: Any, value: Any) -> bool:
    """Whether durable's alpha test `field op const` holds for a present field with `value`."""
    if op == "$nex":
        return value is MISSING
    if value is MISSING:
        return False
    if op == "$ex":
        return True
    return {
        "$eq": value == const,
        "$neq": value != const,
        "$lt": value < const,
        "$lte": value <= const,
        "$gt": value > const,
        "$gte": value >= const,
    }[op]


def _candidates(domain: tuple, tests: list[Test]) -> list:
    """Values of a field at which the number of matching tests can be largest: the count is constant
    between the tests' constants, so for integer codes the constants and their neighbours suffice."""
    if len(domain) <= 8 or not all(isinstance(v, int) and not isinstance(v, bool) for v in (domain[0], domain[-1])):
        return [*domain, MISSING]  # (domains are all integers or all yes/no: the ends tell which)
    lo, hi = domain[0], domain[-1]
    values = {lo, hi}
    for _, _, const in tests:
        if isinstance(const, int) and not isinstance(const, bool):
            values.update(v for v in (const - 1, const, const + 1) if lo <= v <= hi)
    return [*sorted(values), MISSING]


def _network_problems(
    chains: list[tuple[str, list[Test]]], specs: Mapping[str, FieldSpec], stats: NetworkStats
) -> list[str]:
    """Model the alpha network one ruleset of `chains` gives (a prefix tree: root -> guard -> tests, as
    rete.c findAlpha shares equal tests under one parent), record it in `stats`, return broken limits."""
    children: dict[int, dict[Test, int]] = defaultdict(dict)
    actions: dict[int, int] = defaultdict(int)
    guard: Test = ("$eq", GUARD_FIELD, GUARD_VALUE)
    next_id = 1
    for _name, chain in chains:
        node = 0
        for test in [guard, *chain]:
            kids = children[node]
            if test not in kids:
                kids[test] = next_id
                next_id += 1
            node = kids[test]
        actions[node] += 1
    stats.durable_rules = len(chains)
    stats.alpha_nodes = next_id - 1
    # `$nex` children live in a node's next list (128 slots), the others in its hash set (512 slots)
    stats.max_children = max((sum(t[0] != "$nex" for t in k) for k in children.values()), default=0)
    max_nex = max((sum(t[0] == "$nex" for t in k) for k in children.values()), default=0)
    stats.max_actions_per_node = max(actions.values(), default=0)
    problems = []
    if max_nex > MAX_NEX_CHILDREN:
        problems.append(f"an alpha node would have {max_nex} `$nex` children (at most {MAX_NEX_CHILDREN})")
    if len(chains) > MAX_RULES:
        problems.append(f"{len(chains)} durable rules in one ruleset (at most {MAX_RULES})")
    if stats.max_children > MAX_CHILDREN:
        problems.append(f"an alpha node would have {stats.max_children} children (at most {MAX_CHILDREN})")
    if stats.max_actions_per_node > MAX_ACTIONS_PER_NODE:
        problems.append(
            f"{stats.max_actions_per_node} durable rules end at one alpha node (at most {MAX_ACTIONS_PER_NODE})"
        )

    domains = {name: spec.domain for name, spec in specs.items()}
    domains[GUARD_FIELD] = (GUARD_VALUE,)
    peak_memo: dict[int, int] = {}

    def pushes(node: int) -> int:
        by_field: dict[str, list[Test]] = defaultdict(list)
        for test in children[node]:
            by_field[test[1]].append(test)
        total = 0
        for name, tests in by_field.items():
            total += max(sum(_matches(op, c, v) for op, _, c in tests) for v in _candidates(domains[name], tests))
        return total

    def peak_of(root: int) -> int:
        """Stack entries the matcher needs below `node`: it pops a node, pushes its matching children,
        then works on the last pushed while the others wait (events.c handleAlpha). An upper bound: every
        child may be the one worked on first. Iterative, post-order, over the prefix tree."""
        order, todo = [], [root]
        while todo:
            node = todo.pop()
            order.append(node)
            todo.extend(children.get(node, {}).values())
        for node in reversed(order):
            kids = children.get(node)
            if not kids:
                peak_memo[node] = 0
                continue
            k = pushes(node)
            peak_memo[node] = max(k, k - 1 + max(peak_memo[c] for c in kids.values()))
        return peak_memo[root]

    stats.max_stack = peak_of(0)
    if stats.max_stack > MAX_STACK:
        problems.append(
            f"a fact could put {stats.max_stack} alpha nodes on durable_rules' match stack (at most {MAX_STACK})"
        )
    return problems
