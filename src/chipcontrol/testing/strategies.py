"""hypothesis strategies drawn from a rulebook: orders whose figures, dates, places and parties sit at, just
before and just after every boundary the rules draw, so a property meets each place an answer can change.

Every strategy takes the rulebook and reads what it needs from it (boundaries.py); nothing is typed in for
the bundled rules. Each part of an order can be narrowed: `orders(rb, item="H200", kinds=["export"])`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache

from hypothesis import strategies as st

from .. import boundaries as b
from ..chips import Chip
from ..order import Order
from ..parties import ListEntry, ListName, Party
from ..rules import Kind

DAY = dt.timedelta(days=1)
#: Names no catalog uses, so an inline chip or buyer is judged on its stated facts alone.
INLINE_CHIP_NAMES = ("Acme X1", "Inline GPU", "Ünïcode “chip” 1")
INLINE_BUYER_NAMES = ("Acme AI Lab", "Inline Buyer", "Lab “x” $1")
UNKNOWN_CLAIM = "no-such-authorisation"
CROSS_BORDER = (Kind.EXPORT, Kind.REEXPORT, Kind.IN_COUNTRY_TRANSFER)  # refused with destination US


def _strategy(value, default: st.SearchStrategy) -> st.SearchStrategy:
    """A narrowing argument as a strategy: None -> the default; a strategy as is; a list -> one of it; else just it."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return st.sampled_from(sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value))
    return st.just(value)


def around(values: Iterable[float], low: float = 0.0) -> list[float]:
    """Each value, the floats just below and above it, and 1 % either side (none below `low`)."""
    points = set()
    for v in values:
        points.update((v, math.nextafter(v, -math.inf), math.nextafter(v, math.inf), v * 0.99, v * 1.01))
    return sorted(p for p in points if p >= low)


@lru_cache(maxsize=8)
def _thresholds(rulebook) -> dict[str, list[float]]:
    return b.threshold_values(rulebook)


@lru_cache(maxsize=256)
def figures(rulebook, fact: str, *, unknown: bool = True) -> st.SearchStrategy:
    """Values of a number fact: around each threshold the rules compare it with, anything in range, or None."""
    thresholds = _thresholds(rulebook).get(fact, [])
    top = 2 * max(thresholds, default=1000.0)
    near = st.sampled_from(around(thresholds)) if thresholds else st.nothing()
    anything = st.floats(min_value=0, max_value=top, allow_nan=False, allow_infinity=False)
    return st.one_of(near, near, anything, *([st.none()] if unknown else []))


def inline_chips(rulebook, *, vendors: Sequence[str] | None = None, unknown: bool = True) -> st.SearchStrategy[Chip]:
    """A chip not in the catalog with figures around every threshold; vendors: a catalog vendor or a made-up one."""
    return _inline_chips(rulebook, tuple(vendors) if vendors is not None else None, unknown)


@lru_cache(maxsize=32)
def _vendors(rulebook) -> st.SearchStrategy:
    names = sorted({rulebook.parties[chip.vendor].name for chip in rulebook.chips.values() if chip.vendor in rulebook.parties})
    return st.sampled_from(["Acme Semi", *names])


@lru_cache(maxsize=32)
def _inline_chips(rulebook, vendors: tuple | None, unknown: bool) -> st.SearchStrategy[Chip]:
    return _draw_inline_chip(rulebook, vendors, unknown)


_FLAG = st.booleans() | st.none()
_AREA = st.sampled_from([100.0, 300.0, 600.0, 814.0])


@st.composite
def _draw_inline_chip(draw, rulebook, vendors, unknown) -> Chip:
    vendor = draw(st.sampled_from(vendors) if vendors else _vendors(rulebook))
    fields = {
        "name": draw(st.sampled_from(INLINE_CHIP_NAMES)),
        "vendor": vendor,
        "tpp": draw(figures(rulebook, "chip.tpp", unknown=unknown)),
        "io_bidirectional_gbps": draw(figures(rulebook, "chip.io_bidirectional_gbps", unknown=unknown)),
        "memory_bandwidth_gbps": draw(figures(rulebook, "chip.memory_bandwidth_gbps", unknown=unknown)),
        "datacenter": draw(_FLAG if unknown else st.booleans()),
        "subject_to_ear": draw(_FLAG if unknown else st.booleans()),
    }
    if draw(st.booleans()):
        fields["performance_density"] = draw(figures(rulebook, "chip.performance_density", unknown=unknown))
    else:
        fields["die_area_mm2"] = draw(_AREA | st.none() if unknown else _AREA)
    return Chip(**fields)


