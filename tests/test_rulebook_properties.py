"""Properties of the rulebook as data: file order and splitting do not matter; advisories never decide.

Example counts per run: 150 orders for file layout, 40 random reported/proposed rules x 8 orders each.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol.resources import bundled_seeds

from .strategies import orders

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _rule_files(rulesets: Path) -> list[tuple[Path, dict]]:
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted((rulesets / "rules").glob("*.yaml"))]


def _relayout(source: Path, target: Path, how: str) -> Path:
    """A copy of the rulesets with the rule files merged, split one rule per file, or shuffled."""
    shutil.copytree(source, target)
    files = _rule_files(target)
    for path, _ in files:
        path.unlink()
    terms = [t for _, data in files for t in data.get("terms", [])]
    rules = [r for _, data in files for r in data.get("rules", [])]
    out = target / "rules"
    if how == "merged":
        (out / "all.yaml").write_text(yaml.safe_dump({"title": "all", "terms": terms, "rules": rules}, allow_unicode=True), encoding="utf-8")
    elif how == "split":
        (out / "terms.yaml").write_text(yaml.safe_dump({"title": "terms", "terms": terms}, allow_unicode=True), encoding="utf-8")
        for i, rule in enumerate(rules):
            (out / f"rule-{i:03d}.yaml").write_text(yaml.safe_dump({"title": rule["id"], "rules": [rule]}, allow_unicode=True), encoding="utf-8")
    else:
        shuffled = random.Random(7)
        for path, data in files:
            data["rules"] = shuffled.sample(data.get("rules", []), len(data.get("rules", [])))
            data["terms"] = shuffled.sample(data.get("terms", []), len(data.get("terms", [])))
            (out / f"z-{path.name}").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def layouts(tmp_path_factory, rb):
    root = tmp_path_factory.mktemp("layouts")
    shutil.copytree(bundled_seeds(), root / "seeds")
    return {how: cc.load_rulebook(_relayout(rb.root, root / how, how)) for how in ("merged", "split", "shuffled")}


def test_the_rulebook_hash_does_not_depend_on_file_order_or_splitting(rb, layouts):
    assert {how: layout.hash for how, layout in layouts.items()} == {how: rb.hash for how in layouts}


@settings(PROPERTY, max_examples=150)
@given(order=orders())
def test_no_verdict_depends_on_file_order_or_splitting(rb, layouts, order):
    try:
        expected = rb.evaluate(order).model_dump()
    except cc.InputError:
        return
    for how, layout in layouts.items():
        assert layout.evaluate(order).model_dump() == expected, how


_conditions = st.sampled_from(
    [
        "true",
        "chip.tpp >= 1000",
        'destination in group("D:5")',
        'buyer.headquarters == "CN" and chip.datacenter',
        "chip.performance_density >= 2",
        "not buyer.entity_listed",
    ]
)


@settings(PROPERTY, max_examples=40)
@given(
    status=st.sampled_from(["reported", "proposed"]),
    effect=st.sampled_from(["permitted", "notification_required", "license_required", "prohibited"]),
    when=_conditions,
    start=st.dates(dt.date(2021, 1, 1), dt.date(2025, 6, 1)),
    sample=st.lists(orders(), min_size=8, max_size=8),
)
def test_adding_a_reported_or_proposed_rule_never_changes_an_outcome(rb, tmp_path_factory, status, effect, when, start, sample):
    root = tmp_path_factory.mktemp("advisory")
    shutil.copytree(rb.root, root / "rulesets")
    shutil.copytree(bundled_seeds(), root / "seeds")
    rule = {
        "id": "hypothetical-advisory",
        "title": "A hypothetical measure",
        "status": status,
        "effective": start.isoformat(),
        "effect": effect,
        "legal_basis": {"source": "fr-88-73458", "provision": "hypothetical"},
        "citations": [{"source": "fr-88-73458"}],
        "explanation": "A measure that is reported or proposed, not in force.",
        "when": when,
    }
    (root / "rulesets/rules/hypothetical.yaml").write_text(yaml.safe_dump({"title": "hypothetical", "rules": [rule]}), encoding="utf-8")
    extended = cc.load_rulebook(root / "rulesets")
    for order in sample:
        try:
            before = rb.evaluate(order)
        except cc.InputError:
            continue
        after = extended.evaluate(order)
        assert (after.outcome, after.deciding_rule_ids) == (before.outcome, before.deciding_rule_ids)
        assert [f.model_dump() for f in after.findings] == [f.model_dump() for f in before.findings]
