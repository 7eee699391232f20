"""Ownership by listed parties, for the 50 % Affiliates rule (90 FR 47201): the fact `buyer.listed_owner_share`.

A party's *listed share* on a day is the sum of the shares held in it by owners that are, on that day, on the
Entity List or themselves owned at least the rulebook's affiliates threshold (50 %, rulebook.yaml) by such owners (directly or indirectly, singly or in aggregate).
Three-valued, like every fact: the share is None (unknown) when a listed owner's share is unknown (Red Flag 29)
or an owner whose status is unknown could bring the sum to 50 %. An owner is a catalog party or an inline one
(screened by name like a buyer: a likely match to a listed party leaves its status unknown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from .parties import ListName, Party, PartyRecord


@dataclass
class OwnershipFacts:
    """The result for one party: its listed share (None: unknown) and what an auditor should be told."""

    share: float | None
    red_flags: list[str] = field(default_factory=list)  # listed owners whose share is unknown (Red Flag 29)


class OwnershipGraph:
    """Owners of catalog and inline parties, and their list status on a day."""

    def __init__(
        self,
        parties: dict[str, PartyRecord],
        catalog_id: Callable[[str], str | None],
        maybe_listed: Callable[[str, dt.date], bool],
        threshold: float | None,
    ):
        self._parties = parties
        self._threshold = threshold  # rulebook.yaml `affiliates`: an owner owned this much by listed owners counts
        self._catalog_id = catalog_id  # a name -> catalog party id, or None
        self._maybe_listed = maybe_listed  # an inline name -> may it be a listed party (screening)?

    def listed_share(self, party: Party | PartyRecord, day: dt.date) -> OwnershipFacts:
        """The share of `party` held on `day` by listed parties and their affiliates."""
        facts = OwnershipFacts(share=0.0)
        facts.share = self._share(party, day, facts, frozenset())
        return facts

    def _share(self, party, day: dt.date, facts: OwnershipFacts, seen: frozenset[str]) -> float | None:
        known, unknown_could_add = 0.0, False
        for owner, share, name in self._owners(party):
            key = _key(owner)
            if key in seen:  # an ownership cycle adds nothing new
                continue
            status = self._status(owner, day, facts, seen | {key})
            if status is False or share == 0:
                continue
            if status is None:
                unknown_could_add = True
                continue
            if share is None:
                facts.red_flags.append(name)
                unknown_could_add = True
                continue
            known += share
        if (self._threshold is not None and known >= self._threshold) or not unknown_could_add:
            return round(known, 6)
        return None

    def _status(self, owner, day: dt.date, facts: OwnershipFacts, seen: frozenset[str]) -> bool | None:
        """Is the owner listed, or an affiliate of listed parties, on `day`? None: cannot say."""
        if _listed(owner, day):
            return True
        if isinstance(owner, Party) and owner.lists is None and self._maybe_listed(owner.name, day):
            return None
        if self._threshold is None:  # no indirect chain: only listed owners count
            return False
        share = self._share(owner, day, facts, seen)
        if share is None:
            return None
        return share >= self._threshold

    def _owners(self, party):
        """(owner as a PartyRecord or Party, share or None, name) for each direct owner."""
        if isinstance(party, PartyRecord):
            for owner in party.owners:
                yield self._parties[owner.party], owner.share, self._parties[owner.party].name
            return
        record = self._parties.get(party.id or "") if party.id else None
        if record is not None and not party.owners:
            yield from self._owners(record)
            return
        for owner in party.owners:
            target = owner.party
            if isinstance(target, str):
                target = self._parties[self._catalog_id(target)]
            elif (catalog := self._catalog_id(target.name)) is not None:
                target = self._parties[catalog]
            yield target, owner.share, target.name


def _listed(party, day: dt.date) -> bool:
    entries = party.lists or ()
    return any(e.list is ListName.ENTITY_LIST and e.active_on(day) for e in entries)


def _key(party) -> str:
    return f"catalog:{party.id}" if isinstance(party, PartyRecord) else f"inline:{party.name}"