def catalog_names(records) -> list[str]:
    """Ids, names and a first alias of catalog records: every way an order may name them."""
    names = []
    for record in records.values():
        names += [record.id, record.name, *record.aliases[:1]]
    return sorted(set(names))


@lru_cache(maxsize=64)
def _named_strings(rulebook, fact: str) -> tuple[str, ...]:
    return tuple(b.named_strings(rulebook, fact))


@lru_cache(maxsize=16)
def _catalog(rulebook, which: str) -> tuple[str, ...]:
    return tuple(catalog_names(getattr(rulebook, which)))


def _named(rulebook, fact: str, catalog: dict) -> st.SearchStrategy:
    """Catalog records a rule names by id (chip.id == "amd-mi308"): drawn as often as all the others together."""
    named = [ident for ident in _named_strings(rulebook, fact) if ident in catalog]
    return st.sampled_from(named) if named else st.nothing()


@lru_cache(maxsize=32)
def chips(rulebook, *, inline: bool = True) -> st.SearchStrategy:
    """A catalog chip (by id, name or alias; one a rule names, often) or an inline one."""
    catalog = st.one_of(_named(rulebook, "chip.id", rulebook.chips), st.sampled_from(_catalog(rulebook, "chips")))
    return st.one_of(catalog, inline_chips(rulebook)) if inline else catalog


@lru_cache(maxsize=8)
def _boundary_days(rulebook) -> tuple[dt.date, ...]:
    return tuple(sorted({d + k * DAY for d in b.change_days(rulebook) for k in (-1, 0, 1)}))


@lru_cache(maxsize=64)
def days(rulebook, start: dt.date | None = None, end: dt.date | None = None, *, outside: bool = True) -> st.SearchStrategy:
    """Days before, on and after every change day (rules, list entries, group memberships), any day between,
    and (with `outside`) days beyond the coverage. `start`/`end` (inclusive) narrow them."""
    cov = rulebook.coverage
    low = start or (cov.start - 400 * DAY if outside else cov.start)
    high = end or (cov.last_encoded + 400 * DAY if outside else cov.until - DAY)
    near = [d for d in _boundary_days(rulebook) if low <= d <= high]
    inside = st.dates(min_value=max(low, cov.start), max_value=max(min(high, cov.until - DAY), max(low, cov.start)))
    return st.one_of(st.sampled_from(near) if near else st.nothing(), inside, st.dates(min_value=low, max_value=high))


@lru_cache(maxsize=8)
def destination_pool(rulebook) -> list[str]:
    """Countries in every group the rules name, those the rules name, excluded ones, and a few in no group."""
    named = set(b.named_groups(rulebook))
    codes = {m.country for g in rulebook.groups.values() if g.id in named for m in g.members}
    codes |= set(b.named_countries(rulebook))
    codes |= {c for excluded in rulebook.coverage.excluded_destinations for c in excluded.countries}
    codes |= {c.ear_treated_as.country for c in rulebook.countries.values() if c.ear_treated_as}
    codes |= {c.code for c in rulebook.countries.values() if c.ear_treated_as}
    grouped = {m.country for g in rulebook.groups.values() for m in g.members}
    codes |= set(sorted(set(rulebook.countries) - grouped)[:4])
    return sorted(c for c in codes if c in rulebook.countries)


@lru_cache(maxsize=32)
def destinations(rulebook, *, default: bool = True) -> st.SearchStrategy:
    """A destination from destination_pool by code (or now and then by English name), or (with `default`)
    None: the buyer's headquarters."""
    pool = st.sampled_from(destination_pool(rulebook))
    named = pool.map(lambda code: rulebook.countries[code].name)
    return st.one_of(pool, pool, named, st.none()) if default else st.one_of(pool, pool, named)


@lru_cache(maxsize=8)
def _listed_parties(rulebook) -> tuple[str, ...]:
    return tuple(sorted(p.id for p in rulebook.parties.values() if any(e.list is ListName.ENTITY_LIST for e in p.lists)))


