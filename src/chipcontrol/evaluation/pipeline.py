"""One order through the pipeline: resolve -> facts -> conditions -> decide -> verdict, with the advisories
that compare it with another posture, another reading of a contested date, or the verified horizon."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable

from ..countries import Membership
from ..decision import Decision, decide, decision_of, out_of_coverage, with_advisories
from ..engines import Engine, get_engine
from ..errors import InputError, unknown_name
from ..facts import COUNTRY_FACTS, ResolvedOrder, build_facts
from ..order import Order
from ..provenance import iso_date
from ..rulebook_data import RulebookData
from ..rules import ADVISORY_STATUSES, Posture
from ..sources import CitationSpec
from ..verdict import Advisory, AdvisoryKind, OrderError, Verdict


def posture_of(value: Posture | str) -> Posture:
    """A Posture from its name; InputError naming the choices."""
    try:
        return Posture(value)
    except ValueError:
        raise unknown_name("posture", value, [p.value for p in Posture]) from None


def day_of(value: dt.date | str, what: str) -> dt.date:
    """A date given as a date or YYYY-MM-DD; InputError saying which (`what`) was bad."""
    try:
        return iso_date(value)
    except ValueError as exc:
        raise InputError(f"bad {what}: {exc}") from None


def evaluate(
    rulebook: RulebookData,
    order: Order,
    engine: str | None = None,
    posture: Posture | str = Posture.ENFORCED,
    provisional: bool = False,
    known_on: dt.date | str | None = None,
) -> Verdict:
    """Was this order legal? (`Rulebook.evaluate`.) `known_on`: as believed on that day (knowledge.py)."""
    posture = posture_of(posture)
    if known_on is not None:
        return evaluate_known_on(rulebook, order, day_of(known_on, "known_on"), engine, posture, provisional)
    resolved = rulebook.resolve(order)
    return evaluate_resolved(rulebook, resolved, get_engine(rulebook, engine), posture, provisional)


def evaluate_known_on(
    rulebook: RulebookData, order: Order, day: dt.date, engine: str | None, posture: Posture, provisional: bool
) -> Verdict:
    """The verdict with only what was public on `day`, marked `known_on` and with a `known_on` advisory that
    compares it with today's answer and names the later-announced rules today's answer uses."""
    runner = get_engine(rulebook, engine)  # built on the full rulebook, shared by its views
    view = rulebook.as_known_on(day)
    then = evaluate_resolved(view, view.resolve(order), runner, posture, provisional)
    today = evaluate_resolved(rulebook, rulebook.resolve(order), runner, posture, provisional)
    return with_advisories(then, [_known_on_advisory(rulebook, view, day, then, today)], known_on=day)


def _known_on_advisory(rulebook: RulebookData, view: RulebookData, day: dt.date, then: Verdict, today: Verdict) -> Advisory:
    """What today's answer uses that was not public on `day` (rules unknown then, or an end not yet announced)."""
    used = today.deciding_rule_ids or [f.rule_id for f in today.findings]
    later = [r for r in used if r not in view.rules or view.rules[r].until != rulebook.rules[r].until]
    same = (then.outcome, then.deciding_rule_ids) == (today.outcome, today.deciding_rule_ids)
    deciding = ", ".join(today.deciding_rule_ids) or "no restricting rule"
    text = f"as known on {day}: only the rules, list entries and group memberships public on that day. "
    text += "Today's answer is the same" if same else f"Today's answer is {today.outcome.value} ({deciding})"
    if later:
        text += "; announced after " + str(day) + ": " + "; ".join(_announced(rulebook, r) for r in later)
    return Advisory(
        kind=AdvisoryKind.KNOWN_ON,
        message=text,
        citations=[rulebook.cite(CitationSpec(source=source))
                   for source in dict.fromkeys(rulebook.rules[r].announced.source for r in later if rulebook.rules[r].announced)],
    )


def _announced(rulebook: RulebookData, rule_id: str) -> str:
    """'bis-x (announced 2023-10-17, effective 2023-11-17)' for a rule (its end's announcement when that is later)."""
    rule = rulebook.rules[rule_id]
    when = f"announced {rule.announced.date}" if rule.announced else "public when it took effect"
    return f"{rule_id} ({when}, effective {rule.effective})"


