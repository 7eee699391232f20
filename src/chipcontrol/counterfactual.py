"""Counterfactuals: the nearest changes to an order that would flip its verdict, each re-evaluated (`whatif`).

For a restricted order (licence required, prohibited, or undetermined): the nearest dates before and after on
which it was or is permitted, for each chip figure a rule reads the nearest value that passes (and the margin in
percent), the destinations and buyer headquarters that would pass, and the authorisations that would permit it.
For a permitted order: the nearest dates on which it was or is restricted, and for each threshold it missed the
figure that would be caught and the rule change that would catch it. Every alternative carries the changed order
and its verdict, which is exactly what `rulebook.evaluate` gives for that order.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from enum import Enum
from typing import Any, Callable

from pydantic import Field

from .chips import Chip
from .conditions import And, Compare, Not, Or, Term, children, to_text as condition_text, walk
from .errors import InputError
from .order import Order
from .parties import Party
from .provenance import Strict
from .rules import Posture
from .verdict import Outcome, Verdict


#: How many of the other countries giving the same verdict a description names (`Change.also` has them all).
SHOWN = 12


class AlternativeKind(str, Enum):
    DATE = "date"
    FIGURE = "figure"
    DESTINATION = "destination"
    BUYER = "buyer"
    CLAIM = "claim"


class Change(Strict):
    """What an alternative changes in the order, and by how much."""

    field: str = Field(description="What changes: 'date', a chip fact ('chip.tpp'), 'destination', 'buyer.headquarters', 'claims'.")
    was: Any = Field(description="The order's value.")
    value: Any = Field(description="The value in the alternative.")
    margin_percent: float | None = Field(default=None, description="For a figure: (value - was) / was, in percent.")
    description: str = Field(description="The change in one sentence.")
    also: list[str] = Field(default_factory=list, description="Other values that give the same verdict (countries).")
    rule_change: str | None = Field(
        default=None, description="For a permitted order: the change to a rule's threshold that would catch it as it is."
    )


class Alternative(Strict):
    """A changed order and its verdict: `kind` of change, the `change`, the changed `order`, its `verdict`."""

    kind: AlternativeKind
    change: Change
    order: Order
    verdict: Verdict


#: Chip facts a counterfactual may move, and the step to the far side of a threshold.
FIGURES: dict[str, tuple[str, float]] = {
    "chip.tpp": ("tpp", 0.1),
    "chip.performance_density": ("performance_density", 0.01),
    "chip.io_bidirectional_gbps": ("io_bidirectional_gbps", 0.1),
    "chip.die_area_mm2": ("die_area_mm2", 0.1),
    "chip.memory_bandwidth_gbps": ("memory_bandwidth_gbps", 0.1),
}


def counterfactual(
    rulebook, order: Order, engine: str | None = None, posture: Posture | str = Posture.ENFORCED, provisional: bool = False
) -> list[Alternative]:
    """The nearest changes that flip the order's verdict (see the module's docstring), each with its verdict."""
    options = {"engine": engine, "posture": posture, "provisional": provisional}
    base = rulebook.evaluate(order, **options)
    if base.outcome is Outcome.OUT_OF_COVERAGE:
        return []
    restricted = base.permitted is not True
    target: Callable[[Verdict], bool] = (lambda v: v.permitted is True) if restricted else (lambda v: v.permitted is False)
    search = _Search(rulebook, order, base, target, options)
    alternatives = search.dates() + search.figures()
    if restricted:
        alternatives += search.destinations() + search.buyers() + search.claims()
    return alternatives


class _Search:
    """Evaluates changed orders and keeps those whose verdict meets the target."""

    def __init__(self, rulebook, order: Order, base: Verdict, target, options: dict):
        self.rulebook, self.order, self.base, self.target, self.options = rulebook, order, base, target, options
        self.resolved = rulebook.resolve(order)
        self.goal = "permitted" if base.permitted is not True else "restricted"

    def evaluate(self, order: Order) -> Verdict | None:
        try:
            return self.rulebook.evaluate(order, **self.options)
        except InputError:
            return None

    # -------------------------------------------------------------------------------------- dates

    def dates(self) -> list[Alternative]:
        """The last day before and the first day after the order's date on which the verdict meets the target."""
        cov = self.rulebook.coverage
        end = cov.last_encoded if self.options["provisional"] else cov.until
        timeline = self.rulebook.timeline(self.order, cov.start, end, **self.options)
        day = self.order.date
        before = [s for s in timeline.segments if s.end <= day and _meets(s.permitted, self.goal)]
        after = [s for s in timeline.segments if s.start > day and _meets(s.permitted, self.goal)]
        out = []
        if before:
            segment = before[-1]
            last = segment.end - dt.timedelta(days=1)
            following = next(s for s in timeline.segments if s.start == segment.end)
            why = "; ".join(c.description for c in following.changes)
            out += self._date(last, f"on {last}, the last day it was {self.goal} (on {segment.end}: {why})")
        if after:
            segment = after[0]
            why = "; ".join(c.description for c in segment.changes)
            out += self._date(segment.start, f"from {segment.start}, the first day it is {self.goal} ({why})")
        return out

    def _date(self, day: dt.date, description: str) -> list[Alternative]:
        changed = self.order.model_copy(update={"date": day})
        verdict = self.evaluate(changed)
        if verdict is None or not self.target(verdict):
            return []
        change = Change(field="date", was=str(self.order.date), value=str(day), description=description)
        return [Alternative(kind=AlternativeKind.DATE, change=change, order=changed, verdict=verdict)]

    # -------------------------------------------------------------------------------------- figures

    def figures(self) -> list[Alternative]:
        """For each chip figure the relevant rules compare with a threshold: the nearest value meeting the target."""
        chip = self.resolved.chip
        if chip is None:
            return []
        rules = self.rulebook.rules_on(self.order.date, self.order.kind)
        relevant = {f.rule_id for f in self.base.findings} if self.goal == "permitted" else {f.rule_id for f in self.base.checked}
        thresholds: dict[str, dict[float, list[tuple[str, Compare]]]] = {}
        for rule in rules:
            for node in walk(self.rulebook.conditions[rule.id]):
                if isinstance(node, Compare) and node.fact in FIGURES and isinstance(node.value, (int, float)):
                    thresholds.setdefault(node.fact, {}).setdefault(float(node.value), []).append((rule.id, node))
        read = set().union(*(self.rulebook.facts_used[r] for r in relevant)) if relevant else set()
        out = []
        for fact in sorted(thresholds):
            current = getattr(chip, FIGURES[fact][0])
            if fact not in read or current is None:
                continue
            alternative = self._figure(chip, fact, float(current), thresholds[fact])
            if alternative is not None:
                out.append(alternative)
        return out

    def _figure(self, chip: Chip, fact: str, current: float, thresholds) -> Alternative | None:
        field, step = FIGURES[fact]
        candidates = {round(t + d, 4) for t in thresholds for d in (-step, 0.0, step)}
        candidates = sorted((c for c in candidates if c > 0 and c != current), key=lambda c: (abs(c - current), c))
        for value in candidates:
            changed = self.order.model_copy(update={"item": _chip_with(chip, field, value)})
            verdict = self.evaluate(changed)
            if verdict is None or not self.target(verdict):
                continue
            margin = round((value - current) / current * 100, 2) if current else None
            label = fact.removeprefix("chip.")
            id_note = ""
            if any("chip.id" in self.rulebook.facts_used[r.id] for r in self.rulebook.rules_on(self.order.date, self.order.kind)):
                id_note = " (a different part: rules that name the chip by id no longer apply to it)"
            description = (
                f"a chip like {chip.name} with {label} {value:g} instead of {current:g} "
                f"({'+' if margin and margin > 0 else ''}{margin:g} %): {verdict.outcome.value}{id_note}"
            )
            change = Change(
                field=fact,
                was=current,
                value=value,
                margin_percent=margin,
                description=description,
                rule_change=self._rule_change(fact, current, value, thresholds, verdict) if self.goal == "restricted" else None,
            )
            return Alternative(kind=AlternativeKind.FIGURE, change=change, order=changed, verdict=verdict)
        return None

    def _rule_change(self, fact: str, current: float, value: float, thresholds, verdict: Verdict) -> str | None:
        """The nearest threshold change that catches the order as it is, checked by evaluating the order under
        the rulebook with that one test of one rule changed; None when no single such change does."""
        crossed = sorted(
            ((t, node) for t, uses in thresholds.items() for _, node in uses if min(current, value) <= t <= max(current, value)),
            key=lambda c: abs(c[0] - current),
        )
        step = FIGURES[fact][1]
        tried = set()
        for t, node in crossed:
            if node in tried or node.op not in (">=", ">", "<", "<="):
                continue
            tried.add(node)
            moved = round({">=": current, ">": current - step, "<": current + step, "<=": current}[node.op], 4)
            new = dataclasses.replace(node, value=int(moved) if moved.is_integer() else moved)
            applicable = self.rulebook.rules_on(self.order.date, self.order.kind)
            places = sorted({  # a shared term first (the definition the law uses), then a rule's own test
                ("term", term) if term else ("rule", rule.id)
                for rule in applicable for test, term in _places(self.rulebook.conditions[rule.id]) if test == node
            }, key=lambda place: (place[0] != "term", place[1]))
            for where, name in places:
                caught = self._under_changed_test(where, name, node, new)
                if caught is not None and self.target(caught):
                    deciding = ", ".join(caught.deciding_rule_ids)
                    return (f"{where} {name} with `{condition_text(node)}` changed to `{condition_text(new)}` would catch "
                            f"this order as it is: {caught.outcome.value} under {deciding}")
        return None

    def _under_changed_test(self, where: str, name: str, old: Compare, new: Compare) -> Verdict | None:
        """The order's verdict with the test `old` changed to `new` in one named term (wherever the term is used,
        as editing it in its rule file would) or in one rule's own condition: by the reference engine, on a
        shallow copy of the rulebook (the rulebook itself is not modified)."""
        conditions = self.rulebook.conditions
        variant = copy.copy(self.rulebook)
        if where == "term":
            variant.conditions = {r: _replace(expr, old, new, name) for r, expr in conditions.items()}
        else:
            variant.conditions = {**conditions, name: _replace(conditions[name], old, new, None)}
        variant._engines = {}
        try:
            return variant.evaluate(self.order, **{**self.options, "engine": "reference"})
        except InputError:
            return None

    # -------------------------------------------------------------------------------------- destinations, buyers

    def destinations(self) -> list[Alternative]:
        """Other destinations (the buyer unchanged) that would pass, grouped by the verdict they give."""
        return self._countries(
            "destination", self.resolved.destination, lambda code: self.order.model_copy(update={"destination": code}),
            AlternativeKind.DESTINATION, "shipped to {code} instead of {was}",
        )

    def buyers(self) -> list[Alternative]:
        """A buyer like this one headquartered elsewhere (same lists, the destination as the order gives it)."""
        buyer = self.resolved.buyer

        def changed(code: str) -> Order:
            other = Party(
                name=f"{buyer.name} (headquartered in {code})",
                headquarters=code,
                ultimate_parent_headquarters=code,
                lists=list(buyer.lists or []),
                ai_training_compute_ops=buyer.ai_training_compute_ops,
                ai_military_intelligence_surveillance=buyer.ai_military_intelligence_surveillance,
                designs_3a090a_ics=buyer.designs_3a090a_ics,
                other_semiconductor_activity=buyer.other_semiconductor_activity,
                quantum=buyer.quantum,
            )
            return self.order.model_copy(update={"buyer": other})

        follows = " (and shipped there: the order gives no destination)" if self.order.destination is None else ""
        return self._countries(
            "buyer.headquarters", buyer.headquarters, changed, AlternativeKind.BUYER,
            "a buyer like {name} (same list entries) headquartered in {code} instead of {was}" + follows,
        )

    def _countries(self, field: str, was: str | None, changed, kind: AlternativeKind, template: str) -> list[Alternative]:
        groups: dict[tuple, list[tuple[str, Order, Verdict]]] = {}
        for code in sorted(self.rulebook.countries):
            if code == was:
                continue
            order = changed(code)
            verdict = self.evaluate(order)
            if verdict is not None and self.target(verdict):
                key = (verdict.outcome, tuple(verdict.deciding_rule_ids), verdict.review_policy)
                groups.setdefault(key, []).append((code, order, verdict))
        out = []
        for members in groups.values():
            code, order, verdict = members[0]
            rest = [c for c, _, _ in members[1:]]
            text = template.format(code=code, was=was, name=self.resolved.buyer.name)
            shown = ", ".join(rest[:SHOWN]) + (", …" if len(rest) > SHOWN else "")
            text += f": {verdict.outcome.value}" + (f" (also {len(rest)} other countries: {shown})" if rest else "")
            change = Change(field=field, was=was, value=code, description=text, also=rest)
            out.append(Alternative(kind=kind, change=change, order=order, verdict=verdict))
        return out

    # -------------------------------------------------------------------------------------- claims

    def claims(self) -> list[Alternative]:
        """Each authorisation a rule in force defines that would permit the order if the exporter held and invoked it."""
        out = []
        for claim, rule_id in sorted(self.rulebook.resolver.claims.items()):
            rule = self.rulebook.rules[rule_id]
            if claim in self.order.claims or not rule.valid_on(self.order.date) or self.order.kind not in rule.kinds:
                continue
            changed = self.order.model_copy(update={"claims": [*self.order.claims, claim]})
            verdict = self.evaluate(changed)
            if verdict is not None and self.target(verdict):
                change = Change(
                    field="claims", was=list(self.order.claims), value=claim,
                    description=f"if the exporter holds and invokes {claim!r} ({rule_id}: {rule.title}): {verdict.outcome.value}",
                )
                out.append(Alternative(kind=AlternativeKind.CLAIM, change=change, order=changed, verdict=verdict))
        return out