def _instrument(rulebook) -> str:
    return next(s.id for s in sorted(rulebook.sources.values(), key=lambda s: s.id) if s.kind.value == "instrument")


@st.composite
def inline_buyers(draw, rulebook, *, headquarters=None) -> Party:
    """A buyer not in the catalog: headquarters and parent anywhere the rules look, no list entries or one
    starting on a change day, owners from the Entity List holding shares around the affiliates threshold, and
    investment-target facts around the thresholds the rules read."""
    pool = destination_pool(rulebook)
    fields: dict = {
        "name": draw(st.sampled_from(INLINE_BUYER_NAMES)),
        "headquarters": draw(_strategy(headquarters, st.sampled_from(pool) | st.none())),
    }
    if draw(st.booleans()):
        fields["ultimate_parent_headquarters"] = draw(st.sampled_from(pool))
    lists = draw(st.sampled_from(["screen", "none", "entry"]))
    if lists == "none":
        fields["lists"] = []
    elif lists == "entry":
        added = draw(st.sampled_from(_boundary_days(rulebook)))
        removed = draw(st.none() | st.sampled_from([d for d in _boundary_days(rulebook) if d > added] or [added + DAY]))
        fields["lists"] = [ListEntry(list=ListName.ENTITY_LIST, added=added, removed=removed, source=_instrument(rulebook), confidence="primary")]
    listed = list(_listed_parties(rulebook))
    affiliates = rulebook._loaded.manifest.affiliates
    if listed and draw(st.booleans()):  # shares around the rulebook's own thresholds (none stated: the extremes)
        thresholds = [affiliates.share] if affiliates else []
        thresholds += _thresholds(rulebook).get("buyer.listed_owner_share", [])
        shares = [s for s in around(thresholds) if 0 <= s <= 1] + [0.0, 1.0]
        owners = draw(st.lists(st.sampled_from(listed), min_size=1, max_size=2, unique=True))
        fields["owners"] = [{"party": owner, "share": draw(st.sampled_from(shares) | st.none())} for owner in owners]
    compute = [10.0**t * f for t in _thresholds(rulebook).get("buyer.ai_training_compute_log10_ops", []) for f in (0.999, 1, 1.001)]
    if compute and draw(st.booleans()):
        fields["ai_training_compute_ops"] = draw(st.sampled_from(compute) | st.none())
        for flag in ("ai_military_intelligence_surveillance", "designs_3a090a_ics", "other_semiconductor_activity", "quantum"):
            fields[flag] = draw(st.none() | st.booleans())
    return Party(**fields)


@lru_cache(maxsize=32)
def buyers(rulebook, *, inline: bool = True) -> st.SearchStrategy:
    """A catalog party (by id, name or alias; one a rule names, often) or an inline buyer."""
    catalog = st.one_of(_named(rulebook, "buyer.id", rulebook.parties), st.sampled_from(_catalog(rulebook, "parties")))
    return st.one_of(catalog, inline_buyers(rulebook)) if inline else catalog


@lru_cache(maxsize=8)
def _claims(rulebook) -> tuple[str, ...]:
    return tuple(sorted({r.claim for r in rulebook.rules.values() if r.claim} | set(b.named_strings(rulebook, "order.claims"))))


def claim_names(rulebook) -> list[str]:
    """Every claim a rule accepts or a condition reads."""
    return list(_claims(rulebook))


def _headquarters(rulebook, buyer) -> str | None:
    if isinstance(buyer, Party):
        return buyer.headquarters
    try:
        return rulebook.party(buyer).headquarters.country
    except Exception:  # an unknown name: the order is refused whatever its destination
        return None


@lru_cache(maxsize=1024)
def _literals(rulebook, rule_id: str) -> dict[str, list]:
    return b.rule_literals(rulebook, rule_id)


