"""What was public when: the rulebook's data restricted to the changes public on a day (design.md §3 as believed then).

Every dated change records when it became public (`announced`, sources.Announcement); without it, a change is
taken as public on the day it applies, so nothing is known before it applies. On a day K:

- a rule is known iff it was public on K (`announced.date`, else `effective`);
- a known rule's end (`until`) is known iff `until_announced.date <= K`, else, when a rule of its `series` starts
  on that day, iff that successor is known, else (an end the rule itself states) it is known with the rule;
  an end not yet known is dropped (the rule was believed open);
- an Entity List (or other list) entry is known iff `announced.date` (else `added`) <= K; its removal iff
  `removed <= K`;
- a country-group joining is known iff `announced.date` (else `since`) <= K; a leaving iff `until <= K`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from .countries import CountryGroup, Membership
from .loader import LoadedRules
from .parties import ListEntry, PartyRecord
from .rules import Rule
from .sources import Announcement


def public_on(change: dt.date, announced: Announcement | None) -> dt.date:
    """The day a change applying on `change` became public (its announcement, else the day itself)."""
    return announced.date if announced is not None else change


def _successor(rules: dict[str, Rule], rule: Rule) -> Rule | None:
    """The rule of the same series that starts when `rule` ends, if any."""
    if rule.series is None or rule.until is None:
        return None
    return next((r for r in rules.values() if r.series == rule.series and r.effective == rule.until and r.id != rule.id), None)


def end_public_on(rules: dict[str, Rule], rule: Rule) -> dt.date | None:
    """The day `rule`'s end date became public (None: the rule has no end)."""
    if rule.until is None:
        return None
    if rule.until_announced is not None:
        return rule.until_announced.date
    successor = _successor(rules, rule)
    if successor is not None:
        return public_on(successor.effective, successor.announced)
    return public_on(rule.effective, rule.announced)


def rules_known_on(rules: dict[str, Rule], day: dt.date) -> dict[str, Rule]:
    """The rules as believed on `day`: the ones public then, without an end not yet public."""
    known: dict[str, Rule] = {}
    for rule_id, rule in rules.items():
        if public_on(rule.effective, rule.announced) > day:
            continue
        end = end_public_on(rules, rule)
        known[rule_id] = rule if end is None or end <= day else rule.model_copy(update={"until": None})
    return known


def _entry_known_on(entry: ListEntry, day: dt.date) -> ListEntry | None:
    if public_on(entry.added, entry.announced) > day:
        return None
    if entry.removed is not None and entry.removed > day:
        return entry.model_copy(update={"removed": None})
    return entry


def _known_items(record, field: str, known: Callable[[Any], Any | None]):
    """`record` with its list `field` reduced to the items known (each as `known` returns it; None: unknown);
    the record itself when nothing changes."""
    items = getattr(record, field)
    kept = [k for k in (known(item) for item in items) if k is not None]
    if len(kept) == len(items) and all(a is b for a, b in zip(kept, items)):
        return record
    return record.model_copy(update={field: kept})


def _party_known_on(party: PartyRecord, day: dt.date) -> PartyRecord:
    return _known_items(party, "lists", lambda entry: _entry_known_on(entry, day))


def _member_known_on(member: Membership, day: dt.date) -> Membership | None:
    if member.since is not None and public_on(member.since, member.announced) > day:
        return None
    if member.until is not None and member.until > day:
        contested = member.contested
        if contested is not None and contested.until is not None:
            contested = contested.model_copy(update={"until": None}) if contested.since else None
        return member.model_copy(update={"until": None, "contested": contested})
    return member


def _group_known_on(group: CountryGroup, day: dt.date) -> CountryGroup:
    return _known_items(group, "members", lambda member: _member_known_on(member, day))


def known_on(loaded: LoadedRules, day: dt.date) -> LoadedRules:
    """The loaded rulebook as it was believed on `day` (same sources, chips, conditions and hash; rules, list
    entries and memberships restricted to what was public)."""
    rules = rules_known_on(loaded.rules, day)
    return dataclasses.replace(
        loaded,
        rules=rules,
        parties={pid: _party_known_on(party, day) for pid, party in loaded.parties.items()},
        groups={gid: _group_known_on(group, day) for gid, group in loaded.groups.items()},
    )


def knowledge_dates(loaded: LoadedRules) -> list[dt.date]:
    """Every day on which what was public changed (sorted): between two of them, `known_on` gives the same view."""
    days: set[dt.date] = set()
    for rule in loaded.rules.values():
        days.add(public_on(rule.effective, rule.announced))
        end = end_public_on(loaded.rules, rule)
        if end is not None:
            days.add(end)
    for party in loaded.parties.values():
        for entry in party.lists:
            days.add(public_on(entry.added, entry.announced))
            if entry.removed is not None:
                days.add(entry.removed)
    for group in loaded.groups.values():
        for member in group.members:
            if member.since is not None:
                days.add(public_on(member.since, member.announced))
            if member.until is not None:
                days.add(member.until)
    return sorted(days)


def announcements(loaded: LoadedRules, day: dt.date) -> list[tuple[str, str, str]]:
    """What became public on `day`: (what, id, description), `what` being 'rule', 'party' or 'country'."""
    out = []
    for rule_id, rule in sorted(loaded.rules.items()):
        if public_on(rule.effective, rule.announced) == day:
            how = f"announced ({rule.announced.source})" if rule.announced else "public when it took effect"
            out.append(("rule", rule_id, f"rule {rule_id} {how}, effective {rule.effective}: {rule.title}"))
        elif rule.until is not None and end_public_on(loaded.rules, rule) == day:
            out.append(("rule", rule_id, f"rule {rule_id} to end on {rule.until}"))
    for party in sorted(loaded.parties.values(), key=lambda p: p.id):
        for entry in party.lists:
            listed = entry.list.value.replace("_", " ")
            if public_on(entry.added, entry.announced) == day:
                out.append(("party", party.id, f"{party.name} added to the {listed} from {entry.added}"))
            if entry.removed == day:
                out.append(("party", party.id, f"{party.name} removed from the {listed}"))
    for group in sorted(loaded.groups.values(), key=lambda g: g.id):
        for member in group.members:
            if member.since is not None and public_on(member.since, member.announced) == day:
                out.append(("country", member.country, f"{member.country} joins {group.id} from {member.since}"))
            if member.until == day:
                out.append(("country", member.country, f"{member.country} leaves {group.id}"))
    return out