def _meets(permitted: bool | None, goal: str) -> bool:
    return permitted is True if goal == "permitted" else permitted is False


def _chip_with(chip: Chip, field: str, value: float) -> Chip:
    """A hypothetical chip like `chip` with one figure changed (performance density re-derived unless it is the one)."""
    figures = {
        "vendor": chip.vendor,
        "tpp": chip.tpp,
        "io_bidirectional_gbps": chip.io_bidirectional_gbps,
        "die_area_mm2": chip.die_area_mm2,
        "datacenter": chip.datacenter,
        "subject_to_ear": chip.subject_to_ear,
        "memory_bandwidth_gbps": chip.memory_bandwidth_gbps,
    }
    if field == "performance_density":
        figures["performance_density"] = value
    else:
        figures[field] = value
    label = field.replace("_", " ")
    return Chip(name=f"{chip.name} with {label} {value:g}", **{k: v for k, v in figures.items() if v is not None})


def to_text(verdict: Verdict, alternatives: list[Alternative]) -> str:
    """The order's outcome, then each alternative in a line."""
    deciding = ", ".join(verdict.deciding_rule_ids) or "no restricting rule"
    lines = [f"{verdict.order.item_name or '(no item)'} -> {verdict.order.buyer_name}, {verdict.order.destination}, "
             f"{verdict.order.date}: {verdict.outcome.value} ({deciding})"]
    if verdict.outcome is Outcome.OUT_OF_COVERAGE:
        lines.append("no alternatives: the rulebook does not speak for this order")
    elif not alternatives:
        lines.append("no single change found that flips it")
    else:
        goal = "permitted" if verdict.permitted is not True else "restricted"
        lines.append(f"nearest changes that make it {goal}:")
        for alt in alternatives:
            lines.append(f"  [{alt.kind.value}] {alt.change.description}")
            if alt.change.rule_change:
                lines.append(f"      or a rule change: {alt.change.rule_change}")
    return "\n".join(lines)


def _places(expr, term: str | None = None):
    """Each comparison in `expr` with the name of the innermost term it is written in (None: the rule itself)."""
    if isinstance(expr, Compare):
        yield expr, term
    elif isinstance(expr, Term):
        yield from _places(expr.expr, expr.name)
    else:
        for child in children(expr):
            yield from _places(child, term)


def _replace(expr, old: Compare, new: Compare, term: str | None, inside: str | None = None):
    """`expr` with the test `old` replaced by `new` where it is written in term `term` (None: outside any term)."""
    if expr == old and inside == term:
        return new
    if isinstance(expr, Term):
        return dataclasses.replace(expr, expr=_replace(expr.expr, old, new, term, expr.name))
    if isinstance(expr, (And, Or)):
        return dataclasses.replace(expr, items=tuple(_replace(e, old, new, term, inside) for e in expr.items))
    if isinstance(expr, Not):
        return dataclasses.replace(expr, item=_replace(expr.item, old, new, term, inside))
    return expr
