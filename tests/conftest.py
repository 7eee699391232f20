"""Shared fixtures: the bundled rulebook (loaded once) and the founding articles' text."""

from __future__ import annotations

import shutil
from pathlib import Path

import os

import pytest
import yaml
from hypothesis import settings

import chipcontrol as cc
from chipcontrol.resources import bundled_rulesets, bundled_seeds
from chipcontrol.sources import normalise_text


# In CI every property test draws the same examples (a red CI is reproducible); elsewhere they explore anew.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


#: The bundled rulebook, loaded once: the `rb` fixture, and what module-level hypothesis strategies draw from.
BUNDLED = cc.load_rulebook()


@pytest.fixture(scope="session")
def rb() -> cc.Rulebook:
    return BUNDLED


@pytest.fixture(scope="session")
def article_text(rb):
    """article_text("article-001") -> the article's text, whitespace-normalised."""

    def read(source_id: str) -> str:
        return normalise_text((bundled_seeds() / rb.sources[source_id].file).read_text(encoding="utf-8"))

    return read


def copy_rulesets(root: Path) -> Path:
    """A writable copy of the bundled rulesets/ in `root`, with the seeds beside it; returns the rulesets folder."""
    shutil.copytree(bundled_rulesets(), root / "rulesets")
    shutil.copytree(bundled_seeds(), root / "seeds")
    return root / "rulesets"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file of a rulesets copy (the text must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def hypothetical(rule_id: str, title: str, when: str, source: str = "fr-88-73458", **fields) -> dict:
    """A made-up rule for a test, as its YAML mapping: cited to an instrument of the rulebook, said to be made up."""
    return {
        "id": rule_id,
        "title": title,
        **fields,
        "legal_basis": {"source": source, "provision": "hypothetical"},
        "citations": [{"source": source}],
        "explanation": "A made-up rule, for the test.",
        "when": when,
    }


def add_rule(rulesets: Path, file: str, rule: dict) -> None:
    """Append a rule (as its YAML mapping) to rules/<file> of a rulesets copy."""
    path = rulesets / "rules" / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"].append(rule)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def rulesets_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled rulesets/ with the seeds beside it."""
    return copy_rulesets(tmp_path)
