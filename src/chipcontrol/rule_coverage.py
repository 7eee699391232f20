"""Rule coverage: which rules a set of evaluations (examples, property runs) saw fire, not fire and be
undetermined, and whether each of a rule's date boundaries and thresholds was seen from both sides.

Only orders the rulebook answered count (an `out_of_coverage` verdict exercises no rule). For each such order
every rule that speaks to its kind is looked at through its condition, on the order's facts:

- a rule valid on the order's date *fires*, *does not fire* or is *undetermined* as its condition is true,
  false or unknown (whatever other rules then made of it);
- a *threshold* (a number comparison in the condition, terms expanded) is seen on both sides when, on days
  the rule was valid, its comparison was seen true and seen false;
- a *date boundary* (the rule's effective or end date, inside the coverage) is seen on both sides when the
  condition held on an order dated before it and on one dated on or after it, each within the neighbouring
  boundaries of the rule (so the change of validity itself was exercised).

A rule is covered when it was seen firing and, unless its condition is the constant `true`, not firing.
Undetermined is reported, not required: a rule may read no fact an order can leave unknown.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from . import conditions as c
from .boundaries import DateBoundary, Threshold, rule_date_boundaries, rule_thresholds
from .errors import InputError
from .facts import build_facts
from .verdict import Outcome

_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@dataclass
class RuleCoverage:
    rule_id: str
    file: str
    constant: bool  # the condition is `true`: it cannot be seen not firing
    fired: int = 0
    not_fired: int = 0
    undetermined: int = 0
    dates: dict[DateBoundary, list[bool]] = field(default_factory=dict)  # [seen before, seen on/after]
    thresholds: dict[Threshold, list[bool]] = field(default_factory=dict)  # [seen false, seen true]

    @property
    def covered(self) -> bool:
        return self.fired > 0 and (self.not_fired > 0 or self.constant)

    @property
    def sides(self) -> tuple[int, int]:
        """(sides seen, sides there are) over its date boundaries and thresholds."""
        seen = [s for sides in (*self.dates.values(), *self.thresholds.values()) for s in sides]
        return sum(seen), len(seen)

    def missing(self) -> list[str]:
        """What is not yet exercised, in words."""
        out = []
        if not self.fired:
            out.append("never fired")
        if not self.not_fired and not self.constant:
            out.append("never seen not firing")
        for d, (before, after) in self.dates.items():
            if not (before and after):
                out.append(f"{d.edge} {d.day}: not seen {'before' if not before else 'on or after'}")
        for t, (false, true) in self.thresholds.items():
            if not (false and true):
                out.append(f"{t.text}: not seen {'false' if not false else 'true'}")
        return out


class CoverageCollector:
    """Pass `observe` to check_rulebook and check_examples; then `report()`."""

    def __init__(self, rulebook):
        self.rulebook = rulebook
        self.evaluations = 0
        self.counted = 0
        dates, thresholds = rule_date_boundaries(rulebook), rule_thresholds(rulebook)
        self.rules: dict[str, RuleCoverage] = {}
        self._windows: dict[DateBoundary, tuple[dt.date, dt.date]] = {}
        cov = rulebook.coverage
        for rule_id, rule in sorted(rulebook.rules.items()):
            entry = RuleCoverage(rule_id, rulebook.rule_files[rule_id], rulebook.conditions[rule_id] == c.Const(True))
            entry.dates = {d: [False, False] for d in dates[rule_id]}
            entry.thresholds = {t: [False, False] for t in thresholds[rule_id]}
            self.rules[rule_id] = entry
            cuts = [cov.start, *(d.day for d in dates[rule_id]), cov.last_encoded]
            for i, d in enumerate(dates[rule_id]):
                self._windows[d] = (cuts[i], cuts[i + 2])

    def observe(self, order, verdict) -> None:
        """Record one evaluation (the order and its verdict)."""
        self.evaluations += 1
        if verdict.outcome is Outcome.OUT_OF_COVERAGE:
            return
        try:
            resolved = self.rulebook.resolve(order)
        except InputError:
            return
        self.counted += 1
        facts = build_facts(resolved, self.rulebook.groups_on)
        day = resolved.date
        for rule_id, entry in self.rules.items():
            rule = self.rulebook.rules[rule_id]
            if resolved.kind not in rule.kinds:
                continue
            result = c.evaluate(self.rulebook.conditions[rule_id], facts)
            if rule.valid_on(day):
                if result is True:
                    entry.fired += 1
                elif result is False:
                    entry.not_fired += 1
                else:
                    entry.undetermined += 1
                for t, sides in entry.thresholds.items():
                    value = facts.get(t.fact)
                    if value is not None:
                        sides[int(bool(_OPS[t.op](value, t.value)))] = True
            if result is True:
                for d, sides in entry.dates.items():
                    low, high = self._windows[d]
                    if low <= day < d.day:
                        sides[0] = True
                    elif d.day <= day < high:
                        sides[1] = True

    def report(self) -> CoverageReport:
        return CoverageReport(list(self.rules.values()), self.evaluations, self.counted)


def _percent(ratio: float) -> str:
    """99.6 %, never rounded up to 100 % (a gap must show)."""
    return f"{math.floor(ratio * 1000) / 10:g} %"


@dataclass
class CoverageReport:
    rules: list[RuleCoverage]
    evaluations: int  # evaluations observed
    counted: int  # of which the rulebook answered (not out of coverage, not refused)

    @property
    def rule_ratio(self) -> float:
        return sum(r.covered for r in self.rules) / len(self.rules) if self.rules else 1.0

    @property
    def boundary_ratio(self) -> float:
        seen = sum(r.sides[0] for r in self.rules)
        total = sum(r.sides[1] for r in self.rules)
        return seen / total if total else 1.0

    def to_text(self) -> str:
        width = max((len(r.rule_id) for r in self.rules), default=4)
        lines = [f"{'rule':<{width}}  {'fired':>6} {'not':>6} {'undet':>6}  {'dates':>5}  {'thresholds':>10}  missing"]
        for r in self.rules:
            dates = sum(sum(s) for s in r.dates.values()), 2 * len(r.dates)
            thresholds = sum(sum(s) for s in r.thresholds.values()), 2 * len(r.thresholds)
            lines.append(
                f"{r.rule_id:<{width}}  {r.fired:>6} {r.not_fired:>6} {r.undetermined:>6}  "
                f"{f'{dates[0]}/{dates[1]}':>5}  {f'{thresholds[0]}/{thresholds[1]}':>10}  {'; '.join(r.missing())}"
            )
        covered = sum(r.covered for r in self.rules)
        seen, total = sum(r.sides[0] for r in self.rules), sum(r.sides[1] for r in self.rules)
        lines.append(
            f"rules: {covered}/{len(self.rules)} ({_percent(self.rule_ratio)}); boundary sides (dates and thresholds): "
            f"{seen}/{total} ({_percent(self.boundary_ratio)}); from {self.counted} answered of {self.evaluations} evaluations"
        )
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "rules_ratio": self.rule_ratio,
            "boundaries_ratio": self.boundary_ratio,
            "evaluations": self.evaluations,
            "answered": self.counted,
            "rules": [
                {
                    "rule_id": r.rule_id,
                    "file": r.file,
                    "fired": r.fired,
                    "not_fired": r.not_fired,
                    "undetermined": r.undetermined,
                    "covered": r.covered,
                    "dates": [{"day": d.day.isoformat(), "edge": d.edge, "before": s[0], "after": s[1]} for d, s in r.dates.items()],
                    "thresholds": [{"test": t.text, "false": s[0], "true": s[1]} for t, s in r.thresholds.items()],
                    "missing": r.missing(),
                }
                for r in self.rules
            ],
        }
