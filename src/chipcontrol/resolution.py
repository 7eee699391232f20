"""Resolve: an Order's names, countries and claims into catalog records and ISO codes (design.md §1, §3 rule 12).

Nothing is silently reinterpreted: an unknown name, country or claim is an InputError with close matches.
An inline chip or party whose name (or id) is a catalog record's *is* that record: figures it states that
the catalog lacks are used and reported, figures that contradict the catalog are an InputError (name the
part differently to ask about a hypothetical chip). An inline buyer that is no catalog party is screened
by name against the catalog's listed parties (screening.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from .chips import Chip, ChipRecord, SystemRecord, slug
from .errors import InputError, excerpt, unknown_name
from .facts import ResolutionNote, ResolvedOrder
from .names import BoundedCache, NameIndex, norm
from .order import Order
from .parties import Party, PartyRecord
from .rules import Kind
from .ownership import OwnershipGraph
from .screening import PartyScreen

#: Chip figures an inline chip may state; compared with the catalog's when the chip is a catalog chip.
CHIP_FIGURES = ("tpp", "io_bidirectional_gbps", "die_area_mm2", "performance_density", "memory_bandwidth_gbps",
                "datacenter", "subject_to_ear")
#: Party facts an inline party may state; compared with the catalog's when the party is a catalog party.
PARTY_FACTS = ("headquarters", "ultimate_parent_headquarters", "lists", "ai_training_compute_ops",
               "ai_military_intelligence_surveillance", "designs_3a090a_ics", "other_semiconductor_activity", "quantum")
#: Kinds of order that send an item abroad (a destination of US is not one of them).
CROSS_BORDER = (Kind.EXPORT, Kind.REEXPORT, Kind.IN_COUNTRY_TRANSFER)
#: Words of a product name that do not change which part it is: memory size and type, brand lines.
_IGNORABLE = re.compile(r"^(\d+(gb|g|tb)|gb|tb|hbm\d*e?|gddr\d+x?|geforce|instinct|tesla|habana)$")
_MEMORY_SIZE = re.compile(r"\b(\d+) (gb|tb)\b")
#: Fact a possible list match leaves unknown (the buyer may be that listed party).
SCREENED_FACTS = frozenset({"buyer.entity_listed", "buyer.id"})


class Resolver:
    """Name, country and claim look-ups over one rulebook's catalogs; `resolve(order)` for a whole order."""

    def __init__(
        self,
        chips: dict[str, ChipRecord],
        parties: dict[str, PartyRecord],
        countries,
        rules,
        presumed_ear,
        systems=None,
        affiliate_share: float | None = None,
    ):
        self._chips, self._parties, self._countries = chips, parties, countries
        self._presumed_ear = frozenset(presumed_ear)
        self.country_names = NameIndex(
            "country",
            ((c.code, [c.code, c.alpha3, c.name, *c.aliases]) for c in countries.values()),
            shown=[c.code for c in countries.values()] + [c.name for c in countries.values()],
        )
        self.chip_names = NameIndex(
            "chip", ((c.id, [c.id, c.name, *c.aliases]) for c in chips.values()),
            shown=[n for c in chips.values() for n in (c.name, *c.aliases)],
        )
        self._systems: dict[str, SystemRecord] = systems or {}
        self.system_names = NameIndex("system", ((s.id, [s.id, s.name, *s.aliases]) for s in self._systems.values()))
        self.party_names = NameIndex(
            "party", ((p.id, [p.id, p.name, *p.aliases]) for p in parties.values()),
            shown=[n for p in parties.values() for n in (p.name, *p.aliases)],
        )
        self._vendor_words = sorted(
            {norm(n) for c in chips.values() for n in (c.vendor, parties[c.vendor].name) if c.vendor in parties}, key=len, reverse=True
        )
        self._chip_keys = sorted(self.chip_names.ids.items())
        self.claims = {rule.claim: rule.id for rule in rules.values() if rule.claim}
        self.screen = PartyScreen(parties, {w for c in countries.values() for n in (c.name, *c.aliases) for w in norm(n).split()})
        self.ownership = OwnershipGraph(
            parties, self.party_names.get, lambda name, day: bool(self.screen.matches(name, day)), affiliate_share
        )
        self._chip_ids: BoundedCache = BoundedCache()  # normal form of a name -> catalog chip id or None
        self._unknown: BoundedCache = BoundedCache(10_000)  # (kind, name, role) -> the message for an unknown name
        self._extensions: BoundedCache = BoundedCache()  # (name, chosen chip) -> other chips it could mean
        self._party_views: dict[str, Party] = {}  # plain caches: an lru_cache of a bound method would be a
        self._chip_views: dict[str, Chip] = {}  # reference cycle, keeping a dropped rulebook alive until gc

    # ------------------------------------------------------------------------------------ single names

    def country(self, value: object, what: str = "country") -> str:
        """The ISO alpha-2 code of a country named by either ISO code or an English name or alias, any case."""
        return self._lookup(self.country_names, value, what)

    def chip_id(self, name: object) -> str | None:
        """The catalog chip a product name stands for ('Nvidia H20 96GB' -> nvidia-h20), or None."""
        if not isinstance(name, str):
            return None
        key = norm(name)
        if key not in self._chip_ids:
            ids = self.chip_names.ids
            self._chip_ids[key] = next((ids[form] for form in self._chip_name_forms(key) if form in ids), None)
        return self._chip_ids[key]

    def chip(self, name: object) -> ChipRecord:
        """A catalog chip by id, name or alias; InputError with close matches if unknown (a system: see `system`)."""
        chip_id = self.chip_id(name)
        if chip_id is None:
            system = self.system(name)
            if system is None:
                self._lookup(self.chip_names, name)  # raises, with close matches
            return self._chips[system.chip]
        return self._chips[chip_id]

    def system(self, name: object) -> SystemRecord | None:
        """The catalog system a name stands for (None: none); InputError for one that is refused."""
        system_id = self.system_names.get(name)
        if system_id is None:
            return None
        system = self._systems[system_id]
        if not system.resolves:
            chip = self._chips[system.chip]
            raise InputError(f"{system.name} is a system, not a chip: {system.note} Name the chip ({chip.name}) to ask about it")
        return system

    def party(self, name: object) -> PartyRecord:
        """A catalog party by id, name or alias; InputError with close matches if unknown."""
        return self._parties[self._lookup(self.party_names, name)]

    def claim(self, value: object) -> str:
        """A claim some rule defines; InputError with close matches if none does."""
        if isinstance(value, str) and value in self.claims:
            return value
        raise self._unknown_error(("claim", _name_key(value)), lambda: unknown_name("claim", value, sorted(self.claims)))

    def _lookup(self, index: NameIndex, name: object, role: str | None = None) -> str:
        """`index.resolve(name, role)`, with the error for an unknown name (its close matches take a search)
        worked out once per name."""
        found = index.get(name)
        if found is not None:
            return found
        raise self._unknown_error((index.kind, _name_key(name), role), lambda: _raised(index.resolve, name, role))

    def _unknown_error(self, key: tuple, make) -> InputError:
        """The InputError for an unknown name, made by `make()` the first time `key` is seen."""
        try:
            message = self._unknown.get(key)
        except TypeError:  # a value that cannot be a key (a list): no cache
            return make()
        if message is None:
            message = self._unknown[key] = str(make())
        return InputError(message)

    def _chip_name_forms(self, key: str):
        """The name as typed, then without memory size/type and brand words, then without the vendor too."""
        yield key
        words = [w for w in _MEMORY_SIZE.sub(r"\1\2", key).split() if not _IGNORABLE.match(w)]
        bare = " ".join(words)
        yield bare
        for vendor in self._vendor_words:
            for form in (key, bare):
                if form.startswith(vendor + " "):
                    yield form[len(vendor) + 1 :]

    def _also_matching(self, name: str, chosen: str) -> list[str]:
        """Other catalog chips whose names extend `name` ('H100' -> H100 PCIe, H100 NVL)."""
        key = (norm(name), chosen)
        if key not in self._extensions:
            prefix = key[0] + " "
            self._extensions[key] = sorted({i for k, i in self._chip_keys if i != chosen and k.startswith(prefix)})
        return self._extensions[key]

    # ------------------------------------------------------------------------------------ whole order

    def resolve(self, order: Order) -> ResolvedOrder:
        """Resolve every name, country and claim of an order; InputError (with close matches) for bad input."""
        if not isinstance(order, Order):
            raise InputError(f"expected a chipcontrol Order, got {type(order).__name__}")
        notes: list[ResolutionNote] = []
        unknown: set[str] = set()
        buyer = self.buyer(order.buyer, order.date, notes, unknown)
        chip = self.item(order.item, order.kind, notes)
        seller = self.seller(order.seller, chip, notes)
        ownership = self.ownership.listed_share(buyer, order.date)
        self.note_red_flags(buyer, ownership.red_flags, notes)
        destination = self.destination(order.destination, order.kind, buyer)
        origin = self.origin(order.origin, order.kind, destination)
        claims = frozenset(self.claim(c) for c in order.claims)
        if order.quantity is not None:
            notes.append(ResolutionNote("note", f"quantity {order.quantity} is recorded; no rule of this rulebook reads "
                                                "quantity (its licence requirements do not depend on volume)"))
        return ResolvedOrder(
            chip=chip,
            buyer=buyer,
            seller=seller,
            destination=destination,
            ear_destination=self.ear_destination(destination, order.date),
            date=order.date,
            kind=order.kind,
            claims=claims,
            origin=origin,
            buyer_listed_owner_share=ownership.share,
            quantity=order.quantity,
            unknown_facts=frozenset(unknown),
            notes=tuple(notes),
        )

    def item(self, item: str | Chip | None, kind: Kind, notes: list[ResolutionNote]) -> Chip | None:
        """The chip an order's item stands for (None: no item, which only investment and cloud access allow)."""
        chip = self.chip_of(item, notes) if item is not None else None
        if chip is None and kind not in (Kind.INVESTMENT, Kind.CLOUD_ACCESS):
            raise InputError(f"an order of kind {kind.value!r} needs an item (a chip)")
        return chip

    def seller(self, who: str | Party | None, chip: Chip | None, notes: list[ResolutionNote]) -> Party | None:
        """The seller as given, else the chip's vendor (None: neither)."""
        if who is not None:
            return self.party_of(who, "seller", notes)
        if chip is not None:
            return self.party_view(chip.vendor) if chip.vendor in self._parties else Party(name=chip.vendor)
        return None

    def ear_destination(self, code: str, day: dt.date) -> str:
        """The destination as the EAR treats it on `day` (Hong Kong as China from 2020)."""
        treated = self._countries[code].ear_treated_as
        return treated.country if treated and treated.since <= day else code

    def destination(self, given: str | None, kind: Kind, buyer: Party) -> str:
        """The destination's ISO code: as given, else the buyer's headquarters; never the US for a cross-border kind."""
        if given is not None:
            code = self.country(given, "destination")
        elif buyer.headquarters is not None:
            code = buyer.headquarters
        else:
            raise InputError(f"no destination given and the headquarters of {buyer.name!r} is unknown")
        if code == "US" and kind in CROSS_BORDER:
            how = "" if given is not None else " (the buyer's headquarters, as no destination was given)"
            raise InputError(
                f"destination US{how}: an order of kind {kind.value!r} sends the item out of the United States "
                "or between foreign countries; a shipment within or into the US is not one (give the foreign destination)"
            )
        return code

    def origin(self, given: str | None, kind: Kind, destination: str) -> str | None:
        """Where the item ships from: US for an export, a foreign country for a reexport, the destination
        itself for an in-country transfer; as given (or None) for cloud access and investment."""
        origin = self.country(given, "origin") if given is not None else None
        if kind is Kind.EXPORT:
            if origin not in (None, "US"):
                raise InputError(f"origin {origin}: an export ships from the United States; from {origin} it is a reexport (kind 'reexport')")
            return "US"
        if kind is Kind.REEXPORT:
            if origin is None:
                raise InputError("a reexport needs its origin: the foreign country the item ships from (origin=...)")
            if origin == "US":
                raise InputError("origin US: an item shipped from the United States is an export (kind 'export'), not a reexport")
            if origin == destination:
                raise InputError(f"origin and destination are both {origin}: a transfer within one country is kind 'in_country_transfer'")
            return origin
        if kind is Kind.IN_COUNTRY_TRANSFER:
            if origin not in (None, destination):
                raise InputError(f"origin {origin} is not the destination {destination}: an in-country transfer stays in one country")
            return destination
        return origin

    # ------------------------------------------------------------------------------------ items

    def chip_of(self, item: str | Chip, notes: list[ResolutionNote]) -> Chip:
        """The chip an item (a name, or an inline Chip) stands for, with notes on how it was read."""
        if not isinstance(item, Chip):
            record = self.chip(item)
            system = self.system(item) if self.chip_id(item) is None else None
            if system is not None:
                count = f"{system.count} × " if system.count else ""
                notes.append(ResolutionNote("resolution", f"{str(item)!r} is {system.name}, a system of {count}{record.name} ({record.id}): "
                                                          "judged as that chip (the rules read the chip's figures; quantity is not modelled)"))
            else:
                self._note_alternatives(str(item), record, notes)
            return self.chip_view(record.id)
        by_id = self._chip_id_stated(item)
        by_name = self.chip_id(item.name)
        if by_id and by_name and by_id != by_name:
            raise InputError(
                f"inline chip {item.name!r} names catalog chip {by_name!r} but its id is catalog chip {by_id!r}: give one"
            )
        chip_id = by_id or by_name
        if chip_id is None:
            return self._unknown_chip(item)
        record = self._chips[chip_id]
        vendor = self.party_names.get(item.vendor) if "vendor" in item.model_fields_set else None
        if "vendor" in item.model_fields_set and vendor != record.vendor:
            raise InputError(
                f"inline chip {item.name!r} is catalog chip {record.name} ({record.id}), made by {record.vendor}, "
                f"not {item.vendor!r}: fix the vendor, or name the part differently to ask about another chip"
            )
        chip, supplied = _merge(self.chip_view(chip_id), item, CHIP_FIGURES, f"inline chip {item.name!r}", f"catalog chip {record.name} ({record.id})")
        message = f"inline chip {item.name!r} is the catalog's {record.name} ({record.id}) and is judged as that chip"
        if supplied:
            message += f"; figures the catalog does not have were taken from the order: {', '.join(supplied)}"
        notes.append(ResolutionNote("resolution", message))
        self._note_alternatives(item.name, record, notes)
        return chip

    def _chip_id_stated(self, item: Chip) -> str | None:
        """The catalog chip an inline chip's explicitly given id names (None when the id is derived or unknown)."""
        if item.id is None or item.id == slug(item.name):
            return None
        return self.chip_names.get(item.id)

    def _unknown_chip(self, item: Chip) -> Chip:
        """An inline chip that is no catalog chip: judged on its figures and vendor alone."""
        update: dict = {}
        vendor_id = self.party_names.get(item.vendor)
        if vendor_id is not None:
            update["vendor"] = vendor_id
            if item.subject_to_ear is None and self._parties[vendor_id].headquarters.country in self._presumed_ear:
                update["subject_to_ear"] = True
        return item.model_copy(update=update)

    def _note_alternatives(self, name: str, record: ChipRecord, notes: list[ResolutionNote]) -> None:
        others = self._also_matching(name, record.id)
        if others:
            names = ", ".join(f"{self._chips[o].name} ({o})" for o in others)
            notes.append(ResolutionNote(
                "resolution", f"{name!r} was taken as {record.name} ({record.id}); it could also mean {names}: name the part to be sure"
            ))

    def chip_view(self, chip_id: str) -> Chip:
        """A catalog chip as the rules see it (built once)."""
        view = self._chip_views.get(chip_id)
        if view is None:
            view = self._chip_views[chip_id] = self._chips[chip_id].to_chip()
        return view

    # ------------------------------------------------------------------------------------ parties

    def buyer(self, who: str | Party, day: dt.date, notes: list[ResolutionNote], unknown: set[str]) -> Party:
        """The buyer on `day`; an inline one not in the catalog is screened by name (`unknown` gets the facts a
        possible list match leaves unknown)."""
        party = self.party_of(who, "buyer", notes)
        if not isinstance(who, Party) or party.id in self._parties or party.lists is not None:
            return party
        matches = self.screen.matches(party.name, day)
        if not matches:
            notes.append(ResolutionNote(
                "unscreened_party",
                f"buyer {party.name!r} is not a catalog party: it was checked only against the {self.screen.size} listed "
                "parties the catalog holds, not against the full Entity List or other screening lists; screen it, and "
                "state its list status (Party(lists=[...]); --buyer-not-listed on the command line) to settle it",
            ))
            return party
        unknown.update(SCREENED_FACTS)
        for match in matches:
            notes.append(ResolutionNote(
                "possible_list_match",
                f"buyer {party.name!r} may be {match.party_name} ({match.party_id}), {'; '.join(match.entries)}: "
                f"{match.how} ({match.matched_name!r}). Its list status is unknown until settled: pass the catalog name "
                f"{match.party_name!r} if it is that party, or state the buyer's list status (Party(lists=[...]), [] if it is on "
                "none; --buyer-not-listed on the command line)",
            ))
        return party

    def note_red_flags(self, party: Party, flagged: list[str], notes: list[ResolutionNote]) -> None:
        """A `red_flag` note for listed owners whose share is unknown."""
        if flagged:
            notes.append(ResolutionNote(
                "red_flag",
                f"{party.name} has an owner on the Entity List ({', '.join(sorted(set(flagged)))}) whose share is unknown: "
                "Red Flag 29 of the Affiliates rule (90 FR 47201) says to resolve the share or treat the party as covered "
                "while that rule is in force; its share is unknown to this verdict",
            ))

    def _check_owners(self, party: Party, role: str) -> None:
        """Every owner of an inline party is a catalog party or an inline one (InputError otherwise)."""
        for owner in party.owners:
            if isinstance(owner.party, Party):
                self._check_owners(owner.party, role)
            else:
                self._lookup(self.party_names, owner.party, f"owner of the {role}")

    def party_of(self, who: str | Party, role: str, notes: list[ResolutionNote]) -> Party:
        """A party named or given inline, in the role `role` (buyer, seller), with notes on how it was read."""
        if not isinstance(who, Party):
            return self.party_view(self.party(who).id)
        self._check_owners(who, role)
        headquarters = self.country(who.headquarters, f"{role} headquarters") if who.headquarters is not None else None
        parent = who.ultimate_parent_headquarters
        parent = self.country(parent, f"{role} ultimate parent headquarters") if parent is not None else headquarters
        given = who.model_copy(update={"headquarters": headquarters, "ultimate_parent_headquarters": parent})
        catalog_id = self.party_names.get(who.name)
        if catalog_id is None:
            return given
        record = self._parties[catalog_id]
        stated = who.model_fields_set - {"name", "id"}
        party, supplied = _merge(self.party_view(catalog_id), given, PARTY_FACTS, f"inline {role} {who.name!r}",
                                 f"catalog party {record.name} ({record.id})", stated)
        message = f"inline {role} {who.name!r} is the catalog's {record.name} ({record.id}) and is judged as that party"
        if supplied:
            message += f"; facts the catalog does not have were taken from the order: {', '.join(supplied)}"
        notes.append(ResolutionNote("resolution", message))
        return party

    def party_view(self, party_id: str) -> Party:
        """A catalog party as the rules see it (the ultimate parent's headquarters looked up; built once)."""
        view = self._party_views.get(party_id)
        if view is None:
            view = self._party_views[party_id] = self._build_party_view(party_id)
        return view

    def _build_party_view(self, party_id: str) -> Party:
        record = self._parties[party_id]
        top, seen = record, {record.id}
        while top.parent and top.parent not in seen:
            seen.add(top.parent)
            top = self._parties[top.parent]
        profile = record.outbound
        return Party(
            id=record.id,
            name=record.name,
            headquarters=record.headquarters.country,
            ultimate_parent_headquarters=top.headquarters.country,
            lists=record.lists,
            ai_training_compute_ops=profile.ai_training_compute_ops.value,
            ai_military_intelligence_surveillance=profile.ai_military_intelligence_surveillance.value,
            designs_3a090a_ics=profile.designs_3a090a_ics.value,
            other_semiconductor_activity=profile.other_semiconductor_activity.value,
            quantum=profile.quantum.value,
        )

    def list_dates(self, who: str | Party | None) -> set[dt.date]:
        """Dates on which a party's list status may change (for an unscreened inline buyer, its likely matches')."""
        if who is None:
            return set()
        if isinstance(who, Party):
            catalog_id = self.party_names.get(who.name)
            if catalog_id is None:
                records = [self._parties[m.party_id] for m in self.screen.matches(who.name, None)] if who.lists is None else []
                entries = [e for r in records for e in r.lists] + list(who.lists or ())
                return {d for e in entries for d in (e.added, e.removed) if d}
            who = catalog_id
        party_id = self.party_names.get(who)
        entries = self._parties[party_id].lists if party_id else []
        return {d for e in entries for d in (e.added, e.removed) if d}


