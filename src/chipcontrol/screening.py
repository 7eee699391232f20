"""Screening an inline party's name against the catalog parties that are on a list (design.md §3, rule 12).

A name is compared in a normal form that drops case, punctuation, legal suffixes (Co., Ltd., GmbH, Inc.)
and words that name no one in particular (Technologies, Group, a country or a large city). It is a
*likely match* for a listed party when:

- every distinctive word of the listed name (or an alias, or the name it was listed under) is in the
  inline name ("Huawei Technologies Deutschland GmbH" contains "Huawei"), or the other way round for a
  name of at least two distinctive words ("Fudan Microelectronics" in "Shanghai Fudan Microelectronics"); or
- the two distinctive forms are near-identical (rapidfuzz Jaro-Winkler similarity >= `FUZZY_MIN`, both
  at least `FUZZY_MIN_LENGTH` characters: a typo, "Huawai").

A name whose every word is generic ("China Electronics Technology Group") is compared by all its words.

This is a catalog check, not a sanctions screen: it knows only the listed parties the rulebook holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from .names import BoundedCache, norm
from .parties import ListName, PartyRecord

#: Near-identical distinctive names (Jaro-Winkler similarity, 0-1): a typo or a transliteration variant.
FUZZY_MIN = 0.92
#: Shorter distinctive names are compared exactly only (too many short names look alike).
FUZZY_MIN_LENGTH = 5

#: Legal forms, dropped before comparing.
LEGAL_FORMS = frozenset(
    "co company corp corporation inc incorporated ltd limited llc plc gmbh ag sa sas sarl srl spa bv nv kk "
    "pte pty oy ab as kg lp llp jsc pjsc ooo jv".split()
)
#: Words that name no one in particular (with every country name, added per rulebook).
GENERIC_WORDS = frozenset(
    "the of and for technology technologies tech group holding holdings international global industry industries "
    "science sciences information electronic electronics trading import export development services service "
    "beijing shanghai shenzhen guangzhou hangzhou wuxi suzhou chengdu wuhan tianjin nanjing hefei xian hong kong "
    "europe asia pacific".split()
)


@dataclass(frozen=True)
class ListMatch:
    """A listed catalog party an inline name may be."""

    party_id: str
    party_name: str
    matched_name: str  # which of its names matched
    how: str  # why it matched
    entries: tuple[str, ...]  # its list entries in force on the order's date, described


class PartyScreen:
    """The catalog's listed parties, ready to compare names against."""

    def __init__(self, parties: dict[str, PartyRecord], country_words: set[str]):
        self._generic = GENERIC_WORDS | frozenset(country_words)
        self._cache: BoundedCache = BoundedCache()  # normal form of a name -> its candidates
        self._names: list[tuple[PartyRecord, str, frozenset[str]]] = []
        for party in parties.values():
            if not party.lists:
                continue
            names = {party.name, *party.aliases, *(e.listed_as for e in party.lists if e.listed_as)}
            for name in sorted(names):
                words = self.words(name)
                if words:
                    self._names.append((party, name, words))

    @property
    def size(self) -> int:
        """How many distinct listed parties the screen knows."""
        return len({party.id for party, _, _ in self._names})

    def words(self, name: str) -> frozenset[str]:
        """The distinctive words of a name (all its words but legal forms, when none is distinctive)."""
        words = [w for w in norm(name).split() if w not in LEGAL_FORMS]
        return frozenset(w for w in words if w not in self._generic) or frozenset(words)

    def matches(
        self, name: str, day: dt.date | None, lists: tuple[ListName, ...] = (ListName.ENTITY_LIST,)
    ) -> list[ListMatch]:
        """Listed parties (on one of `lists` on `day`; None: ever) that `name` is likely to be, one per party."""
        found = []
        for party, listed_name, how in self._candidates(name):
            entries = tuple(
                f"{e.list.value.replace('_', ' ')} since {e.added}" + (f" (listed as {e.listed_as!r})" if e.listed_as else "")
                for e in party.lists
                if e.list in lists and (day is None or e.active_on(day))
            )
            if entries:
                found.append(ListMatch(party.id, party.name, listed_name, how, entries))
        return found

    def _candidates(self, name: str) -> list[tuple[PartyRecord, str, str]]:
        """Every listed catalog party `name` is likely to be, whatever the date: (party, its matched name, why)."""
        key = norm(name)
        cached = self._cache.get(key)
        if cached is None:
            words = self.words(name)
            joined = "".join(sorted(words))
            cached, seen = [], set()
            for party, listed_name, listed_words in self._names if words else ():
                how = None if party.id in seen else _how(words, joined, listed_words)
                if how:
                    seen.add(party.id)
                    cached.append((party, listed_name, how))
            self._cache[key] = cached
        return cached


def _how(words: frozenset[str], joined: str, listed: frozenset[str]) -> str | None:
    """Why a name with distinctive `words` may be a party with distinctive `listed` words (None: it is not)."""
    if listed <= words:
        return "it contains every distinctive word of the listed name"
    if len(words) >= 2 and words <= listed:
        return "every distinctive word of it is in the listed name"
    other = "".join(sorted(listed))
    if min(len(joined), len(other)) >= FUZZY_MIN_LENGTH:
        score = JaroWinkler.similarity(joined, other)
        if score >= FUZZY_MIN:
            return f"the names are near-identical (similarity {score:.2f})"
    return None
