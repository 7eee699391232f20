"""From which rules fired to a Verdict: exceptions, precedence, unknown facts (design.md section 3)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .chips import FIGURE_FACTS
from .conditions import TriState, explain
from .provenance import trusted
from .facts import ResolvedOrder
from .rules import Effect, Posture, ReviewPolicy, Rule, Status
from .sources import Citation
from .version import __version__
from .verdict import Advisory, AdvisoryKind, Finding, OrderSummary, Outcome, Role, Verdict

if TYPE_CHECKING:
    from .rulebook_data import RulebookData

#: Above this many undecidable rules, the outcome is `undetermined` without trying every combination.
MAX_UNKNOWN_RULES = 10


def outcome_of(active: set[str], rules: Mapping[str, Rule]) -> tuple[Effect, set[str], set[str]]:
    """The effect of a set of firing rules: (effect, suppressed rule ids, exceptions that applied).

    Rule 3: a firing exception suppresses the rules it names; its own effect counts only when it
    suppressed something, so an exception never adds a restriction. Rule 4: most restrictive effect wins.
    """
    active = {r for r in active if not rules[r].is_review}  # review rules never change the outcome (rule 11)
    exceptions = [rules[r] for r in active if rules[r].is_exception]
    suppressed = {target for e in exceptions for target in e.exempts if target in active}
    applied = {e.id for e in exceptions if any(t in active for t in e.exempts)}
    effects = [rules[r].effect for r in active if not rules[r].is_exception and r not in suppressed]
    effects += [rules[r].effect for r in applied]
    return max(effects, key=lambda e: e.rank, default=Effect.PERMITTED), suppressed, applied


@dataclass(frozen=True)
class Decision:
    """What the rules decided, from which of them fired or were unknown; it depends on nothing else of the
    order, so it is computed once per pattern (`decision_of`) and shared by every order with that pattern."""

    outcome: Outcome
    unknown: tuple[str, ...]  # undecidable non-review rules, sorted
    roles: tuple[tuple[Rule, Role, tuple[str, ...], ReviewPolicy | None], ...]  # (rule, role, suppressed by, policy), findings order
    checked: tuple[Rule, ...]  # the rules that did not fire, in the order asked
    review_policy: ReviewPolicy | None
    policy_conditions: tuple[str, ...]

    @property
    def deciding_rule_ids(self) -> list[str]:
        """As `Verdict.deciding_rule_ids` computes them from the findings."""
        role = Role.UNDETERMINED if self.outcome is Outcome.UNDETERMINED else Role.DECIDING
        return sorted(rule.id for rule, r, _, _ in self.roles if r is role and rule.effect is not None)


def decision_of(rulebook: RulebookData, in_force: list[Rule], results: Mapping[str, TriState]) -> Decision:
    """The decision for these rules with these results (cached per rulebook: patterns repeat)."""
    key = (tuple(r.id for r in in_force), tuple(results[r.id] for r in in_force))
    cache = rulebook.caches().decisions
    found = cache.get(key)
    if found is None:
        found = cache[key] = _decide(rulebook.rules, in_force, results)
    return found


def _decide(rules: Mapping[str, Rule], in_force: list[Rule], results: Mapping[str, TriState]) -> Decision:
    fired = {r.id for r in in_force if results[r.id] is True}
    unknown = sorted(r.id for r in in_force if results[r.id] is None and not r.is_review)

    effect, suppressed, applied = outcome_of(fired, rules)
    outcome = Outcome.of(effect)
    if unknown:
        possible = _possible_effects(fired, unknown, rules)
        if possible is None or len(possible) > 1:
            outcome = Outcome.UNDETERMINED
    deciding = {
        r.id for r in in_force
        if r.id in fired and not r.is_review and not r.is_exception and r.id not in suppressed
        and outcome is not Outcome.UNDETERMINED and Outcome.of(r.effect) is outcome
    } | {e for e in applied if Outcome.of(rules[e].effect) is outcome}
    policies = _policies(rules, in_force, results, deciding) if outcome is Outcome.LICENSE_REQUIRED else {}
    setters = _policy_setters(rules, in_force, results, policies)

    roles = []
    checked = []
    for rule in in_force:
        result = results[rule.id]
        if result is False:
            checked.append(rule)
            continue
        if result is None:
            role = Role.UNDETERMINED
        elif rule.is_review:
            role = Role.REVIEW if rule.id in setters else Role.IDLE_EXCEPTION
        elif rule.id in suppressed:
            role = Role.SUPPRESSED
        elif rule.is_exception and rule.id not in applied:
            role = Role.IDLE_EXCEPTION
        elif rule.id in deciding:
            role = Role.DECIDING
        else:
            role = Role.CONTRIBUTING
        by = tuple(sorted(e for e in applied if rule.id in rules[e].exempts)) if role is Role.SUPPRESSED else ()
        policy = rule.review_policy if rule.is_review else policies.get(rule.id)
        roles.append((rule, role, by, policy))
    roles.sort(key=lambda r: (_ROLE_ORDER[r[1]], -(r[0].effect.rank if r[0].effect else -1), r[0].id))
    policy = _most_restrictive(policies.values()) if policies else None
    return Decision(
        outcome=outcome,
        unknown=tuple(unknown),
        roles=tuple(roles),
        checked=tuple(checked),
        review_policy=policy,
        policy_conditions=tuple(
            dict.fromkeys(c for r in sorted(setters) if rules[r].review_policy is policy for c in rules[r].policy_conditions)
        ),
    )


def decide(
    rulebook: RulebookData,
    order: ResolvedOrder,
    facts: Mapping[str, Any],
    in_force: list[Rule],
    advisory_rules: list[Rule],
    results: Mapping[str, TriState],
    engine: str,
) -> Verdict:
    """Build the verdict from each applicable rule's condition result (True, False or None for unknown)."""
    decision = decision_of(rulebook, in_force, results)
    findings = [
        _finding(rulebook, rule, role, facts, suppressed_by=list(by), review_policy=policy)
        for rule, role, by, policy in decision.roles
    ]
    checked = [_finding(rulebook, rule, Role.NOT_FIRED, facts) for rule in decision.checked]
    advisories = _advisories(rulebook, order, facts, advisory_rules, results, findings)
    outcome = decision.outcome
    return trusted(
        Verdict,
        order=_summary(order),
        outcome=outcome,
        review_policy=decision.review_policy,
        policy_conditions=list(decision.policy_conditions),
        reason=_reason(outcome, findings, list(decision.unknown), order),
        findings=findings,
        checked=checked,
        advisories=advisories,
        reason_citations=[],
        posture=Posture.ENFORCED,
        provisional=False,
        known_on=None,
        rulebook_hash=rulebook.hash,
        engine=engine,
        library_version=__version__,
    )


