"""check_rulebook: every property of properties.py, driven by hypothesis with orders drawn from the rulebook."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from ..errors import InputError
from ..rulebook import Rulebook
from ..rules import Kind
from . import properties as p
from .strategies import days, inline_chips, orders
from .variants import relayouts, without_advisories

DAY = dt.timedelta(days=1)
#: The share of max_examples each property draws (a timeline evaluates the order on every change day).
WEIGHTS = {"timeline_agrees_with_points": 0.25, "layout_does_not_matter": 0.5, "advisories_never_decide": 0.5}


@dataclass
class PropertyResult:
    name: str
    statement: str
    examples: int = 0  # orders that were checked (refused orders are not counted)
    failure: str | None = None
    skipped: str | None = None  # why nothing was checked (e.g. a second engine does not run here)

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class CheckReport:
    rulebook_hash: str
    results: list[PropertyResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def to_text(self) -> str:
        lines = []
        for r in self.results:
            if r.skipped:
                lines.append(f"skip {r.name}: {r.skipped}")
                continue
            lines.append(f"{'ok  ' if r.ok else 'FAIL'} {r.name} ({r.examples} examples): {r.statement}")
            if r.failure:
                lines += ["     " + line for line in r.failure.splitlines()]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "rulebook_hash": self.rulebook_hash,
            "ok": self.ok,
            "properties": [
                {"name": r.name, "statement": r.statement, "examples": r.examples, "failure": r.failure, "skipped": r.skipped}
                for r in self.results
            ],
        }


class _Observed:
    """The rulebook, calling observe(order, verdict) after each evaluate (everything else passes through)."""

    def __init__(self, rulebook: Rulebook, observe: Callable):
        self._rulebook, self._observe = rulebook, observe

    def evaluate(self, order, *args, **kwargs):
        verdict = self._rulebook.evaluate(order, *args, **kwargs)
        self._observe(order, verdict)
        return verdict

    def __getattr__(self, name):
        return getattr(self._rulebook, name)


def _engines() -> list[str]:
    from ..engines import ENGINES, UNAVAILABLE

    return sorted(e for e in ENGINES if e not in UNAVAILABLE)


def _end(rb, start: dt.date, days: int) -> dt.date:
    """The end of a timeline of `days` days from `start`, within what the rulebook encodes (at least a day)."""
    return max(min(start + days * DAY, rb.coverage.last_encoded), start + DAY)


def _plans(rb, variants: Callable[[str], object]) -> dict[str, tuple[st.SearchStrategy, Callable]]:
    """Per property: the strategy of its arguments and how to call it with one draw."""
    engines = _engines()
    inside = (rb.coverage.start, rb.coverage.until - DAY)
    export_kinds = [k for k in Kind if k not in (Kind.CLOUD_ACCESS, Kind.INVESTMENT)]
    return {
        "timeline_agrees_with_points": (
            st.tuples(orders(rb, dates=inside, unknown=False), days(rb, outside=False), st.sampled_from([1, 30, 365, 1000, 2000]) | st.integers(1, 2000), st.sampled_from(engines)),
            lambda r, a: p.timeline_agrees_with_points(r, a[0], a[1], _end(rb, a[1], a[2]), engine=a[3]),
        ),
        "verdict_constant_between_boundaries": (
            st.tuples(orders(rb, unknown=False), st.integers(-90, 90)),
            lambda r, a: p.verdict_constant_between_boundaries(r, a[0], a[0].date + a[1] * DAY),
        ),
        "monotone_in_figures": (
            st.tuples(
                orders(rb, item=inline_chips(rb), kinds=export_kinds, dates=inside, unknown=False),
                st.tuples(*[st.floats(0, 1)] * 4) | st.tuples(*[st.floats(1, 4)] * 4),
            ),
            lambda r, a: p.monotone_in_figures(r, *a),
        ),
        "engines_agree": (orders(rb), lambda r, a: p.engines_agree(r, a, engines)),
        "nothing_outside_coverage_is_permitted": (orders(rb), lambda r, a: p.nothing_outside_coverage_is_permitted(r, a)),
        "advisories_never_decide": (
            orders(rb, unknown=False), lambda r, a: p.advisories_never_decide(r, variants("without_advisories"), a)
        ),
        "layout_does_not_matter": (orders(rb, unknown=False), lambda r, a: p.layout_does_not_matter(r, variants("layouts"), a)),
    }


def check_rulebook(
    rulebook: Rulebook,
    max_examples: int = 100,
    observe: Callable | None = None,
    properties: Iterable[str] | None = None,
    derandomize: bool = False,
) -> CheckReport:
    """Run every property (or those named) on orders drawn from the rulebook, up to `max_examples` each
    (fewer for the costly ones, see WEIGHTS); `observe(order, verdict)` is called for every evaluation of
    `rulebook` itself. A broken property is reported (its shrunk counterexample's message), not raised; an
    unknown property name is a ValueError."""
    names = list(p.PROPERTIES) if properties is None else list(properties)
    unknown = [n for n in names if n not in p.PROPERTIES]
    if unknown:
        raise ValueError(f"unknown properties {unknown} (known: {', '.join(p.PROPERTIES)})")
    report = CheckReport(rulebook.hash)
    target = _Observed(rulebook, observe) if observe else rulebook
    with tempfile.TemporaryDirectory(prefix="chipcontrol-variants-") as workdir:
        cache: dict = {}

        def variants(which: str):
            if which not in cache:
                build = without_advisories if which == "without_advisories" else relayouts
                cache[which] = build(rulebook, f"{workdir}/{which}")
            return cache[which]

        plans = _plans(rulebook, variants)
        for name in names:
            strategy, call = plans[name]
            result = PropertyResult(name, p.PROPERTIES[name])
            report.results.append(result)
            if name == "engines_agree" and len(_engines()) < 2:
                result.skipped = f"only the {', '.join(_engines())} engine runs here (durable_rules does not import)"
                continue
            count = max(1, round(max_examples * WEIGHTS.get(name, 1.0)))
            _run(strategy, call, target, result, count, derandomize)
    return report


def _run(strategy, call, target, result: PropertyResult, max_examples: int, derandomize: bool) -> None:
    checked = set()

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(args):
        try:
            call(target, args)
        except InputError:
            reject()
        checked.add(repr(args))

    try:
        run()
    except p.PropertyFailure as exc:
        result.failure = str(exc)
    except AssertionError as exc:
        result.failure = f"{type(exc).__name__}: {exc}"
    result.examples = len(checked)
