"""Property-based tests for any rulebook: strategies drawn from its rules, properties it must keep, and a runner.

    import chipcontrol as cc
    from chipcontrol.testing import check_rulebook, orders
    rb = cc.load_rulebook("my/rulesets")
    report = check_rulebook(rb, max_examples=100)    # every property; report.ok, report.to_text()

    from hypothesis import given
    @given(orders(rb, item="H200", kinds=["export"]))
    def test_mine(order): ...

hypothesis is an optional extra (`pip install 'chipcontrol[testing]'`); importing chipcontrol never imports it.
`pytest --chipcontrol-rulesets PATH` runs the same properties (and the rule files' examples) from pytest.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError:  # pragma: no cover - exercised where hypothesis is absent
    raise ImportError(
        "chipcontrol.testing needs hypothesis, an optional extra: pip install 'chipcontrol[testing]'"
    ) from None

from .properties import (  # noqa: E402
    PROPERTIES,
    PropertyFailure,
    advisories_never_decide,
    engines_agree,
    layout_does_not_matter,
    monotone_in_figures,
    nothing_outside_coverage_is_permitted,
    timeline_agrees_with_points,
    verdict_constant_between_boundaries,
)
from .runner import CheckReport, PropertyResult, check_rulebook  # noqa: E402
from .strategies import buyers, chips, days, destinations, figures, inline_buyers, inline_chips, orders  # noqa: E402
from .variants import relayouts, without_advisories  # noqa: E402

__all__ = [
    "PROPERTIES",
    "CheckReport",
    "PropertyFailure",
    "PropertyResult",
    "advisories_never_decide",
    "buyers",
    "check_rulebook",
    "chips",
    "days",
    "destinations",
    "engines_agree",
    "figures",
    "inline_buyers",
    "inline_chips",
    "layout_does_not_matter",
    "monotone_in_figures",
    "nothing_outside_coverage_is_permitted",
    "orders",
    "relayouts",
    "timeline_agrees_with_points",
    "verdict_constant_between_boundaries",
    "without_advisories",
]