def evaluate_resolved(
    rulebook: RulebookData, resolved: ResolvedOrder, runner: Engine, posture: Posture, provisional: bool = False
) -> Verdict:
    """The verdict of an order already resolved, by `runner`."""
    coverage_verdict = coverage_check(rulebook, resolved, provisional)
    if coverage_verdict is not None:
        return with_advisories(coverage_verdict(runner.name), [], posture=posture)
    facts = build_facts(resolved, rulebook.groups_on)
    applicable = rulebook.rules_on(resolved.date, resolved.kind)
    advisory = rulebook.rules_on(resolved.date, resolved.kind, ADVISORY_STATUSES)
    results = _results(rulebook, runner, applicable + advisory, facts)
    chosen = [r for r in applicable if r.enforced or posture is Posture.CODIFIED]
    verdict = decide(rulebook, resolved, facts, chosen, advisory, results, runner.name)
    extra = []
    if any(not r.enforced for r in applicable):  # the postures may disagree
        other = Posture.ENFORCED if posture is Posture.CODIFIED else Posture.CODIFIED
        alternative = [r for r in applicable if r.enforced or other is Posture.CODIFIED]
        extra += _posture_advisories(rulebook, verdict, decision_of(rulebook, alternative, results), other)
    extra += _contested_advisories(rulebook, resolved, facts, verdict, chosen, results, runner)
    if resolved.date >= rulebook.coverage.until:
        extra.append(_provisional_advisory(rulebook, resolved.date))
    if not extra and posture is Posture.ENFORCED:
        return verdict
    return with_advisories(verdict, extra, posture=posture, provisional=resolved.date >= rulebook.coverage.until)


def _results(rulebook: RulebookData, runner: Engine, rules: list, facts: dict) -> dict:
    """The engine's results for these rules on these facts, once per distinct situation (cached per rulebook:
    orders that differ only in names, dates within one slot or quantities have the same facts)."""
    key = (runner, tuple(r.id for r in rules), tuple(facts.items()))
    cache = rulebook.caches().results
    found = cache.get(key)
    if found is None:
        found = cache[key] = runner.evaluate([r.id for r in rules], facts)
    return found


def evaluate_many(
    rulebook: RulebookData, orders: Iterable[Order], engine: str | None = None, errors: str = "raise"
) -> list[Verdict | OrderError]:
    """Evaluate many orders, in order (`Rulebook.evaluate_many`).

    `errors="raise"`: the first order that cannot be evaluated raises an InputError naming its index.
    `errors="collect"`: every order is evaluated; one that cannot be has an `OrderError` (its index and
    the message) in its place. The cycle collector is paused for the batch: verdicts hold no reference
    cycles, and collecting while thousands of them are built costs more than the evaluations (about 2x).
    """
    if errors not in ("raise", "collect"):
        raise InputError(f"errors must be 'raise' or 'collect', not {errors!r}")
    get_engine(rulebook, engine)  # an unknown engine is one error, not one per order
    out: list[Verdict | OrderError] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for index, order in enumerate(orders):
            try:
                out.append(evaluate(rulebook, order, engine=engine))
            except InputError as exc:
                if errors == "raise":
                    raise InputError(f"order {index}: {exc}") from None
                out.append(OrderError(index=index, message=str(exc)))
        return out
    finally:
        if was_enabled:
            gc.enable()


def coverage_check(
    rulebook: RulebookData, resolved: ResolvedOrder, provisional: bool = False
) -> Callable[[str], Verdict] | None:
    """Rule 6: None when the rulebook speaks for the order; else a function of the engine name giving the
    `out_of_coverage` verdict (its date, its kind, or an excluded destination)."""
    cov = rulebook.coverage
    until = cov.last_encoded if provisional else cov.until
    if not cov.start <= resolved.date < until:
        last = until - dt.timedelta(days=1)
        reason = f"{resolved.date} is outside the rulebook's coverage ({cov.start} to {last}"
        if cov.provisional_until and not provisional and resolved.date < cov.provisional_until:
            reason += f"; provisional answers to {cov.provisional_until - dt.timedelta(days=1)} with provisional=True"
        reason += ")"
        return lambda engine: out_of_coverage(rulebook, resolved, reason, [], engine)
    if resolved.kind not in cov.kinds:
        kinds = ", ".join(k.value for k in cov.kinds)
        reason = f"the rulebook does not yet speak for orders of kind {resolved.kind.value!r} (it covers {kinds})"
        return lambda engine: out_of_coverage(rulebook, resolved, reason, [], engine)
    buyer_hq = resolved.buyer.headquarters
    excluded = rulebook.excluded_destination(resolved.destination, resolved.ear_destination, buyer_hq)
    if excluded is not None:
        hit = next(c for c in (resolved.destination, resolved.ear_destination, buyer_hq) if c in excluded.countries)
        role = "destination" if hit in (resolved.destination, resolved.ear_destination) else "buyer headquarters"
        reason = f"{role} {hit} ({rulebook.countries[hit].name}): {excluded.reason}"
        citations = [rulebook.cite(spec) for spec in excluded.citations]
        return lambda engine: out_of_coverage(rulebook, resolved, reason, citations, engine)
    return None


