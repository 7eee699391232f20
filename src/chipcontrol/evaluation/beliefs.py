"""What we knew when: how the answer for an order's date changed as rules, list entries and group changes became
public (knowledge.py). Evaluated once per day on which something became public, never day by day: between two
such days the rulebook as believed is the same, so the answer is too."""

from __future__ import annotations

from ..engines import get_engine
from ..errors import InputError
from ..knowledge import announcements
from ..order import Order
from ..rulebook_data import RulebookData
from ..timeline import Belief, BeliefTimeline
from ..verdict import Verdict
from .pipeline import evaluate_resolved, posture_of


def _key(verdict: Verdict) -> tuple:
    """Two answers are the same belief when outcome, deciding rules and review policy agree (rule 11)."""
    return (verdict.outcome, tuple(verdict.deciding_rule_ids), verdict.review_policy)


def _relevant(rulebook: RulebookData, day, before: Verdict, after: Verdict) -> list[str]:
    """What became public on `day` that bears on this order: the rules either answer read, the buyer's (and its
    owners') list entries, the group changes of the order's countries."""
    rules = {f.rule_id for v in (before, after) for f in (*v.findings, *v.checked)}
    order = after.order
    parties = {order.buyer_id} | {o.party for o in getattr(rulebook.parties.get(order.buyer_id), "owners", [])}
    countries = {order.destination, order.ear_destination, order.buyer_headquarters}
    wanted = {"rule": rules, "party": parties, "country": countries}
    return [text for what, ident, text in announcements(rulebook._loaded, day) if ident in wanted[what]]


def build_belief_timeline(
    rulebook: RulebookData, order: Order, engine: str | None = None, posture="enforced", provisional=False
) -> BeliefTimeline:
    """The answer for `order` (on its own date) as known on each day, merged into spans of the same answer.

    Only days up to the order's date can change it: a rule applies on the order's date only if it became public
    by then, and an end, a delisting or a group change that matters is public by the day it applies."""
    posture = posture_of(posture)
    runner = get_engine(rulebook, engine)
    today = evaluate_resolved(rulebook, rulebook.resolve(order), runner, posture, provisional)
    day = today.order.date
    days = [d for d in rulebook.knowledge_dates() if d <= day]
    if not days:
        raise InputError(f"nothing in the rulebook was public by the order's date {day}")
    views = [rulebook.as_known_on(d) for d in days]
    verdicts = [evaluate_resolved(view, view.resolve(order), runner, posture, provisional) for view in views]
    starts = [0] + [i for i in range(1, len(days)) if _key(verdicts[i]) != _key(verdicts[i - 1])]
    beliefs = []
    for n, i in enumerate(starts):
        head = verdicts[i]
        beliefs.append(
            Belief(
                known_from=days[i],
                known_until=days[starts[n + 1]] if n + 1 < len(starts) else None,
                outcome=head.outcome,
                review_policy=head.review_policy,
                deciding_rule_ids=head.deciding_rule_ids,
                announcements=_relevant(rulebook, days[i], verdicts[i - 1], head) if n else [],
            )
        )
    summary = f"{today.order.item_name or '(no item)'} -> {today.order.buyer_name}, {today.order.destination}, {today.order.kind.value}"
    return BeliefTimeline(order_summary=summary, order_date=day, beliefs=beliefs, rulebook_hash=rulebook.hash,
                          engine=today.engine)