def _name_key(name: object) -> object:
    """What an unknown-name message depends on (errors.unknown_name reads at most 200 characters, and the length)."""
    if isinstance(name, str):
        return (type(name), name[:200], len(name), bool(name.strip()))
    return (type(name), name)


def _raised(resolve, name: object, role: str | None) -> InputError:
    """The InputError `resolve(name, role)` raises."""
    try:
        resolve(name, role)
    except InputError as exc:
        return exc
    raise AssertionError(f"{name!r} resolved after all")  # pragma: no cover - get() found nothing


def _merge(known, given, fields, what: str, catalog: str, stated: set[str] | None = None):
    """`known` (a catalog view) with the facts `given` states that it lacks; InputError where they disagree."""
    stated = given.model_fields_set if stated is None else stated
    update, supplied = {}, []
    for name in fields:
        value = getattr(given, name)
        if name not in stated or value is None:
            continue
        have = getattr(known, name)
        if have is None:
            update[name] = value
            supplied.append(name)
        elif not _agrees(value, have):
            raise InputError(
                f"{what} is {catalog}, whose {name} is {excerpt(have)}, but the order says {excerpt(value)}: "
                "drop the figure to use the catalog's, or name the part differently to ask about a hypothetical one"
            )
    return (known.model_copy(update=update) if update else known), supplied


def _agrees(value, have) -> bool:
    if isinstance(value, float) and isinstance(have, float):
        return math.isclose(value, have, rel_tol=0.01, abs_tol=0.05)
    return value == have
