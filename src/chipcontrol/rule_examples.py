"""Checking the examples written beside the rules (files.RuleExample): each order is evaluated and its outcome,
deciding rules, review policy and the rules shown as advisories compared with what the example says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import InputError
from .loader import ExampleAt
from .rules import ADVISORY_STATUSES

#: The advisories an example lists: those of rules whose status keeps them from deciding (design.md §3 rule 8).
ADVISORY_KINDS = frozenset(status.value for status in ADVISORY_STATUSES)


@dataclass(frozen=True)
class ExampleResult:
    placed: ExampleAt
    failure: str | None  # None: the rulebook answers as the example says

    @property
    def ok(self) -> bool:
        return self.failure is None


def examples_of(rulebook) -> list[ExampleAt]:
    """The rulebook's examples, in file order (rules' own examples, then each file's list)."""
    return list(rulebook._loaded.examples)


def _answer(outcome, deciding, policy) -> str:
    text = f"{outcome.value} by {', '.join(deciding) or 'no rule'}"
    return text + (f" ({policy.value})" if policy else "")


def check_example(rulebook, placed: ExampleAt, observe: Callable | None = None) -> ExampleResult:
    """Evaluate one example's order; the failure, if any, is one line starting with where the example is."""
    example = placed.example
    try:
        verdict = rulebook.evaluate(example.order, posture=example.posture, provisional=example.provisional)
    except InputError as exc:
        return ExampleResult(placed, f"{placed.where}: the order is refused: {exc}")
    if observe is not None:
        observe(example.order, verdict)
    expected = (example.outcome, sorted(example.deciding), example.review_policy)
    got = (verdict.outcome, sorted(verdict.deciding_rule_ids), verdict.review_policy)
    if expected != got:
        return ExampleResult(placed, f"{placed.where}: expected {_answer(*expected)}, got {_answer(*got)}")
    shown = sorted({a.rule_id for a in verdict.advisories if a.rule_id and a.kind.value in ADVISORY_KINDS})
    if sorted(set(example.advisories)) != shown:
        expected_text = ", ".join(sorted(set(example.advisories))) or "none"
        return ExampleResult(placed, f"{placed.where}: expected advisories from {expected_text}; the verdict shows "
                                     f"{', '.join(shown) or 'none'}")
    return ExampleResult(placed, None)


def check_examples(rulebook, observe: Callable | None = None) -> list[ExampleResult]:
    """Every example of the rulebook, checked."""
    return [check_example(rulebook, placed, observe) for placed in examples_of(rulebook)]
