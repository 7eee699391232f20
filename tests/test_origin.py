"""Where an order ships from (`origin`): US for an export, a foreign country for a reexport, the destination for an
in-country transfer; resolved like every country, and refused where it contradicts the kind of order."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import chipcontrol as cc


def ev(rb, **order):
    return rb.evaluate(cc.Order(**{"item": "A800", "buyer": "ByteDance", "destination": "CN", "date": "2024-01-15", **order}))


@pytest.mark.parametrize(
    "order, origin",
    [
        (dict(kind="export"), "US"),
        (dict(kind="export", origin="usa"), "US"),
        (dict(kind="reexport", origin="Singapore"), "SG"),
        (dict(kind="reexport", origin="hkg", destination="MO"), "HK"),
        (dict(kind="in_country_transfer"), "CN"),
    ],
)
def test_the_origin_is_resolved_and_defaults_by_kind_of_order(rb, order, origin):
    v = ev(rb, **order)
    assert v.order.origin == origin
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]


@pytest.mark.parametrize(
    "order, message",
    [
        (dict(kind="reexport"), "a reexport needs its origin"),
        (dict(kind="reexport", origin="US"), "origin US: an item shipped from the United States is an export"),
        (dict(kind="reexport", origin="China"), "origin and destination are both CN"),
        (dict(kind="export", origin="SG"), "origin SG: an export ships from the United States"),
        (dict(kind="in_country_transfer", origin="SG"), "origin SG is not the destination CN"),
        (dict(kind="reexport", origin="Atlantis"), "unknown country 'Atlantis' (the origin)"),
    ],
)
def test_an_origin_that_contradicts_the_kind_of_order_is_an_input_error(rb, order, message):
    with pytest.raises(cc.InputError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        ev(rb, **order)


def test_the_cli_takes_the_origin_of_a_reexport():
    out = subprocess.run(
        [sys.executable, "-m", "chipcontrol.cli", "check", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN",
         "--date", "2024-01-15", "--kind", "reexport", "--origin", "SG", "--json"],
        capture_output=True, text=True, check=True,
    )
    verdict = json.loads(out.stdout)
    assert verdict["order"]["origin"] == "SG" and verdict["outcome"] == "license_required"
    assert verdict["deciding_rule_ids"] == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
