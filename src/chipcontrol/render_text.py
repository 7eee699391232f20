"""A Verdict as readable text for a terminal or an audit file."""

from __future__ import annotations

import datetime as _dt
import textwrap

from .presentation import register
from .sources import Citation
from .timeline import BeliefTimeline, Timeline
from .verdict import AdvisoryKind, Finding, Role, Verdict

_ONE_DAY = _dt.timedelta(days=1)

#: How each role of a finding is headed when a verdict is shown (text and HTML).
ROLE_HEADINGS = {
    Role.DECIDING: "Deciding rules",
    Role.REVIEW: "Review policy set by",
    Role.UNDETERMINED: "Rules that could not be decided (unknown facts)",
    Role.CONTRIBUTING: "Also fired (weaker effect)",
    Role.SUPPRESSED: "Fired but suppressed by an exception",
    Role.IDLE_EXCEPTION: "Exceptions and review rules that fired with nothing to act on",
}


#: Advisories about how the order's names were read: shown first, before the rules.
INPUT_ADVISORIES = (AdvisoryKind.RESOLUTION, AdvisoryKind.POSSIBLE_LIST_MATCH, AdvisoryKind.UNSCREENED_PARTY)


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=100, initial_indent=indent, subsequent_indent=indent)


def citation_text(citation: Citation, indent: str) -> list[str]:
    where = ", ".join(
        p
        for p in (
            citation.official_citation if citation.kind.value == "instrument" else citation.file,
            citation.published,
            citation.locator,
        )
        if p
    )
    head = f"{indent}[{citation.source_id}] {citation.title}" + (f" ({where})" if where else "")
    lines = [head]
    if citation.quote:
        lines.append(_wrap(f"« {citation.quote} »", indent + "    "))
    if citation.english:
        lines.append(_wrap(f'"{citation.english}"', indent + "    "))
    return lines


def effect_label(finding: Finding) -> str:
    """What a rule does, in a word: its effect, or for a review rule the policy it sets."""
    if finding.effect is None:
        return f"review: {policy_words(finding.review_policy)}"
    if finding.review_policy is not None:
        return f"{finding.effect.value}; review: {policy_words(finding.review_policy)}"
    return finding.effect.value


def policy_words(policy) -> str:
    return "unknown" if policy is None else policy.value.replace("_", " ")


def finding_text(finding: Finding, verbose: bool = True) -> list[str]:
    until = f" until {finding.until}" if finding.until else ""
    lines = [f"  * {finding.rule_id} [{effect_label(finding)}] — {finding.title}"]
    lines.append(f"      in force {finding.effective}{until}; confidence: {finding.confidence.value}")
    lines.append(_wrap(finding.explanation, "      "))
    tests = [c for c in finding.checks]
    if tests:
        lines.append("      conditions:")
        for check in tests:
            mark = {True: "yes", False: "no ", None: "?  "}[check.result]
            actual = "unknown" if check.actual is None else check.actual
            term = f"  [{check.term}]" if check.term else ""
            margin = f" (margin {check.margin:+g})" if check.margin is not None else ""
            lines.append(f"        {mark} {check.test}: actual {actual}{margin}{term}")
    if finding.suppressed_by:
        lines.append(f"      suppressed by: {', '.join(finding.suppressed_by)}")
    if finding.exempts:
        lines.append(f"      exempts: {', '.join(finding.exempts)}")
    if finding.missing_facts:
        lines.append(f"      unknown facts: {', '.join(finding.missing_facts)}")
    basis = finding.legal_basis
    lines.append(_wrap(f"legal basis: {basis.provision} — {basis.instrument} [{basis.source_id}]", "      "))
    if verbose:
        lines.append("      sources:")
        for citation in finding.citations:
            lines.extend(citation_text(citation, "        "))
    if finding.note:
        lines.append(_wrap(f"note: {finding.note}", "      "))
    return lines