def _contested_advisories(rulebook: RulebookData, resolved, facts, verdict, rules, results, runner) -> list[Advisory]:
    """Between two readings of a contested membership date: a `contested` advisory when the other reading
    answers differently (the verdict follows the encoded reading)."""
    codes = {facts.get(name) for name in COUNTRY_FACTS} - {None}
    contested = rulebook.contested_memberships(codes, resolved.date)
    if not contested:
        return []
    other_facts = build_facts(resolved, lambda code, day: rulebook.groups_on(code, day, other_reading=True))
    other_results = runner.evaluate(list(results), other_facts)
    other = decision_of(rulebook, rules, other_results)
    if (other.outcome, other.deciding_rule_ids) == (verdict.outcome, verdict.deciding_rule_ids):
        return []
    readings = "; ".join(_readings(group, m) for group, m in contested)
    deciding = ", ".join(other.deciding_rule_ids) or "no restricting rule"
    return [
        Advisory(
            kind=AdvisoryKind.CONTESTED,
            message=f"a contested date: {readings}. By the other reading the outcome would be "
            f"{other.outcome.value} ({deciding})",
            citations=[rulebook.cite(CitationSpec(source=m.contested.source)) for _, m in contested],
        )
    ]


def _provisional_advisory(rulebook: RulebookData, day: dt.date) -> Advisory:
    """What is scheduled but unverified between the verified horizon and `day`."""
    horizon = rulebook.coverage.until
    scheduled = sorted((r for r in rulebook.rules.values() if horizon <= r.effective <= day), key=lambda r: (r.effective, r.id))
    listed = "; ".join(f"{r.id} from {r.effective} ({r.confidence.value})" for r in scheduled) or "none encoded"
    return Advisory(
        kind=AdvisoryKind.PROVISIONAL,
        message=f"provisional: {day} is past the verified horizon ({horizon - dt.timedelta(days=1)}); "
        f"scheduled but unverified changes since then: {listed}",
        citations=[c for r in scheduled for c in rulebook.citations_of(r.id)],
    )


def _readings(group: str, member: Membership) -> str:
    """'KH left D:5 on 2025-11-07 (encoded) or on 2026-02-03: why' for a contested membership."""
    parts = []
    if member.contested.since:
        parts.append(f"joined {group} on {member.since} (encoded) or on {member.contested.since}")
    if member.contested.until:
        parts.append(f"left {group} on {member.until} (encoded) or on {member.contested.until}")
    return f"{member.country} {' and '.join(parts)}: {member.contested.note}"


def _posture_advisories(rulebook: RulebookData, verdict: Verdict, alternative: Decision, other: Posture) -> list[Advisory]:
    """A `posture` advisory when the other posture gives another outcome or other deciding rules."""
    if (alternative.outcome, alternative.deciding_rule_ids) == (verdict.outcome, verdict.deciding_rule_ids):
        return []
    differing = sorted(set(alternative.deciding_rule_ids) ^ set(verdict.deciding_rule_ids))
    rules = ", ".join(
        f"{r} [{rulebook.rules[r].confidence.value}]" if r in differing else r for r in alternative.deciding_rule_ids
    ) or "no restricting rule"
    law = "the text as codified" if other is Posture.CODIFIED else "what the agency enforces"
    return [
        Advisory(
            kind=AdvisoryKind.POSTURE,
            message=f"under {law} (posture '{other.value}') the outcome would be {alternative.outcome.value} ({rules})",
            citations=[c for rule_id in differing for c in rulebook.citations_of(rule_id)],
        )
    ]
