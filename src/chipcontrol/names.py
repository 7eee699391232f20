"""Name look-up shared by every catalog: one normal form for names, and an index that refuses clashes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .errors import unknown_name

_SEPARATORS = re.compile(r"[\W_]+")
_DROPPED = str.maketrans("", "", ".'\u2019")


class BoundedCache(dict):
    """A dict that forgets everything when it holds `limit` entries: caches keyed by what users type stay small."""

    def __init__(self, limit: int = 50_000):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


_NORMS = BoundedCache()


def norm(name: object) -> str:
    """The form names are compared in (cached; see `_norm`)."""
    text = str(name)
    found = _NORMS.get(text)
    if found is None:
        found = _NORMS[text] = _norm(text)
    return found


def _norm(name: str) -> str:
    """The form names are compared in: case, accents, punctuation and spacing folded ("U.S.A." -> "usa",
    "Türkiye" -> "turkiye", "A100-SXM4" -> "a100 sxm4"); letters of every script are kept."""
    text = "".join(c for c in unicodedata.normalize("NFKD", str(name)) if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", text.casefold().translate(_DROPPED)).strip()


class NameIndex:
    """Names (ids, names, aliases) of catalog records -> record id, compared in `norm` form.

    `clashes` lists each normal form claimed by two records (the loader reports them as rulebook errors).
    """

    def __init__(self, kind: str, entries: Iterable[tuple[str, Iterable[str]]], shown: Iterable[str] = ()):
        self.kind = kind
        self.ids: dict[str, str] = {}
        self.clashes: list[tuple[str, str, str]] = []
        for ident, names in entries:
            for name in names:
                key = norm(name)
                if not key:
                    continue
                other = self.ids.setdefault(key, ident)
                if other != ident:
                    self.clashes.append((name, other, ident))
        self._shown = sorted(set(shown))

    def get(self, name: object) -> str | None:
        """The record id a name stands for, or None (no search)."""
        return self.ids.get(norm(name)) if isinstance(name, str) else None

    def resolve(self, name: object, role: str | None = None) -> str:
        """The record id a name stands for; an InputError with close matches when there is none.

        `role` says where the name was given ("buyer headquarters"), for the message."""
        found = self.get(name)
        if found is None:
            raise unknown_name(self.kind, name, self._shown, role)
        return found

