"""The Rulebook: the loaded rules and catalogs (rulebook_data.py) and the questions asked of them.

Every question is a thin delegation to the evaluation pipeline (evaluation/), which all of them share.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import certificate as _certificate
from . import counterfactual as _counterfactual
from . import loader
from . import rulebook_diff as _rulebook_diff
from .engines import ENGINES, UNAVAILABLE, Engine, get_engine
from .evaluation import pipeline
from .evaluation.pipeline import day_of as _day, posture_of as _posture  # noqa: F401  (cli.py imports _day)
from .evaluation.beliefs import build_belief_timeline
from .evaluation.timeline import build_timeline
from .order import Order
from .resources import bundled_rulesets
from .rulebook_data import RulebookData
from .rules import Posture
from .screen import Screening, screen
from .timeline import BeliefTimeline, Timeline
from .verdict import OrderError, Verdict


class Rulebook(RulebookData):
    """All rule sets and catalogs, loaded and cross-checked together. Build one with `load_rulebook()`."""

    def __init__(self, loaded: loader.LoadedRules):
        super().__init__(loaded)
        if "durable" in ENGINES and "durable" not in UNAVAILABLE:  # compile now: a rule durable_rules
            self.engine("durable")  # cannot express is a load-time error, not a surprise at the first order

    def __repr__(self) -> str:
        return f"<Rulebook {self.name!r}: {len(self.rules)} rules, hash {self.hash[:12]}>"

    def engine(self, name: str | None = None) -> Engine:
        """The evaluation engine called `name` (None: the default engine) for this rulebook."""
        return get_engine(self, name)

    def evaluate(
        self,
        order: Order,
        engine: str | None = None,
        posture: Posture | str = Posture.ENFORCED,
        provisional: bool = False,
        known_on: dt.date | str | None = None,
    ) -> Verdict:
        """Was this order legal? The verdict with the deciding rules and their citations.

        `posture`: "enforced" (default) applies what the agency enforces, "codified" the text as codified; where
        they differ the verdict has a `posture` advisory with the other outcome (design.md §3, rule 13).
        `provisional=True` answers past the verified horizon, up to `coverage.provisional_until`, with the
        scheduled but unverified changes listed; the verdict is then marked `provisional`.
        `known_on` (a date): the answer as believed that day, with only the rules, list entries and group
        memberships public then (a change without `announced` is taken as public when it applies); the verdict
        is marked `known_on` and has a `known_on` advisory comparing it with today's answer. None: today.
        """
        verdict = pipeline.evaluate(self, order, engine=engine, posture=posture, provisional=provisional, known_on=known_on)
        if known_on is not None:
            verdict._certify = _not_certifiable
            return verdict
        verdict._certify = lambda: _certificate.certificate(
            self, order, engine=engine, posture=posture, provisional=provisional
        )
        return verdict

    def certificate(
        self, order: Order, engine: str | None = None, posture: Posture | str = Posture.ENFORCED, provisional: bool = False
    ) -> _certificate.Certificate:
        """A self-contained decision record of this order's verdict that `chipcontrol verify` re-checks."""
        return _certificate.certificate(self, order, engine=engine, posture=posture, provisional=provisional)

    def counterfactual(
        self, order: Order, engine: str | None = None, posture: Posture | str = Posture.ENFORCED, provisional: bool = False
    ) -> list[_counterfactual.Alternative]:
        """The nearest changes (date, figure, destination, buyer, claim) that flip this order's verdict, each with
        the verdict `evaluate` gives for the changed order."""
        return _counterfactual.counterfactual(self, order, engine=engine, posture=posture, provisional=provisional)

    def diff(self, other: Rulebook, orders=None) -> _rulebook_diff.ImpactReport:
        """What changes from this rulebook to `other`: rules, catalog figures, and (over an order book) the
        orders whose verdict flips, each with the rule changes responsible."""
        return _rulebook_diff.diff(self, other, orders)

    def evaluate_many(self, orders, engine: str | None = None, errors: str = "raise") -> list[Verdict | OrderError]:
        """Evaluate many orders, in order (an audit of an order book, a notebook table).

        `errors="raise"`: the first order that cannot be evaluated raises an InputError naming its index.
        `errors="collect"`: every order is evaluated; one that cannot be has an `OrderError` (its index and
        the message) in its place.
        """
        return pipeline.evaluate_many(self, orders, engine=engine, errors=errors)

    def timeline(
        self,
        order: Order,
        start: dt.date | str,
        end: dt.date | str,
        engine: str | None = None,
        posture: Posture | str = Posture.ENFORCED,
        provisional: bool = False,
    ) -> Timeline:
        """The order's legality over [start, end): segments of constant verdict and the rule changes between them."""
        return build_timeline(
            self, order, _day(start, "start"), _day(end, "end"), engine=engine, posture=posture, provisional=provisional
        )

    def belief_timeline(
        self, order: Order, engine: str | None = None, posture: Posture | str = Posture.ENFORCED, provisional: bool = False
    ) -> BeliefTimeline:
        """What we knew when: the answer for the order's own date as known on each day, in spans that change only
        on days something became public (a rule's, list entry's or group change's `announced` date, else the day
        it applied), each with what was announced then. The last span is today's answer."""
        return build_belief_timeline(self, order, engine=engine, posture=posture, provisional=provisional)

    def screen(
        self, orders, engine: str | None = None, posture: Posture | str = Posture.ENFORCED, provisional: bool = False
    ) -> Screening:
        """Screen an order book (a pandas DataFrame, a pyarrow Table, or a .csv/.parquet/.jsonl path): a
        `Screening` with one verdict row per order, in order; a row that cannot be evaluated has its error."""
        return screen(self, orders, engine=engine, posture=posture, provisional=provisional)


def _not_certifiable():
    raise ValueError("a certificate records today's answer, not one as known on a past day: certify the verdict "
                     "of rb.evaluate(order) without known_on")


def load_rulebook(path: str | Path | None = None, *, seeds: str | Path | None = None) -> Rulebook:
    """Load the bundled rulesets (or the rulesets folder at `path`), checking everything on load."""
    return Rulebook(loader.load(Path(path) if path else bundled_rulesets(), seeds=seeds))
