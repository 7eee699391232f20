"""Legality over time, the answer: a Timeline of consecutive segments of constant verdict, with what changed.

evaluation/timeline.py builds one; render_text, render_html and plot show it.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING

from pydantic import Field, computed_field

from .presentation import render
from .provenance import IsoDate, Strict
from .rules import ReviewPolicy
from .sources import Citation
from .verdict import Outcome

if TYPE_CHECKING:
    from .order import Order


class ChangeKind(str, Enum):
    CAME_INTO_FORCE = "came_into_force"
    ENDED = "ended"
    EXCEPTION_EXPIRED = "exception_expired"
    EXCEPTION_STARTED = "exception_started"
    LISTED = "listed"
    DELISTED = "delisted"
    COVERAGE = "coverage"
    OTHER = "other"


class RuleChange(Strict):
    """What happened on a segment boundary, and on whose authority."""

    date: IsoDate
    kind: ChangeKind
    rule_id: str | None = None
    description: str
    citations: list[Citation] = Field(default_factory=list)


class Segment(Strict):
    """[start, end) during which the order's verdict did not change."""

    start: IsoDate
    end: IsoDate = Field(description="Exclusive.")
    outcome: Outcome
    review_policy: ReviewPolicy | None = Field(default=None, description="For a licence-required segment (rule 11).")
    deciding_rule_ids: list[str]
    reason: str
    checked_rule_ids: list[str] = Field(
        default_factory=list, description="Restricting rules in force during the segment that the order did not meet."
    )
    advisory_rule_ids: list[str] = Field(default_factory=list, description="Reported or proposed rules shown as advisories.")
    citations: list[Citation] = Field(
        default_factory=list,
        description="The deciding rules' citations; for a segment no rule restricted, those of the rules it passed.",
    )
    changes: list[RuleChange] = Field(
        default_factory=list, description="What changed on `start` to begin this segment (empty for the first)."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def permitted(self) -> bool | None:
        return self.outcome.permitted



class Timeline(Strict):
    """An order's legality over [start, end): consecutive segments, adjacent ones differing."""

    order_summary: str
    start: IsoDate
    end: IsoDate
    segments: list[Segment]
    rulebook_hash: str
    engine: str

    def at(self, day: dt.date | str) -> Segment:
        """The segment containing `day`."""
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        for segment in self.segments:
            if segment.start <= day < segment.end:
                return segment
        raise KeyError(f"{day} is outside the timeline [{self.start}, {self.end})")

    def to_text(self) -> str:
        return render(self, "text")

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return render(self, "html")

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython shows the readable text form, not the model's repr."""
        printer.text(self.to_text())

    def plot(self, label: str | None = None, **kwargs):
        """Legality over time as a coloured bar (matplotlib; `pip install 'chipcontrol[plot]'`).

        Keyword arguments go to `chipcontrol.plot.plot_timelines`; returns the matplotlib Figure.
        """
        return render(self, "plot", label=label, **kwargs)


def change_dates(rulebook, order: Order) -> set[dt.date]:
    """Every date on which something this order depends on may change, in a loaded rulebook (a RulebookData)."""
    dates = rulebook_dates(rulebook)
    for who in (order.buyer, order.seller):
        dates |= rulebook.resolver.list_dates(who)
    return dates


def rulebook_dates(rulebook) -> set[dt.date]:
    """The dates on which any answer may change whoever the parties: the coverage's bounds, rule validity,
    group memberships (both readings of contested ones) and Hong Kong-style treatment."""
    cov = rulebook.coverage
    dates: set[dt.date] = {cov.start, cov.until, cov.last_encoded}
    for rule in rulebook.rules.values():
        dates.update(d for d in (rule.effective, rule.until) if d)
    for group in rulebook.groups.values():
        for member in group.members:
            other = member.contested
            dates.update(d for d in (member.since, member.until, *((other.since, other.until) if other else ())) if d)
    for country in rulebook.countries.values():
        if country.ear_treated_as:
            dates.add(country.ear_treated_as.since)
    return dates


class Belief(Strict):
    """One span of days over which the answer for the order's date, as then believed, stayed the same."""

    known_from: IsoDate = Field(description="First day this answer was what the public record gave.")
    known_until: IsoDate | None = Field(description="First day it no longer was (exclusive); null: still today.")
    outcome: Outcome
    review_policy: ReviewPolicy | None = None
    deciding_rule_ids: list[str] = Field(default_factory=list)
    announcements: list[str] = Field(
        default_factory=list, description="What became public on `known_from` (knowledge.py) and changed the answer."
    )


class BeliefTimeline(Strict):
    """How the answer for one order (on its own date) changed as rules, list entries and group changes became
    public: `Rulebook.belief_timeline`. Boundaries are days on which something became public."""

    order_summary: str
    order_date: IsoDate
    beliefs: list[Belief] = Field(description="Consecutive spans, earliest first; the last one is today's answer.")
    rulebook_hash: str
    engine: str

    def on(self, day: dt.date | str) -> Belief:
        """The belief held on `day`."""
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        for belief in self.beliefs:
            if belief.known_from <= day and (belief.known_until is None or day < belief.known_until):
                return belief
        raise ValueError(f"{day} is before the first day anything in the rulebook was public ({self.beliefs[0].known_from})")

    def to_text(self) -> str:
        return render(self, "text")

    def __str__(self) -> str:
        return self.to_text()
