"""Parties (buyers, sellers, investment targets): catalog records with dated list entries, and cc.Party."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import Field, model_validator

from .chips import slug
from .provenance import Confidence, Figure, Flag, InputModel, IsoDate, Magnitude, Name, Strict, Text, YesNo, Fraction
from .sources import Announcement, CitationSpec


class ListName(str, Enum):
    ENTITY_LIST = "entity_list"
    NS_CMIC = "ns_cmic"
    DOD_1260H = "dod_1260h"


class ListEntry(Strict):
    """A dated membership of a US list: added on `added`, removed on `removed` (exclusive), if ever."""

    list: ListName
    added: IsoDate
    removed: IsoDate | None = None
    source: str = Field(description="Id of the instrument that made the listing.")
    listed_as: str | None = Field(default=None, description="The name under which the entity was listed.")
    announced: Announcement | None = Field(
        default=None,
        description="When the listing became public (on or before `added`); null: public on `added`. A removal is "
        "taken as public on `removed`.",
    )
    confidence: Confidence
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> ListEntry:
        if self.removed is not None and self.removed <= self.added:
            raise ValueError(f"removed {self.removed} is not after added {self.added}")
        return self

    def active_on(self, day: dt.date) -> bool:
        return self.added <= day and (self.removed is None or day < self.removed)


class Headquarters(Strict):
    """Where a party is headquartered, and why we say so."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    confidence: Confidence
    citation: CitationSpec | None = Field(default=None, description="An article or instrument that says so.")
    note: str | None = None


def _unknown_flag() -> Flag:
    return Flag(value=None, source="not recorded", confidence=Confidence.UNVERIFIED, note="unknown")


def _unknown_figure() -> Figure:
    return Figure(value=None, source="not recorded", confidence=Confidence.UNVERIFIED, note="unknown")


class OutboundProfile(Strict):
    """What 31 CFR Part 850 looks at in an investment target (regulations.md section 5). Unknown: null."""

    ai_training_compute_ops: Figure = Field(
        default_factory=_unknown_figure,
        description="Largest training compute of the target's AI systems, in operations (e.g. 1.0e+24).",
    )
    ai_military_intelligence_surveillance: Flag = Field(
        default_factory=_unknown_flag,
        description="Develops AI designed for military, government-intelligence or mass-surveillance end use.",
    )
    designs_3a090a_ics: Flag = Field(default_factory=_unknown_flag, description="Designs ICs meeting ECCN 3A090.a.")
    other_semiconductor_activity: Flag = Field(
        default_factory=_unknown_flag, description="Designs, fabricates or packages other integrated circuits."
    )
    quantum: Flag = Field(default_factory=_unknown_flag, description="Develops quantum computers or key components.")


class Ownership(Strict):
    """A catalog party's owner: another catalog party and the fraction of it that it owns, with its source."""

    party: str = Field(description="Party id of the owner.")
    share: Fraction | None = Field(description="Fraction owned, 0-1 (0.6 for 60 %); null: unknown.")
    source: str = Field(description="Where the share comes from (free text, as for figures).")
    confidence: Confidence
    note: str | None = None


class PartyRecord(Strict):
    """A catalog party."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    headquarters: Headquarters
    parent: str | None = Field(default=None, description="Party id of the ultimate parent, if another party.")
    activities: list[str] = Field(default_factory=list, description="e.g. ai, semiconductors, cloud, quantum.")
    lists: list[ListEntry] = Field(default_factory=list)
    owners: list[Ownership] = Field(default_factory=list, description="Direct owners (for the 50 % Affiliates rule).")
    outbound: OutboundProfile = Field(default_factory=OutboundProfile, description="For investment orders.")
    note: str | None = None


class Party(InputModel):
    """A buyer or seller as the rules see it. Pass one inline in an Order for a party not in the catalog.

    Country fields take an ISO code (alpha-2 or alpha-3) or an English name in any case; they are resolved
    against the rulebook's countries when the order is evaluated. `lists` None means the caller does not
    say: the party is then screened by name against the catalog's listed parties (see screening.py).
    """

    name: Name
    headquarters: str | None = Field(default=None, max_length=100, description="Country (ISO code or name); None if unknown.")
    id: Text | None = None
    ultimate_parent_headquarters: str | None = Field(
        default=None, max_length=100, description="Country of the ultimate parent; None: the party's own."
    )
    lists: list[ListEntry] | None = Field(
        default=None, description="Dated list memberships (Entity List...); None: not stated, screen by name."
    )
    owners: list[Owner] = Field(
        default_factory=list, description="Direct owners: [{party: catalog name or inline Party, share: 0-1 or None}]."
    )
    ai_training_compute_ops: Magnitude | None = Field(default=None, description="Largest AI training compute, operations.")
    ai_military_intelligence_surveillance: YesNo | None = None
    designs_3a090a_ics: YesNo | None = None
    other_semiconductor_activity: YesNo | None = None
    quantum: YesNo | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: object) -> object:
        if isinstance(data, dict):
            data = dict(data)
            if not data.get("id") and isinstance(data.get("name"), str):
                data["id"] = slug(data["name"])
        return data

    def listed_on(self, name: ListName, day: dt.date) -> bool:
        return any(entry.list is name and entry.active_on(day) for entry in self.lists or ())


class Owner(InputModel):
    """An owner of an inline party: a catalog party's name or an inline Party, and the fraction it owns."""

    party: Name | Party = Field(description="A catalog party's name, alias or id, or an inline Party.")
    share: Fraction | None = Field(
        description="Fraction owned, 0-1 (0.6 for 60 %); None when unknown (a listed owner with an unknown share "
        "raises Red Flag 29)."
    )


Party.model_rebuild()
