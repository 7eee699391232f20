"""What every rulebook must keep, as plain functions: each checks one order (or pair) and raises
PropertyFailure, an AssertionError whose message states the property, what differed, and the order as YAML
ready to paste into a rule file's `examples:` (see counterexample.py). hypothesis is not needed to call them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..boundaries import order_change_days
from ..errors import InputError
from ..order import Order
from ..rulebook import Rulebook
from ..verdict import Outcome, Verdict
from .counterexample import example_yaml

DAY = dt.timedelta(days=1)
#: The chip figures monotonicity scales (an inline chip's; die area is dropped, density given instead).
SCALED_FIGURES = ("tpp", "performance_density", "io_bidirectional_gbps", "memory_bandwidth_gbps")


class PropertyFailure(AssertionError):
    """A property broken by an order; the message ends with the order as a rule-file example (written when the
    message is first asked for: hypothesis raises many while it shrinks)."""

    def __init__(self, statement: str, detail: str, rulebook: Rulebook, order: Order, engine: str | None = None):
        super().__init__(statement)
        self.statement, self.detail, self.order = statement, detail, order
        self._rulebook, self._engine, self._text = rulebook, engine, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = (f"{self.statement}\n  {self.detail}\n  as an example for a rule file (check the expected "
                          f"answer):\n{example_yaml(self._rulebook, self.order, engine=self._engine)}")
        return self._text


def _fail(statement: str, detail: str, rulebook: Rulebook, order: Order, engine: str | None = None) -> None:
    raise PropertyFailure(statement, detail, rulebook, order, engine)


def _key(verdict) -> tuple:
    return (verdict.outcome, list(verdict.deciding_rule_ids), verdict.review_policy)


def _say(key: tuple) -> str:
    outcome, deciding, policy = key
    return f"{outcome.value} by {', '.join(deciding) or 'no rule'}" + (f" ({policy.value})" if policy else "")


def timeline_agrees_with_points(rulebook: Rulebook, order: Order, start: dt.date, end: dt.date, engine: str | None = None) -> None:
    """The timeline over [start, end) has no gap or overlap, adjacent segments differ and each records the
    changes that start it, and the first and last day of every segment evaluate to the segment's outcome,
    deciding rules and review policy."""
    statement = "The timeline must agree with evaluating the order on each day."
    timeline = rulebook.timeline(order, start, end, engine=engine)
    segments = timeline.segments
    if segments[0].start != start or segments[-1].end != end:
        _fail(statement, f"segments span {segments[0].start} to {segments[-1].end}, not {start} to {end}", rulebook, order)
    for before, after in zip(segments, segments[1:]):
        if before.end != after.start or not before.start < before.end:
            _fail(statement, f"segment {before.start}..{before.end} is not followed by {after.start}", rulebook, order)
        if _key(before) == _key(after):
            _fail(statement, f"segments before and after {after.start} are the same ({_say(_key(after))})", rulebook, order)
        if not after.changes:
            _fail(statement, f"the segment from {after.start} records no rule change", rulebook, order)
    for segment in segments:
        for day in {segment.start, segment.end - DAY}:
            point = order.model_copy(update={"date": day})
            verdict = rulebook.evaluate(point, engine=engine)
            if _key(verdict) != _key(segment):
                _fail(statement, f"on {day} the timeline says {_say(_key(segment))}, evaluation {_say(_key(verdict))}",
                      rulebook, point, engine=engine)


def verdict_constant_between_boundaries(rulebook: Rulebook, order: Order, other_day: dt.date) -> None:
    """With no change day (boundaries.order_change_days) in (day, other_day], both days give the same verdict,
    but for the date itself."""
    low, high = sorted((order.date, other_day))
    if any(low < day <= high for day in order_change_days(rulebook, order)):
        return
    other = order.model_copy(update={"date": other_day})
    first = rulebook.evaluate(order).model_dump(exclude={"order", "reason"})
    second = rulebook.evaluate(other).model_dump(exclude={"order", "reason"})
    if first != second:
        differing = sorted(k for k in first if first[k] != second.get(k))
        _fail("The verdict must not change between two consecutive boundaries.",
              f"{order.date} and {other_day} differ in {', '.join(differing)} with no boundary between them", rulebook, order)


def _scaled(order: Order, factors: Sequence[float]) -> Order:
    chip = order.item
    figures = {name: getattr(chip, name) for name in SCALED_FIGURES}
    scaled = {name: (value * f if value is not None else None) for (name, value), f in zip(figures.items(), factors)}
    data = chip.model_dump(exclude={"die_area_mm2", *SCALED_FIGURES})
    return order.model_copy(update={"item": type(chip)(**data, **scaled)})


def monotone_in_figures(rulebook: Rulebook, order: Order, factors: Sequence[float]) -> None:
    """For an inline chip: one at most as strong on every figure (TPP, performance density, I/O, memory
    bandwidth) as a permitted chip is permitted, and one at least as strong as a chip that is not is not
    (`permitted` per design.md §3 rule 9, so a notification counts as permitted). Everything else about the
    order stays, the chip's name, vendor and datacenter flag too: the rulebook's stated exceptions (rules that
    name chips, Note 2 to 3A090 for non-datacenter chips) then cannot separate the two orders."""
    if not all(factor >= 0 for factor in factors):
        raise ValueError("factors must be >= 0")
    other = _scaled(order, factors)
    weak, strong = (other, order) if all(f <= 1 for f in factors) else (order, other) if all(f >= 1 for f in factors) else (None, None)
    if weak is None:
        raise ValueError("factors must be all <= 1 or all >= 1")
    w, s = rulebook.evaluate(weak), rulebook.evaluate(strong)
    if s.permitted is True and w.permitted is not True:
        _fail("A chip no stronger than a permitted chip must be permitted.",
              f"the stronger chip is {_say(_key(s))}, the weaker {_say(_key(w))}", rulebook, weak)
    if w.permitted is False and s.permitted is not False:
        _fail("A chip at least as strong as a chip that needs a licence (or is prohibited) must not be permitted.",
              f"the weaker chip is {_say(_key(w))}, the stronger {_say(_key(s))}", rulebook, strong)


def _essentials(verdict: Verdict) -> dict:
    return {
        "outcome": verdict.outcome,
        "deciding": verdict.deciding_rule_ids,
        "review_policy": verdict.review_policy,
        "findings": sorted((f.rule_id, f.role.value) for f in verdict.findings),
        "checked": sorted((f.rule_id, f.role.value) for f in verdict.checked),
    }


def engines_agree(rulebook: Rulebook, order: Order, engines: Sequence[str] = ("reference", "durable")) -> None:
    """Every engine gives the same verdict (all but its `engine` field), or the same error (design.md §3 rule 10).
    An engine that does not run here is left out."""
    from ..engines import ENGINES, UNAVAILABLE

    names = [e for e in engines if e in ENGINES and e not in UNAVAILABLE]
    answers = {}
    for name in names:
        try:
            answers[name] = rulebook.evaluate(order, engine=name)
        except InputError as exc:
            answers[name] = f"InputError: {exc}"
    first = names[0] if names else None
    for name in names[1:]:
        a, b = answers[first], answers[name]
        if isinstance(a, str) or isinstance(b, str):
            if a != b:
                _fail("Both engines must answer alike.", f"{first}: {str(a)[:200]}; {name}: {str(b)[:200]}", rulebook, order)
            continue
        if _essentials(a) != _essentials(b):
            _fail("Both engines must answer alike.", f"{first}: {_essentials(a)}; {name}: {_essentials(b)}", rulebook, order)
        if a.model_dump(mode="json", exclude={"engine"}) != b.model_dump(mode="json", exclude={"engine"}):
            _fail("Both engines must answer alike.", f"the verdicts of {first} and {name} differ beyond their outcome", rulebook, order)


def nothing_outside_coverage_is_permitted(rulebook: Rulebook, order: Order) -> None:
    """An order dated outside the coverage, of a kind it does not cover, or to (or for a buyer headquartered in)
    an excluded destination is `out_of_coverage` with permitted None, never a default answer (rules 5, 6)."""
    verdict = rulebook.evaluate(order)
    resolved = rulebook.resolve(order)
    cov = rulebook.coverage
    why = None
    if not cov.start <= order.date < cov.until:
        why = f"{order.date} is outside the coverage ({cov.start} to {cov.until - DAY})"
    elif resolved.kind not in cov.kinds:
        why = f"kind {resolved.kind.value} is not covered"
    elif rulebook.excluded_destination(resolved.destination, resolved.ear_destination, resolved.buyer.headquarters):
        why = "its destination or buyer headquarters is excluded from the coverage"
    if why and (verdict.outcome is not Outcome.OUT_OF_COVERAGE or verdict.permitted is not None):
        _fail("No order outside the coverage may get an answer.", f"{why}, yet the verdict is {_say(_key(verdict))}", rulebook, order)
    if verdict.permitted is True and why:
        _fail("No order outside the coverage may be permitted.", why, rulebook, order)


def advisories_never_decide(rulebook: Rulebook, without: Rulebook, order: Order) -> None:
    """The rulebook and `without` (the same without its proposed, reported and not-export-control rules,
    variants.without_advisories) give the same outcome, deciding rules, review policy and findings (rule 8)."""
    with_them, without_them = rulebook.evaluate(order), without.evaluate(order)
    a, b = _essentials(with_them), _essentials(without_them)
    if a != b:
        _fail("Rules that are only proposed, reported or not export controls must never change an answer.",
              f"with them: {a}; without: {b}", rulebook, order)


def layout_does_not_matter(rulebook: Rulebook, layouts: dict[str, Rulebook], order: Order) -> None:
    """The same rules laid out in other files (variants.relayouts) have the same content hash and give the
    same verdict, field for field."""
    expected = rulebook.evaluate(order).model_dump()
    for how, other in layouts.items():
        if other.hash != rulebook.hash:
            _fail("File layout must not change the rulebook's hash.", f"{how}: {other.hash[:12]} != {rulebook.hash[:12]}", rulebook, order)
        got = other.evaluate(order).model_dump()
        if got != expected:
            differing = sorted(k for k in expected if expected[k] != got.get(k))
            _fail("File layout must not change a verdict.", f"{how} layout: {', '.join(differing)} differ", rulebook, order)


#: The properties check_rulebook runs, by name, with the sentence each checks.
PROPERTIES = {
    "timeline_agrees_with_points": "the timeline agrees with evaluating each of its days, with either engine",
    "verdict_constant_between_boundaries": "the verdict is constant between consecutive boundaries",
    "monotone_in_figures": "a weaker chip than a permitted one is permitted; a stronger one than a restricted one is not",
    "engines_agree": "durable_rules and the reference evaluator give the same verdict",
    "nothing_outside_coverage_is_permitted": "no order outside the coverage gets an answer",
    "advisories_never_decide": "proposed, reported and not-export-control rules never change an answer",
    "layout_does_not_matter": "merged, split or shuffled rule files give the same hash and verdicts",
}