def verdict_text(verdict: Verdict, show_checked: bool = True) -> str:
    order = verdict.order
    item = order.item_name or "(no item)"
    dest = order.destination + (f" (as {order.ear_destination} under the EAR)" if order.ear_destination != order.destination else "")
    permitted = {True: "yes", False: "no", None: "cannot say"}[verdict.permitted]
    lines = [
        f"{item} -> {order.buyer_name}, {dest}, {order.kind.value} on {order.date}",
        f"Outcome: {verdict.outcome.value.upper().replace('_', ' ')}   (permitted: {permitted})",
        _wrap(verdict.reason, "  "),
    ]
    if verdict.provisional:
        lines.append("PROVISIONAL: the date is past the rulebook's verified horizon (see the provisional advisory)")
    if verdict.known_on is not None:
        lines.append(f"AS KNOWN ON {verdict.known_on}: only what was public that day (see the known_on advisory)")
    if verdict.posture.value != "enforced":
        lines.append(f"Posture: {verdict.posture.value} (the law as written, whether or not it is enforced)")
    if verdict.outcome.value == "license_required":
        lines.append(f"Review policy: {policy_words(verdict.review_policy)}")
        lines.extend(_wrap(f"- on condition: {c}", "  ") for c in verdict.policy_conditions)
    for citation in verdict.reason_citations:
        lines.extend(citation_text(citation, "  "))
    reading = [a for a in verdict.advisories if a.kind in INPUT_ADVISORIES]
    if reading:
        lines.append("")
        lines.append("How the order was read:")
        lines.extend(_wrap(f"! [{a.kind.value}] {a.message}", "  ") for a in reading)
    for role, head in ROLE_HEADINGS.items():
        group = [f for f in verdict.findings if f.role is role]
        if group:
            lines.append("")
            lines.append(head + ":")
            for finding in group:
                lines.extend(finding_text(finding))
    if show_checked and verdict.checked:
        lines.append("")
        lines.append("Checked, did not fire:")
        for finding in verdict.checked:
            lines.append(f"  - {finding.rule_id} ({effect_label(finding)}): missed on")
            for c in finding.checks:
                margin = f", margin {c.margin:+g}" if c.margin is not None else ""
                term = f"  [{c.term}]" if c.term else ""
                lines.append(f"      {'yes' if c.result else 'no '} {c.test} (actual {c.actual}{margin}){term}")
    others = [a for a in verdict.advisories if a.kind not in INPUT_ADVISORIES]
    if others:
        lines.append("")
        lines.append("Advisories:")
        for advisory in others:
            lines.append(_wrap(f"! [{advisory.kind.value}] {advisory.message}", "  "))
            for citation in advisory.citations:
                lines.extend(citation_text(citation, "      "))
    lines.append("")
    lines.append(f"rulebook {verdict.rulebook_hash[:16]} · engine {verdict.engine} · chipcontrol {verdict.library_version}")
    return "\n".join(lines)


def timeline_text(timeline) -> str:
    """A timeline as a table of segments, with the rule changes (and their quotes) at each boundary."""
    lines = [f"{timeline.order_summary}, {timeline.start} to {timeline.end} (end exclusive)", ""]
    for segment in timeline.segments:
        for change in segment.changes:
            lines.append(f"  -- {change.date}: {change.description}")
            for citation in change.citations:
                lines.extend(citation_text(citation, "       "))
        last = segment.end - _ONE_DAY
        rules = ", ".join(segment.deciding_rule_ids) or "no restricting rule"
        lines.append(f"{segment.start} .. {last}  {segment.outcome.value.upper():22} {rules}")
        if segment.outcome.value == "license_required":
            lines.append(f"      review policy: {policy_words(segment.review_policy)}")
        if not segment.deciding_rule_ids and segment.checked_rule_ids:
            lines.append(_wrap("passed: " + ", ".join(segment.checked_rule_ids), "      "))
        articles = sorted({c.source_id for c in segment.citations if c.kind.value == "article"})
        if articles:
            lines.append(f"      articles: {', '.join(articles)}")
    lines.append("")
    lines.append(f"rulebook {timeline.rulebook_hash[:16]} · engine {timeline.engine}")
    return "\n".join(lines)


def belief_timeline_text(beliefs) -> str:
    """A belief timeline: for each span of knowledge, the answer then given for the order's date, and what
    became public at its start."""
    lines = [f"{beliefs.order_summary}, for delivery on {beliefs.order_date}: the answer as known on each day", ""]
    for belief in beliefs.beliefs:
        for announcement in belief.announcements:
            lines.append(f"  -- {belief.known_from}: {announcement}")
        until = f"{belief.known_until - _ONE_DAY}" if belief.known_until else "today     "
        rules = ", ".join(belief.deciding_rule_ids) or "no restricting rule"
        lines.append(f"known {belief.known_from} .. {until}  {belief.outcome.value.upper():22} {rules}")
        if belief.outcome.value == "license_required":
            lines.append(f"      review policy: {policy_words(belief.review_policy)}")
    lines.append("")
    lines.append(f"rulebook {beliefs.rulebook_hash[:16]} · engine {beliefs.engine}")
    return "\n".join(lines)


register(Verdict, "text", verdict_text)
register(Timeline, "text", timeline_text)
register(BeliefTimeline, "text", belief_timeline_text)
