"""Where the bundled rulesets/ and seeds/ live, from a checkout or from an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "chipcontrol's bundled data was not found; looked in: " + ", ".join(str(c) for c in candidates)
    )


def bundled_rulesets() -> Path:
    """The rulesets/ folder shipped with chipcontrol."""
    return _first_existing(_PACKAGE / "_bundled" / "rulesets", _PACKAGE.parents[1] / "rulesets")


def bundled_seeds() -> Path:
    """The seeds/ folder (the founding articles) shipped with chipcontrol."""
    return _first_existing(_PACKAGE / "_bundled" / "seeds", _PACKAGE.parents[1] / "seeds")
