"""Countries (ISO 3166 alpha-2) and the EAR country groups as dated membership."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from .provenance import IsoDate, Confidence, Strict


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


class Membership(Strict):
    """A country's membership of a group over [since, until); null bounds are open."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    since: IsoDate | None = Field(default=None, description="null: a member since before the rulebook's coverage.")
    until: IsoDate | None = Field(default=None, description="null: still a member at the end of the coverage.")
    confidence: Confidence
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Membership:
        if self.since and self.until and self.until <= self.since:
            raise ValueError(f"membership of {self.country}: until {self.until} is not after since {self.since}")
        return self

    def active_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)


class CountryGroup(Strict):
    """An EAR country group (Supplement No. 1 to Part 740)."""

    id: str = Field(pattern=r"^[A-E]:\d$", examples=["D:5"])
    title: str
    source: str = Field(description="Id of the instrument that defines the group.")
    complete: bool = Field(description="False when only some members are recorded.")
    note: str | None = None
    members: list[Membership]
