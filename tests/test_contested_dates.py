"""A membership date the sources dispute (Cambodia leaving D:5 on 2025-11-07 or 2026-02-03): the verdict follows the
encoded reading and, between the two readings, says so in a `contested` advisory when the other reading answers
differently."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

import chipcontrol as cc

from .conftest import copy_rulesets


@pytest.fixture(scope="module")
def rb_contested(tmp_path_factory):
    """The bundled rulebook with a hypothetical contested date: Vietnam leaves D:1 on 2024-03-01 by one reading
    (encoded), on 2024-09-01 by the other."""
    rulesets = copy_rulesets(tmp_path_factory.mktemp("contested"))
    path = rulesets / "catalog" / "countries.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    d1 = next(g for g in data["groups"] if g["id"] == "D:1")
    member = next(m for m in d1["members"] if m["country"] == "VN")
    member.update({"until": "2024-03-01", "contested": {"until": "2024-09-01", "source": "fr-88-73458", "note": "hypothetical second reading"}})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cc.load_rulebook(rulesets)


LAB = cc.Party(name="Hanoi Vision Lab", headquarters="VN", lists=[])


def contested(verdict):
    return [a for a in verdict.advisories if a.kind is cc.AdvisoryKind.CONTESTED]


def test_between_the_two_readings_the_verdict_follows_the_encoded_one_and_names_the_other(rb_contested):
    v = rb_contested.evaluate(cc.Order(item="A800", buyer=LAB, date="2024-05-01"))
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []  # out of D:1 by the encoded reading
    (advisory,) = contested(v)
    assert "VN left D:1 on 2024-03-01 (encoded) or on 2024-09-01: hypothetical second reading" in advisory.message
    assert "the outcome would be license_required (bis-3a090-2023-destinations)" in advisory.message
    assert advisory.citations[0].source_id == "fr-88-73458"


@pytest.mark.parametrize("day", ["2024-02-29", "2024-09-01"])
def test_outside_the_window_between_the_readings_there_is_no_contested_advisory(rb_contested, day):
    v = rb_contested.evaluate(cc.Order(item="A800", buyer=LAB, date=day))
    assert not contested(v)
    expected = (cc.Outcome.LICENSE_REQUIRED, ["bis-3a090-2023-destinations"]) if day < "2024-03-01" else (cc.Outcome.PERMITTED, [])
    assert (v.outcome, v.deciding_rule_ids) == expected


def test_an_order_the_contested_date_cannot_change_has_no_advisory(rb_contested):
    v = rb_contested.evaluate(cc.Order(item="L2", buyer=LAB, date="2024-05-01"))  # under every threshold
    assert v.outcome is cc.Outcome.PERMITTED and not contested(v)


def test_the_encoded_reading_is_the_timeline_boundary(rb_contested):
    timeline = rb_contested.timeline(cc.Order(item="A800", buyer=LAB, date="2024-01-01"), "2024-01-01", "2025-01-01")
    starts = {s.start for s in timeline.segments}
    assert dt.date(2024, 3, 1) in starts
    before, after = timeline.at(dt.date(2024, 2, 29)), timeline.at(dt.date(2024, 3, 1))
    assert (before.outcome, before.deciding_rule_ids) == (cc.Outcome.LICENSE_REQUIRED, ["bis-3a090-2023-destinations"])
    assert (after.outcome, after.deciding_rule_ids) == (cc.Outcome.PERMITTED, [])
