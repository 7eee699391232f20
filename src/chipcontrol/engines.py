"""Evaluation engines: each decides which rules' conditions hold for an order's facts (True/False/None)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .conditions import TriState, compile_condition
from .errors import InputError

if TYPE_CHECKING:
    from .rulebook import Rulebook


class Engine(Protocol):
    name: str

    def evaluate(self, rule_ids: list[str], facts: Mapping[str, Any]) -> dict[str, TriState]: ...


class ReferenceEngine:
    """The reference evaluator: each rule's condition AST with three-valued logic, as Python closures.

    `conditions.compile_condition` computes exactly `conditions.evaluate` (property-tested); it is the
    oracle the durable_rules engine is tested against.
    """

    name = "reference"

    def __init__(self, rulebook: Rulebook):
        self._compiled = {rule_id: compile_condition(expr) for rule_id, expr in rulebook.conditions.items()}

    def evaluate(self, rule_ids: list[str], facts: Mapping[str, Any]) -> dict[str, TriState]:
        compiled = self._compiled
        return {rule_id: compiled[rule_id](facts) for rule_id in rule_ids}


ENGINES: dict[str, type] = {"reference": ReferenceEngine}
DEFAULT_ENGINE = "reference"

def get_engine(rulebook: Rulebook, name: str | None) -> Engine:
    """The engine `name` for `rulebook`, built once per rulebook."""
    name = name or DEFAULT_ENGINE
    if name not in ENGINES:
        raise InputError(f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    cache = rulebook._engines
    if name not in cache:
        cache[name] = ENGINES[name](rulebook)
    return cache[name]
