"""Where a rulebook's answers can change: the thresholds its rules compare figures with, and the dates on which
a rule, a list entry or a group membership begins or ends. Read from the rules, never typed in; used by the
test strategies (chipcontrol.testing) and by rule coverage (rule_coverage.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import conditions as c
from .facts import FACT_KINDS
from .timeline import rulebook_dates

if TYPE_CHECKING:
    from .rulebook import Rulebook


@dataclass(frozen=True, order=True)
class Threshold:
    """One comparison of a number fact with a literal in a rule's condition (terms expanded)."""

    rule_id: str
    fact: str
    op: str
    value: float

    @property
    def text(self) -> str:
        return f"{self.fact} {self.op} {self.value:g}"


@dataclass(frozen=True, order=True)
class DateBoundary:
    """A day on which a rule starts (`effective`) or stops (`until`) applying."""

    rule_id: str
    day: dt.date
    edge: str  # "effective" or "until"


def rule_thresholds(rulebook: Rulebook) -> dict[str, list[Threshold]]:
    """Per rule id: its number comparisons, each once, in a stable order."""
    out = {}
    for rule_id, expr in sorted(rulebook.conditions.items()):
        found = {
            Threshold(rule_id, node.fact, node.op, float(node.value))
            for node in c.walk(expr)
            if isinstance(node, c.Compare) and FACT_KINDS.get(node.fact) == "number" and not isinstance(node.value, bool)
        }
        out[rule_id] = sorted(found)
    return out


def threshold_values(rulebook: Rulebook) -> dict[str, list[float]]:
    """Per number fact: every value a rule compares it with (sorted)."""
    values: dict[str, set[float]] = {}
    for found in rule_thresholds(rulebook).values():
        for t in found:
            values.setdefault(t.fact, set()).add(t.value)
    return {fact: sorted(v) for fact, v in sorted(values.items())}


def rule_date_boundaries(rulebook: Rulebook) -> dict[str, list[DateBoundary]]:
    """Per rule id: its effective date and end date that fall strictly inside what the rulebook encodes
    (a boundary at or outside the coverage cannot be seen from both sides)."""
    cov = rulebook.coverage
    out = {}
    for rule_id, rule in sorted(rulebook.rules.items()):
        edges = [("effective", rule.effective), ("until", rule.until)]
        out[rule_id] = [DateBoundary(rule_id, day, edge) for edge, day in edges if day and cov.start < day < cov.last_encoded]
    return out


def change_days(rulebook: Rulebook) -> list[dt.date]:
    """Every day on which an answer of the rulebook may change: rule validity, catalog list entries, group
    memberships (both readings of contested ones), Hong Kong-style treatment, and the coverage's own bounds."""
    days = rulebook_dates(rulebook)
    for party in rulebook.parties.values():
        days.update(d for entry in party.lists for d in (entry.added, entry.removed) if d)
    return sorted(days)


def named_groups(rulebook: Rulebook) -> list[str]:
    """The EAR country groups the rules' conditions name."""
    return sorted({node.group for expr in rulebook.conditions.values() for node in c.walk(expr) if isinstance(node, c.InGroup)})


def named_countries(rulebook: Rulebook) -> list[str]:
    """Countries the rules' conditions name directly (destination in [...], buyer.headquarters == ...)."""
    codes = set()
    for expr in rulebook.conditions.values():
        for node in c.walk(expr):
            if FACT_KINDS.get(getattr(node, "fact", None)) != "country":
                continue
            if isinstance(node, c.Compare):
                codes.add(node.value)
            elif isinstance(node, c.InSet):
                codes.update(node.values)
    return sorted(str(code) for code in codes)


def named_strings(rulebook: Rulebook, fact: str) -> list[str]:
    """The literals the rules compare a string or set fact with (chip ids, order claims...)."""
    out = set()
    for expr in rulebook.conditions.values():
        for node in c.walk(expr):
            if getattr(node, "fact", None) != fact:
                continue
            if isinstance(node, (c.Compare, c.Contains)):
                out.add(node.value)
            elif isinstance(node, c.InSet):
                out.update(node.values)
    return sorted(str(v) for v in out)


def order_change_days(rulebook: Rulebook, order) -> list[dt.date]:
    """change_days, and the list entries of the order's inline parties (buyer, seller and their owners)."""
    from .parties import Party

    days = set(change_days(rulebook))
    todo = [order.buyer, order.seller]
    while todo:
        who = todo.pop()
        if isinstance(who, Party):
            days.update(d for entry in who.lists or () for d in (entry.added, entry.removed) if d)
            todo.extend(owner.party for owner in who.owners)
    return sorted(days)


def rule_literals(rulebook: Rulebook, rule_id: str) -> dict[str, list]:
    """What one rule's condition names: per fact, the literals it compares with, and the groups it tests."""
    out: dict[str, set] = {}
    for node in c.walk(rulebook.conditions[rule_id]):
        fact = getattr(node, "fact", None)
        if isinstance(node, (c.Compare, c.Contains)):
            out.setdefault(fact, set()).add(node.value)
        elif isinstance(node, c.InSet):
            out.setdefault(fact, set()).update(node.values)
        elif isinstance(node, c.InGroup):
            out.setdefault(f"{fact}#groups", set()).add(node.group)
    return {fact: sorted(values, key=str) for fact, values in out.items()}