_ROLE_ORDER = {
    Role.DECIDING: 0,
    Role.REVIEW: 1,
    Role.UNDETERMINED: 2,
    Role.CONTRIBUTING: 3,
    Role.SUPPRESSED: 4,
    Role.IDLE_EXCEPTION: 5,
    Role.NOT_FIRED: 6,
}


def _policies(rules: Mapping[str, Rule], in_force: list[Rule], results: Mapping[str, TriState], deciding: set[str]):
    """Each deciding licence requirement's review policy for this order (None: unknown, rule 11).

    A firing review rule that names the requirement sets it (the most restrictive, if several fire); else
    the requirement's own policy. A review rule whose result is unknown leaves the policy unknown when it
    would change it."""
    out: dict[str, ReviewPolicy | None] = {}
    for rule_id in sorted(deciding):
        rule = rules[rule_id]
        if rule.effect is not Effect.LICENSE_REQUIRED:
            continue
        reviewers = [r for r in in_force if r.is_review and rule_id in r.reviews]
        sure = [r.review_policy for r in reviewers if results[r.id] is True]
        maybe = [r.review_policy for r in reviewers if results[r.id] is None]
        outcomes = {
            _most_restrictive(sure + list(subset)) if sure or subset else rule.review_policy
            for size in range(len(maybe) + 1)
            for subset in itertools.combinations(maybe, size)
        }
        out[rule_id] = outcomes.pop() if len(outcomes) == 1 else None
    return out


