"""The two kinds of error chipcontrol raises: a bad rulebook, and bad input to a question."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable

#: How much of an offending value an error message quotes: a 20 MB bad value must not make a 20 MB message.
MAX_EXCERPT = 80


class ChipControlError(Exception):
    """Base class of every error chipcontrol raises on purpose."""


class RulebookError(ChipControlError):
    """A rule file or catalog is invalid. Each problem names the file and the rule or record."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the rulebook:" if len(self.problems) > 1 else "rulebook problem:"
        super().__init__(head + "\n  " + "\n  ".join(self.problems))


class InputError(ChipControlError, ValueError):
    """A question (order) that cannot be answered as asked: unknown name, bad date, bad country."""


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Candidates that look like `word` (case-insensitive), best first."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6)
    if not found:
        found = [c for c in by_lower if word.lower() in c or (len(c) > 2 and c in word.lower())][:n]
    return [by_lower[f] for f in found]


def unknown_name(kind: str, word: object, candidates: Iterable[str], role: str | None = None) -> InputError:
    """An InputError for an unknown chip, party, country, claim or kind, with close matches when there are any
    (or the choices, when there are few). `role` says where the name was given ("buyer headquarters")."""
    candidates = list(candidates)
    where = f" (the {role})" if role else ""
    if not isinstance(word, str) or not word.strip():
        return InputError(f"bad {kind}{where}: expected a name, got {excerpt(word)}")
    matches = close_matches(word[:200], candidates)
    if matches:
        hint = f"; did you mean {', '.join(repr(m) for m in matches)}?"
    elif len(candidates) <= 8:
        hint = f"; choose one of {', '.join(candidates)}"
    else:
        hint = ""
    return InputError(f"unknown {kind} {excerpt(word)}{where}{hint}")


def shorten(text: str, limit: int = MAX_EXCERPT) -> str:
    """`text` itself, or its first `limit` characters followed by "… (N characters)"."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, MAX_EXCERPT, MAX_EXCERPT


def excerpt(value: object, limit: int = MAX_EXCERPT) -> str:
    """`value` as a message quotes it (its repr), cut to `limit` characters with its length when longer."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else f"{value[:limit]!r}… ({len(value)} characters)"
    return shorten(_REPR.repr(value), limit)
