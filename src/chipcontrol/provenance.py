"""Provenance shared by every catalog figure: how sure we are, where it comes from, partial dates."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _iso_date(value: object) -> object:
    """Accept a date or an ISO 'YYYY-MM-DD' string only (never a number read as a timestamp)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date ({exc})") from None
    raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, values are immutable.

    A model read back from its own JSON carries its computed fields; they are derived again, not refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _ignore_computed_fields(cls, data: object) -> object:
        computed = cls.model_computed_fields
        if computed and isinstance(data, dict) and any(key in data for key in computed):
            data = {k: v for k, v in data.items() if k not in computed}
        return data


def trusted(cls: type[BaseModel], private: dict | None = None, **values: object):
    """Build a model from values chipcontrol itself produced and already validated, skipping validation.

    Used only on the hot path of evaluation (findings, verdicts); every value comes from validated models.
    Mirrors pydantic's `model_construct`, which costs several times more per object.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", private)
    return obj


class Confidence(str, Enum):
    """How sure a fact is (regulations.md, 'Confidence labels')."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    UNVERIFIED = "unverified"
    COMPUTED = "computed"


class Alternative(Strict):
    """A value another source gives for a disputed figure."""

    value: float | bool | str | None = Field(description="The other value.")
    source: str = Field(description="Who gives it.")


class Figure(Strict):
    """A number with its provenance. `value: null` means unknown (never 0)."""

    value: float | None = Field(description="The value, or null when unknown or unpublished.")
    source: str = Field(description="Where the value comes from (free text, as in regulations.md).")
    confidence: Confidence
    note: str | None = Field(default=None, description="What is uncertain, how it was derived, or why it is unknown.")
    disputed: list[Alternative] = Field(
        default_factory=list, description="Values other sources give; non-empty means the figure is disputed."
    )


class Flag(Strict):
    """A yes/no fact with its provenance. `value: null` means unknown."""

    value: bool | None
    source: str
    confidence: Confidence
    note: str | None = None


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class PartialDate(Strict):
    """A date known to the day, the month or the year, and whether it was inferred (and why)."""

    value: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD.", examples=["2023-06", "2023-08-10"])
    precision: Literal["day", "month", "year"]
    inferred: bool = Field(default=False, description="True when the date is not stated but deduced.")
    reason: str | None = Field(default=None, description="How an inferred date was deduced.")

    @model_validator(mode="after")
    def _check(self) -> PartialDate:
        match = _PARTIAL.match(self.value)
        if not match:
            raise ValueError(f"date {self.value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        parts = sum(1 for g in match.groups() if g)
        expected = {"year": 1, "month": 2, "day": 3}[self.precision]
        if parts != expected:
            raise ValueError(f"date {self.value!r} does not have precision {self.precision!r}")
        self.earliest  # validates the calendar date
        if self.inferred and not self.reason:
            raise ValueError("an inferred date needs a reason")
        return self

    @property
    def earliest(self) -> dt.date:
        year, month, day = (int(g) if g else None for g in _PARTIAL.match(self.value).groups())
        return dt.date(year, month or 1, day or 1)