def _policy_setters(rules, in_force: list[Rule], results, policies: Mapping[str, ReviewPolicy | None]) -> set[str]:
    """The firing review rules that set the policy standing for some deciding requirement."""
    return {
        r.id for r in in_force
        if r.is_review and results[r.id] is True and any(policies.get(t) is r.review_policy for t in r.reviews)
    }


def _most_restrictive(policies) -> ReviewPolicy | None:
    """Rule 11: the most restrictive policy stands; an unknown one leaves it unknown unless denial is known."""
    policies = list(policies)
    if ReviewPolicy.PRESUMPTION_OF_DENIAL in policies:
        return ReviewPolicy.PRESUMPTION_OF_DENIAL
    if not policies or None in policies:
        return None
    return max(policies, key=lambda p: p.rank)


def _possible_effects(fired: set[str], unknown: list[str], rules: Mapping[str, Rule]) -> set[Effect] | None:
    """Every outcome the unknown rules could lead to (rule 7); None when there are too many to try."""
    if len(unknown) > MAX_UNKNOWN_RULES:
        return None
    possible: set[Effect] = set()
    for size in range(len(unknown) + 1):
        for subset in itertools.combinations(unknown, size):
            possible.add(outcome_of(fired | set(subset), rules)[0])
    return possible


def _finding(
    rulebook: RulebookData,
    rule: Rule,
    role: Role,
    facts: Mapping[str, Any],
    suppressed_by: list[str] | None = None,
    review_policy: ReviewPolicy | None = None,
) -> Finding:
    expr = rulebook.conditions[rule.id]
    missing = sorted(f for f in rulebook.facts_used[rule.id] if facts.get(f) is None) if role is Role.UNDETERMINED else []
    return trusted(  # every value comes from validated models
        Finding,
        private={"_explain": lambda: explain(expr, facts), "_checks": None},
        **rulebook.finding_fields[rule.id],
        role=role,
        suppressed_by=suppressed_by or [],
        missing_facts=missing,
        review_policy=review_policy,
    )


def _advisories(
    rulebook: RulebookData,
    order: ResolvedOrder,
    facts: Mapping[str, Any],
    advisory_rules: list[Rule],
    results: Mapping[str, TriState],
    findings: list[Finding],
) -> list[Advisory]:
    out = [Advisory(kind=AdvisoryKind(note.kind), message=note.message) for note in order.notes]
    for rule in advisory_rules:
        if results[rule.id] is False:
            continue
        maybe = " (may apply: a fact it needs is unknown)" if results[rule.id] is None else ""
        kind, why = _ADVISORY_OF[rule.status]
        out.append(
            Advisory(
                kind=kind,
                rule_id=rule.id,
                status=rule.status,
                message=f"{rule.title}{maybe}: {rule.explanation.strip()} ({why}; does not change the outcome)",
                citations=rulebook.citations_of(rule.id),
            )
        )
    for finding in findings:
        if finding.role is Role.UNDETERMINED:
            out.append(
                Advisory(
                    kind=AdvisoryKind.DATA_GAP,
                    rule_id=finding.rule_id,
                    message=f"{finding.rule_id} needs {', '.join(finding.missing_facts)}, which is unknown for this order",
                )
            )
    if order.chip is not None and order.chip.id in rulebook.chips:
        record = rulebook.chips[order.chip.id]
        disputed = set(record.disputed_figures)
        for finding in findings:
            if finding.role not in (Role.DECIDING, Role.UNDETERMINED):
                continue
            used = rulebook.facts_used[finding.rule_id]
            for figure in sorted(disputed):
                if FIGURE_FACTS[figure] & used:
                    out.append(
                        Advisory(
                            kind=AdvisoryKind.DISPUTED_FIGURE,
                            rule_id=finding.rule_id,
                            message=f"{finding.rule_id} reads {figure} of {record.name}, which sources dispute "
                            f"(see catalog/chips.yaml)",
                        )
                    )
    involved = {f.rule_id for f in findings if f.role is not Role.IDLE_EXCEPTION} | {a.rule_id for a in out if a.rule_id}
    for item in rulebook.discrepancies.values():
        if involved & set(item.rule_ids):
            out.append(
                Advisory(
                    kind=AdvisoryKind.DISCREPANCY,
                    message=f"{item.article.source} says {item.article_says}; the law: {item.law_says}",
                    citations=[rulebook.cite(item.article), *(rulebook.cite(spec) for spec in item.law_citations)],
                )
            )
    if order.ear_destination != order.destination:
        out.append(
            Advisory(
                kind=AdvisoryKind.NOTE,
                message=f"destination {order.destination} is treated as {order.ear_destination} under the EAR",
            )
        )
    return out