@st.composite
def rule_targets(draw, rulebook) -> dict:
    """Order fields aimed at one rule: a chip, buyer and destination its condition names, a kind it speaks to,
    its claim, and a day around its own boundaries (so each rule is met on both sides of its dates)."""
    rule = rulebook.rules[draw(st.sampled_from(sorted(rulebook.rules)))]
    names = _literals(rulebook, rule.id)
    fields: dict = {"kinds": [k.value for k in rule.kinds]}
    chip_ids = [i for i in names.get("chip.id", []) if i in rulebook.chips]
    if chip_ids:
        fields["item"] = draw(st.sampled_from(chip_ids))
    buyer_ids = [i for i in names.get("buyer.id", []) if i in rulebook.parties]
    if buyer_ids:
        fields["buyer"] = draw(st.sampled_from(buyer_ids))
    places = {str(v) for key in ("destination", "buyer.headquarters") for v in names.get(key, [])}
    for key in ("destination#groups", "buyer.headquarters#groups", "buyer.ultimate_parent_headquarters#groups"):
        for group in names.get(key, []):
            places |= {m.country for m in rulebook.groups[group].members} if group in rulebook.groups else set()
    places &= set(rulebook.countries)
    if places:
        fields["destination"] = draw(st.sampled_from(sorted(places)))
    if rule.claim:
        fields["claims"] = st.just([rule.claim])
    edges = [d for d in (rule.effective, rule.until) if d]
    fields["dates"] = st.sampled_from(sorted({d + k * DAY for d in edges for k in (-30, -1, 0, 1, 30)}))
    return fields


@st.composite
def orders(
    draw,
    rulebook,
    *,
    item=None,
    buyer=None,
    destination=None,
    kinds=None,
    dates=None,
    claims=None,
    seller=None,
    inline: bool = True,
    unknown: bool = True,
) -> Order:
    """An order of the rulebook's world. Each argument narrows a part: a value, a list of values or a strategy
    (`kinds` a list of kinds, `dates` a strategy or a (start, end) pair, `claims` the list of claims or a
    strategy of lists). Left alone, half the orders aim at
    one rule (rule_targets). `unknown` adds, rarely, a claim no rule knows (the order is then refused).
    The seller is mostly left to default to the chip's vendor, else a catalog or inline party."""
    narrowed = any(v is not None for v in (item, buyer, destination, kinds, dates, claims))
    targeted = not narrowed and draw(st.booleans())  # half the time, aim at one rule
    if targeted:
        target = draw(rule_targets(rulebook))
        kinds, dates, claims = target["kinds"], target["dates"], target.get("claims")
        item, buyer, destination = target.get("item"), target.get("buyer"), target.get("destination")
    kind = Kind(draw(_strategy(kinds, st.sampled_from(list(Kind)))))
    chip = draw(_strategy(item, chips(rulebook, inline=inline)))
    if chip is None and kind not in (Kind.INVESTMENT, Kind.CLOUD_ACCESS):
        chip = draw(chips(rulebook, inline=inline))
    who = draw(_strategy(buyer, buyers(rulebook, inline=inline)))
    where = draw(_strategy(destination, destinations(rulebook)))
    if where is None and _headquarters(rulebook, who) in (None, "US"):
        where = draw(st.sampled_from([c for c in destination_pool(rulebook) if c != "US"]))
    if where == "US" and kind in CROSS_BORDER and (destination is None or targeted):
        where = "CN" if "CN" in rulebook.countries else None
    if isinstance(dates, tuple):
        day = draw(days(rulebook, *dates))
    else:
        day = draw(_strategy(dates, days(rulebook)))
    origin = None
    if kind is Kind.REEXPORT:
        pool = [c for c in destination_pool(rulebook) if c not in ("US", where, _headquarters(rulebook, who))]
        origin = draw(st.sampled_from(pool))
    known = claim_names(rulebook)
    pool = known + ([UNKNOWN_CLAIM] if unknown else [])
    if isinstance(claims, (list, tuple)):
        claims = st.just(list(claims))  # the claims themselves, not a choice among them
    chosen = draw(_strategy(claims, st.lists(st.sampled_from(known), max_size=2, unique=True) if known else st.just([])))
    if unknown and claims is None and pool and draw(st.sampled_from(range(20))) == 19:
        chosen = [*chosen, UNKNOWN_CLAIM]
    return Order(
        item=chip,
        buyer=who,
        destination=where,
        origin=origin,
        date=day,
        kind=kind,
        claims=list(chosen),
        seller=None if targeted else draw(_strategy(seller, st.one_of(st.none(), st.none(), buyers(rulebook, inline=inline)))),
    )
