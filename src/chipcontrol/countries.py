"""Countries (ISO 3166 alpha-2) and the EAR country groups as dated membership."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from .provenance import IsoDate, Confidence, Strict
from .sources import Announcement


class TreatedAs(Strict):
    """A destination the EAR treats as another (Hong Kong as China since 2020)."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    since: IsoDate
    source: str = Field(description="Id of the instrument that says so.")
    confidence: Confidence
    note: str | None = None


class Country(Strict):
    """An ISO 3166-1 country; orders may name it by either code, its name or an alias, in any case."""

    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")
    alpha3: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3.")
    name: str
    aliases: list[str] = Field(default_factory=list)
    ear_treated_as: TreatedAs | None = None


class ContestedDates(Strict):
    """The other reading of a membership's contested dates (e.g. Cambodia leaving D:5 on 2025-11-07 with State's
    ITAR change, or on 2026-02-03 with BIS's conforming rule)."""

    since: IsoDate | None = Field(default=None, description="The other reading of `since` (null: not contested).")
    until: IsoDate | None = Field(default=None, description="The other reading of `until` (null: not contested).")
    source: str = Field(description="Id of the instrument behind the other reading.")
    note: str


class Membership(Strict):
    """A country's membership of a group over [since, until); null bounds are open."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    since: IsoDate | None = Field(default=None, description="null: a member since before the rulebook's coverage.")
    until: IsoDate | None = Field(default=None, description="null: still a member at the end of the coverage.")
    confidence: Confidence
    contested: ContestedDates | None = Field(
        default=None,
        description="When a date is contested: the other reading. Verdicts follow `since`/`until` and, between the two "
        "readings, carry a `contested` advisory when the other reading would answer differently.",
    )
    announced: Announcement | None = Field(
        default=None,
        description="When the joining (`since`) became public (on or before `since`); null: public on `since`. "
        "A leaving (`until`) is taken as public on `until`.",
    )
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Membership:
        if self.since and self.until and self.until <= self.since:
            raise ValueError(f"membership of {self.country}: until {self.until} is not after since {self.since}")
        if self.contested and self.contested.since is None and self.contested.until is None:
            raise ValueError(f"membership of {self.country}: `contested` gives no other date")
        return self

    def active_on(self, day: dt.date, other_reading: bool = False) -> bool:
        """Member on `day` (by the other reading of contested dates, when asked)."""
        since, until = self.since, self.until
        if other_reading and self.contested:
            since = self.contested.since or since
            until = self.contested.until or until
        return (since is None or since <= day) and (until is None or day < until)

    def contested_window(self) -> tuple[dt.date, dt.date] | None:
        """The days on which the two readings differ (first, last exclusive), if any."""
        if self.contested is None:
            return None
        pairs = [(a, b) for a, b in ((self.since, self.contested.since), (self.until, self.contested.until)) if a and b]
        if not pairs:
            return None
        return min(min(p) for p in pairs), max(max(p) for p in pairs)


class CountryGroup(Strict):
    """An EAR country group (Supplement No. 1 to Part 740)."""

    id: str = Field(pattern=r"^[A-E]:\d$", examples=["D:5"])
    title: str
    source: str = Field(description="Id of the instrument that defines the group.")
    complete: bool = Field(description="False when only some members are recorded.")
    note: str | None = None
    members: list[Membership]