_ADVISORY_OF = {
    Status.REPORTED: (AdvisoryKind.REPORTED, "not in force"),
    Status.PROPOSED: (AdvisoryKind.PROPOSED, "not in force"),
    Status.NOT_EXPORT_CONTROL: (AdvisoryKind.NOT_EXPORT_CONTROL, "not an export control"),
}


def _reason(outcome: Outcome, findings: list[Finding], unknown: list[str], order: ResolvedOrder) -> str:
    deciding = [f for f in findings if f.role is Role.DECIDING]
    if outcome is Outcome.UNDETERMINED:
        missing = sorted({m for f in findings for m in f.missing_facts})
        reason = f"undetermined: the outcome depends on unknown facts ({', '.join(missing)}) needed by {', '.join(unknown)}"
        if order.unknown_facts & set(missing):
            reason += " (the buyer may be a listed party: see the possible_list_match advisory)"
        return reason
    if deciding:
        return f"{outcome.value} under " + ", ".join(f"{f.rule_id} ({f.title})" for f in deciding)
    if outcome is Outcome.PERMITTED:
        return "permitted: no restricting rule in force on this date applies to this order"
    return outcome.value


def _summary(order: ResolvedOrder) -> OrderSummary:
    return trusted(
        OrderSummary,
        item_id=order.chip.id if order.chip else None,
        item_name=order.chip.name if order.chip else None,
        buyer_id=order.buyer.id or "",
        buyer_name=order.buyer.name,
        buyer_headquarters=order.buyer.headquarters,
        seller_id=order.seller.id if order.seller else None,
        destination=order.destination,
        ear_destination=order.ear_destination,
        origin=order.origin,
        date=order.date,
        kind=order.kind,
        claims=sorted(order.claims),
        quantity=order.quantity,
    )


def out_of_coverage(
    rulebook: RulebookData, order: ResolvedOrder, reason: str, citations: list[Citation], engine: str
) -> Verdict:
    """Rule 6: the rulebook does not speak for this date, kind or destination."""
    return Verdict(
        order=_summary(order),
        outcome=Outcome.OUT_OF_COVERAGE,
        reason=f"out of coverage: {reason}",
        findings=[],
        reason_citations=citations,
        rulebook_hash=rulebook.hash,
        engine=engine,
        library_version=__version__,
    )


def with_advisories(verdict: Verdict, advisories: list[Advisory], **fields: Any) -> Verdict:
    """The verdict with more advisories (and other fields, e.g. posture) — verdicts are immutable."""
    return verdict.model_copy(update={"advisories": [*verdict.advisories, *advisories], **fields})
