"""Provenance shared by every catalog figure: how sure we are, where it comes from, partial dates."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from .errors import InputError, excerpt


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_iso_date(text: str) -> dt.date:
    """A date written exactly YYYY-MM-DD; a ValueError saying what is wrong (format, month or day)."""
    text = text.strip()
    match = _ISO_DAY.fullmatch(text)
    if not match:
        raise ValueError(f"{excerpt(text)} is not a date written YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    if year < 1:
        raise ValueError(f"{text}: there is no year 0")
    if not 1 <= month <= 12:
        raise ValueError(f"{text}: there is no month {month}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"{text}: that day does not exist ({calendar.month_name[month]} {year} has {days} days)")
    return dt.date(year, month, day)


def iso_date(value: object) -> dt.date:
    """A date or text written exactly YYYY-MM-DD; nothing else (no timestamp, no datetime: rules speak of days)."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date, got a date and time: pass its day (datetime.date or YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_iso_date(value)
    raise ValueError(f"expected a date written YYYY-MM-DD, got {type(value).__name__}")


def _text(value: object) -> object:
    """Text that can be written out (UTF-8): no unpaired surrogate, the trace of undecodable bytes."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("not valid text: it holds an unpaired surrogate (bytes that were not decoded)") from None
    return value


def _named(value: object) -> object:
    if isinstance(_text(value), str):
        value = value.strip()
        if not value:
            raise ValueError("a name needs some text (it is empty or only spaces)")
    return value


def _plain_number(value: object) -> object:
    """Refuse what a float field would silently take: a bool (as 1/0), text ('5'), NaN, an infinity."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a yes/no value")
    if isinstance(value, str):
        raise ValueError(f"expected a number, got text {excerpt(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
#: A finite figure >= 0 (never NaN, infinity or a bool read as 1/0).
Magnitude = Annotated[float, BeforeValidator(_plain_number), Field(ge=0, allow_inf_nan=False)]
#: A yes/no fact given as a bool (never 'yes', 1 or 0 read as one).
YesNo = Annotated[bool, Field(strict=True)]
#: Free text given by a user (an id): valid UTF-8.
Text = Annotated[str, BeforeValidator(_text), Field(max_length=300)]
#: A name: text with something other than spaces in it.
Name = Annotated[str, BeforeValidator(lambda v: _named(v)), Field(min_length=1, max_length=300)]
#: A fraction 0-1 (an ownership share: 0.6 for 60 %).
Fraction = Annotated[float, BeforeValidator(_plain_number), Field(ge=0, le=1, allow_inf_nan=False)]
#: A finite figure > 0 (a die area).
Area = Annotated[float, BeforeValidator(_plain_number), Field(gt=0, allow_inf_nan=False)]


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


class InputModel(Strict):
    """Base of the models users build (Order, Chip, Party): invalid values raise one-line InputErrors."""

    def __init__(self, **data: object):
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise input_error(exc, type(self).__name__) from None


_WRONG_BRANCH = frozenset({"string_type", "model_type", "dict_type", "model_attributes_type"})
_BRANCH_TAGS = frozenset({"str", "Chip", "Party", "function-after[_derive_density(), Chip]"})


def input_error(exc: ValidationError, what: str) -> InputError:
    """One line for a pydantic ValidationError: where, what is wrong, and a short excerpt of the value."""
    errors = exc.errors()
    # of a union's alternatives (a name or an inline Chip), the deepest error is the one that explains
    first = max(errors, key=lambda e: (e["type"] not in _WRONG_BRANCH, len(e["loc"])))
    where = ".".join(str(p) for p in first["loc"] if p not in _BRANCH_TAGS)
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown field (the fields of {what} are listed by its JSON Schema)"
    relevant = [e for e in errors if e["type"] not in _WRONG_BRANCH] or errors
    more = f" (and {len(relevant) - 1} more problem(s))" if len(relevant) > 1 else ""
    return InputError(f"bad {what}{' ' + where if where else ''}: {message}{more}")


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
