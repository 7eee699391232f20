"""The question asked: an Order (what, to whom, where, when, what kind of transaction)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from .chips import Chip
from .parties import Party
from .provenance import InputModel, iso_date
from .rules import Kind


class Order(InputModel):
    """An order to evaluate. Names resolve through the catalogs; inline Chip and Party are accepted too."""

    item: str | Chip | None = Field(default=None, description="Chip name, alias or id, or an inline Chip.")
    buyer: str | Party = Field(description="Buyer (or investment target) name, alias or id, or an inline Party.")
    destination: str | None = Field(
        default=None, description="ISO 3166 alpha-2 code or country name; defaults to the buyer's headquarters."
    )
    origin: str | None = Field(
        default=None,
        max_length=100,
        description="Country the item ships from (ISO code or name): US for an export (the default); required for "
        "a reexport; the destination itself for an in-country transfer.",
    )
    date: dt.date = Field(description="Date of the export (or transaction); ISO 'YYYY-MM-DD'.")
    kind: Kind = Kind.EXPORT
    seller: str | Party | None = Field(default=None, description="Exporter; defaults to the chip's vendor.")
    quantity: int | None = Field(default=None, ge=1, strict=True, description="Units ordered (recorded; see the verdict).")
    order_date: dt.date | None = Field(default=None, description="When the order was placed, if it differs.")
    claims: list[str] = Field(
        default_factory=list,
        description="Authorisations the exporter invokes (a rule's `claim`, e.g. 'nvda-2022-hk-fulfilment').",
    )

    @field_validator("date", "order_date", mode="before")
    @classmethod
    def _strict_iso_date(cls, value: object) -> object:
        return iso_date(value)
