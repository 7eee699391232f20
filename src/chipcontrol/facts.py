"""The named facts conditions read, and how an order's facts are built from its resolved parts."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Callable

from .chips import Chip
from .conditions import groups_key
from .parties import ListName, Party
from .rules import Kind

#: Every fact a condition may name, with its kind (number, string, bool, country, set).
FACT_KINDS: dict[str, str] = {
    "chip.id": "string",
    "chip.vendor": "string",
    "chip.tpp": "number",
    "chip.performance_density": "number",
    "chip.io_bidirectional_gbps": "number",
    "chip.die_area_mm2": "number",
    "chip.memory_bandwidth_gbps": "number",
    "chip.datacenter": "bool",
    "chip.subject_to_ear": "bool",
    "buyer.id": "string",
    "buyer.headquarters": "country",
    "buyer.ultimate_parent_headquarters": "country",
    "buyer.entity_listed": "bool",
    "buyer.listed_owner_share": "number",
    "buyer.ai_training_compute_log10_ops": "number",
    "buyer.ai_military_intelligence_surveillance": "bool",
    "buyer.designs_3a090a_ics": "bool",
    "buyer.other_semiconductor_activity": "bool",
    "buyer.quantum": "bool",
    "seller.id": "string",
    "seller.headquarters": "country",
    "destination": "country",
    "order.kind": "string",
    "order.origin": "country",
    "order.claims": "set",
}

COUNTRY_FACTS = tuple(name for name, kind in FACT_KINDS.items() if kind == "country")


@dataclass(frozen=True)
class ResolutionNote:
    """Something resolution decided that the verdict must say (an advisory of kind `kind`)."""

    kind: str  # an AdvisoryKind value
    message: str


@dataclass(frozen=True)
class ResolvedOrder:
    """An order whose names have been resolved against the catalogs."""

    chip: Chip | None
    buyer: Party  # country fields as ISO alpha-2 codes
    seller: Party | None
    destination: str  # as asked (ISO alpha-2)
    ear_destination: str  # as the EAR treats it (Hong Kong -> CN)
    date: dt.date
    kind: Kind
    claims: frozenset[str]
    origin: str | None = None  # where it ships from (ISO alpha-2); None for cloud access and investment
    buyer_listed_owner_share: float | None = 0.0  # held by Entity List parties and affiliates (ownership.py)
    quantity: int | None = None
    unknown_facts: frozenset[str] = frozenset()  # facts resolution could not settle (a possible list match)
    notes: tuple[ResolutionNote, ...] = ()


def _log10(value: float | None) -> float | None:
    """Compute thresholds like 10^25 operations are compared on a log10 scale (exact for powers of ten)."""
    if value is None:
        return None
    return round(math.log10(value), 6) if value > 0 else -1000.0  # no training compute at all


def chip_facts(chip: Chip | None) -> dict[str, Any]:
    """The chip's facts (all None without a chip)."""
    return {
        "chip.id": chip.id if chip else None,
        "chip.vendor": chip.vendor if chip else None,
        "chip.tpp": chip.tpp if chip else None,
        "chip.performance_density": chip.performance_density if chip else None,
        "chip.io_bidirectional_gbps": chip.io_bidirectional_gbps if chip else None,
        "chip.die_area_mm2": chip.die_area_mm2 if chip else None,
        "chip.memory_bandwidth_gbps": chip.memory_bandwidth_gbps if chip else None,
        "chip.datacenter": chip.datacenter if chip else None,
        "chip.subject_to_ear": chip.subject_to_ear if chip else None,
    }


def buyer_facts(buyer: Party, day: dt.date, listed_owner_share: float | None, unknown: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The buyer's facts on `day`; the facts in `unknown` (a possible list match) are None."""
    facts = {
        "buyer.id": buyer.id,
        "buyer.headquarters": buyer.headquarters,
        "buyer.ultimate_parent_headquarters": buyer.ultimate_parent_headquarters,
        "buyer.entity_listed": buyer.listed_on(ListName.ENTITY_LIST, day),
        "buyer.listed_owner_share": listed_owner_share,
        "buyer.ai_training_compute_log10_ops": _log10(buyer.ai_training_compute_ops),
        "buyer.ai_military_intelligence_surveillance": buyer.ai_military_intelligence_surveillance,
        "buyer.designs_3a090a_ics": buyer.designs_3a090a_ics,
        "buyer.other_semiconductor_activity": buyer.other_semiconductor_activity,
        "buyer.quantum": buyer.quantum,
    }
    for name in unknown:
        facts[name] = None
    return facts


def seller_facts(seller: Party | None) -> dict[str, Any]:
    return {
        "seller.id": seller.id if seller else None,
        "seller.headquarters": seller.headquarters if seller else None,
    }


def build_facts(order: ResolvedOrder, groups_on: Callable[[str, dt.date], frozenset[str]]) -> dict[str, Any]:
    """The flat fact mapping conditions are evaluated against. Unknown facts are None."""
    facts: dict[str, Any] = {
        **chip_facts(order.chip),
        **buyer_facts(order.buyer, order.date, order.buyer_listed_owner_share, order.unknown_facts),
        **seller_facts(order.seller),
        "destination": order.ear_destination,
        "order.kind": order.kind.value,
        "order.origin": order.origin,
        "order.claims": order.claims,
    }
    for name in COUNTRY_FACTS:
        if facts[name] is not None:
            facts[groups_key(name)] = groups_on(facts[name], order.date)
    return facts
