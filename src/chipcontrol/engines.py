"""Evaluation engines: each decides which rules' conditions hold for an order's facts (True/False/None)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .conditions import TriState, compile_condition
from .errors import InputError

if TYPE_CHECKING:
    from .rulebook_data import RulebookData


class Engine(Protocol):
    name: str

    def evaluate(self, rule_ids: list[str], facts: Mapping[str, Any]) -> dict[str, TriState]: ...


class ReferenceEngine:
    """The reference evaluator: each rule's condition AST with three-valued logic, as Python closures.

    `conditions.compile_condition` computes exactly `conditions.evaluate` (property-tested); it is the
    oracle the durable_rules engine is tested against.
    """

    name = "reference"

    def __init__(self, rulebook: RulebookData):
        self._compiled = {rule_id: compile_condition(expr) for rule_id, expr in rulebook.conditions.items()}

    def evaluate(self, rule_ids: list[str], facts: Mapping[str, Any]) -> dict[str, TriState]:
        compiled = self._compiled
        return {rule_id: compiled[rule_id](facts) for rule_id in rule_ids}

    def condition(self, rule_id: str) -> Callable[[Mapping[str, Any]], TriState]:
        """One rule's compiled condition."""
        return self._compiled[rule_id]


ENGINES: dict[str, type] = {"reference": ReferenceEngine}
#: durable_rules answers by default; on Python 3.13+, where it cannot import, the reference engine does (warned once).
DEFAULT_ENGINE = "durable"

#: Engines that exist but may not run on this interpreter: name -> why not (empty when they run).
UNAVAILABLE: dict[str, str] = {}

from .durable_engine import AVAILABLE as _DURABLE_AVAILABLE  # noqa: E402
from .durable_engine import IMPORT_ERROR as _DURABLE_IMPORT_ERROR  # noqa: E402
from .durable_engine import DurableEngine  # noqa: E402

if _DURABLE_AVAILABLE:
    ENGINES["durable"] = DurableEngine
else:  # durable-rules 2.0.28 does not import on Python 3.13+ (PyEval_CallObject was removed)
    UNAVAILABLE["durable"] = _DURABLE_IMPORT_ERROR or "durable_rules_engine is not installed"

_warned: set[str] = set()
_lock = threading.Lock()


def _fallback(name: str) -> str:
    """The reference engine stands in for an engine that cannot run here; say so once per process."""
    if name not in _warned:
        _warned.add(name)
        warnings.warn(
            f"chipcontrol: the {name!r} engine is not available on this Python ({UNAVAILABLE[name]}); "
            "using the reference engine, which gives the same verdicts",
            RuntimeWarning,
            stacklevel=4,
        )
    return "reference"


def get_engine(rulebook: RulebookData, name: str | None) -> Engine:
    """The engine `name` for `rulebook`, built once per rulebook."""
    name = name or DEFAULT_ENGINE
    if name in UNAVAILABLE:
        name = _fallback(name)
    if name not in ENGINES:
        known = sorted(set(ENGINES) | set(UNAVAILABLE))
        raise InputError(f"unknown engine {name!r}; choose one of {', '.join(known)}")
    cache = rulebook._engines
    engine = cache.get(name)
    if engine is None:
        with _lock:  # two threads asking at once build one engine
            engine = cache.get(name)
            if engine is None:
                engine = cache[name] = ENGINES[name](rulebook)
    return engine
