"""Shared fixtures: the bundled rulebook (loaded once) and the founding articles' text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import chipcontrol as cc
from chipcontrol.resources import bundled_rulesets, bundled_seeds
from chipcontrol.sources import normalise_text


@pytest.fixture(scope="session")
def rb() -> cc.Rulebook:
    return cc.load_rulebook()


@pytest.fixture(scope="session")
def article_text(rb):
    """article_text("article-001") -> the article's text, whitespace-normalised."""

    def read(source_id: str) -> str:
        return normalise_text((bundled_seeds() / rb.sources[source_id].file).read_text(encoding="utf-8"))

    return read


@pytest.fixture
def rulesets_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled rulesets/ with the seeds beside it."""
    shutil.copytree(bundled_rulesets(), tmp_path / "rulesets")
    shutil.copytree(bundled_seeds(), tmp_path / "seeds")
    return tmp_path / "rulesets"
