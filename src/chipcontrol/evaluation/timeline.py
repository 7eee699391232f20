"""Legality over time: an order's verdict as consecutive segments of constant outcome, with what changed.

The timeline is computed from the dates at which anything the order depends on can change — rule
validities, the buyer's and seller's list entries, country-group memberships, the coverage — never by
evaluating every day. Between two such dates every fact and every applicable rule is constant, so the
verdict is too.
"""

from __future__ import annotations

import datetime as dt

from ..errors import InputError
from ..order import Order
from ..rulebook_data import RulebookData
from ..sources import Citation, CitationSpec
from ..timeline import ChangeKind, RuleChange, Segment, Timeline, change_dates
from ..verdict import Outcome, Verdict
from .pipeline import evaluate


def _key(verdict: Verdict) -> tuple:
    """What makes two days' verdicts the same segment: outcome, deciding rules and review policy (rule 11)."""
    return (verdict.outcome, tuple(verdict.deciding_rule_ids), verdict.review_policy)


def build_timeline(
    rulebook: RulebookData, order: Order, start: dt.date, end: dt.date, engine: str | None = None, posture="enforced", provisional=False
) -> Timeline:
    """The order's verdict over [start, end), as merged segments with the rule changes at each boundary."""
    if end <= start:
        raise InputError(f"the timeline's end {end} must be after its start {start}")
    cuts = sorted(d for d in change_dates(rulebook, order) if start < d < end)
    points = [start, *cuts]
    verdicts = [
        evaluate(rulebook, order.model_copy(update={"date": day}), engine=engine, posture=posture, provisional=provisional)
        for day in points
    ]

    runs: list[list[int]] = []  # indices of points with the same verdict, consecutive
    for i, verdict in enumerate(verdicts):
        if runs and _key(verdict) == _key(verdicts[runs[-1][-1]]):
            runs[-1].append(i)
        else:
            runs.append([i])
    segments = []
    for n, run in enumerate(runs):
        head = verdicts[run[0]]
        checked = sorted({f.rule_id for i in run for f in verdicts[i].checked if f.effect and f.effect.rank > 0})
        advisory = sorted({a.rule_id for i in run for a in verdicts[i].advisories if a.rule_id})
        cited = head.deciding_rule_ids or checked
        segments.append(
            Segment(
                start=points[run[0]],
                end=points[runs[n + 1][0]] if n + 1 < len(runs) else end,
                outcome=head.outcome,
                review_policy=head.review_policy,
                deciding_rule_ids=head.deciding_rule_ids,
                reason=head.reason,
                checked_rule_ids=checked,
                advisory_rule_ids=advisory,
                citations=_unique_citations(c for rule_id in cited for c in rulebook.citations_of(rule_id)),
                changes=_changes(rulebook, points[run[0]], verdicts[run[0] - 1], head) if n else [],
            )
        )
    first = verdicts[0]
    summary = (
        f"{first.order.item_name or '(no item)'} -> {first.order.buyer_name}, {first.order.destination}, {first.order.kind.value}"
    )
    return Timeline(
        order_summary=summary,
        start=start,
        end=end,
        segments=segments,
        rulebook_hash=rulebook.hash,
        engine=verdicts[0].engine,
    )


def _listing_rule(rulebook: RulebookData, verdict: Verdict) -> str | None:
    """The deciding rule that reads the buyer's Entity List status, if one decided this verdict."""
    return next((r for r in verdict.deciding_rule_ids if "buyer.entity_listed" in rulebook.facts_used[r]), None)


def _unique_citations(citations) -> list[Citation]:
    seen, out = set(), []
    for citation in citations:
        key = (citation.source_id, citation.quote)
        if key not in seen:
            seen.add(key)
            out.append(citation)
    return out


def _rule_ids(verdict: Verdict) -> set[str]:
    return {f.rule_id for f in verdict.findings} | {a.rule_id for a in verdict.advisories if a.rule_id}


def _changes(rulebook: RulebookData, day: dt.date, before: Verdict, after: Verdict) -> list[RuleChange]:
    """The rule changes on `day` that explain why `after` differs from `before`."""
    changes: list[RuleChange] = []
    involved = _rule_ids(before) | _rule_ids(after)
    for rule_id in sorted(involved):
        rule = rulebook.rules[rule_id]
        kind = None
        if rule.effective == day:
            kind = ChangeKind.EXCEPTION_STARTED if rule.is_exception else ChangeKind.CAME_INTO_FORCE
            text = f"{rule_id} came into force: {rule.title}"
        elif rule.until == day:
            kind = ChangeKind.EXCEPTION_EXPIRED if rule.is_exception else ChangeKind.ENDED
            text = f"{rule_id} ended: {rule.title}"
        if kind is not None:
            changes.append(
                RuleChange(date=day, kind=kind, rule_id=rule_id, description=text, citations=rulebook.citations_of(rule_id))
            )
    if before.outcome is Outcome.OUT_OF_COVERAGE or after.outcome is Outcome.OUT_OF_COVERAGE:
        if day in (rulebook.coverage.start, rulebook.coverage.until):
            changes.append(RuleChange(date=day, kind=ChangeKind.COVERAGE, description=after.reason if after.outcome is Outcome.OUT_OF_COVERAGE else "the rulebook's coverage starts"))
    record = rulebook.parties.get(after.order.buyer_id)
    for entry in record.lists if record else []:
        if day in (entry.added, entry.removed):
            kind = ChangeKind.LISTED if day == entry.added else ChangeKind.DELISTED
            verb = "added to" if kind is ChangeKind.LISTED else "removed from"
            changes.append(
                RuleChange(
                    date=day,
                    kind=kind,
                    rule_id=_listing_rule(rulebook, after) if entry.list.value == "entity_list" else None,
                    description=f"{record.name} was {verb} the {entry.list.value.replace('_', ' ')}"
                    + (f" (as {entry.listed_as})" if entry.listed_as else ""),
                    citations=[rulebook.cite(CitationSpec(source=entry.source))],
                )
            )
    if not changes:
        changes.append(
            RuleChange(date=day, kind=ChangeKind.OTHER, description=f"the order's facts changed on {day} (country groups)")
        )
    return changes
