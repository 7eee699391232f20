"""chipcontrol.testing: strategies drawn from a rulebook, properties that fail with a pasteable counterexample,
the runner, rule coverage, `chipcontrol test` and the pytest plugin."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

import chipcontrol as cc
from chipcontrol import cli
from chipcontrol.rule_coverage import CoverageCollector
from chipcontrol.rule_examples import check_examples
from chipcontrol.testing import (
    PropertyFailure,
    advisories_never_decide,
    check_rulebook,
    figures,
    layout_does_not_matter,
    monotone_in_figures,
    nothing_outside_coverage_is_permitted,
    orders,
)
from chipcontrol.boundaries import threshold_values
from chipcontrol.testing.properties import PROPERTIES
from chipcontrol.testing.strategies import _boundary_days, around

from .conftest import BUNDLED, add_rule, copy_rulesets, hypothetical

RB = BUNDLED
DAY = dt.timedelta(days=1)
#: A rule that breaks monotonicity on purpose: weak datacenter chips need a licence, strong ones do not.
WEAK_CHIPS_RULE = hypothetical(
    "hypothetical-weak-chips", "Hypothetical: datacenter chips under TPP 1000 need a licence", "chip.datacenter and chip.tpp < 1000",
    effective="2024-01-01", effect="license_required",
)


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)


# ------------------------------------------------------------------------------------------ optional hypothesis


def test_importing_chipcontrol_and_its_cli_does_not_import_hypothesis():
    done = _python("import sys, chipcontrol, chipcontrol.cli; print('hypothesis' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr


def test_chipcontrol_testing_without_hypothesis_says_how_to_install_it():
    done = _python("import sys; sys.modules['hypothesis'] = None; import chipcontrol.testing")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "ImportError: chipcontrol.testing needs hypothesis, an optional extra: pip install 'chipcontrol[testing]'"
    )


def test_chipcontrol_test_without_hypothesis_checks_the_examples_and_says_the_properties_were_skipped():
    done = _python("import sys; sys.modules['hypothesis'] = None; from chipcontrol import cli; sys.exit(cli.main(['test']))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("examples: ") and " pass" in done.stdout
    assert "properties skipped: hypothesis is not installed (pip install 'chipcontrol[testing]')" in done.stderr


# ------------------------------------------------------------------------------------------ strategies


def test_figures_sit_at_just_below_and_just_above_every_threshold_the_rules_read():
    thresholds = threshold_values(RB)
    assert {1600.0, 2400.0, 4800.0} <= set(thresholds["chip.tpp"]) and 600.0 in thresholds["chip.io_bidirectional_gbps"]
    points = set(around(thresholds["chip.tpp"]))
    assert {4800.0, math.nextafter(4800.0, 0), math.nextafter(4800.0, math.inf)} <= points
    drawn = set()

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(figures(RB, "chip.tpp"))
    def collect(value):
        drawn.add(value)

    collect()
    assert None in drawn and len(drawn & points) >= 10 and drawn - points - {None}  # near, unknown and anything


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(order=orders(RB, item="H200", kinds=["export"], destination=["CN", "MO"], claims=["nvda-2022-hk-fulfilment"]))
def test_orders_can_be_narrowed_to_one_item_kind_claims_and_destinations(order):
    assert order.item == "H200" and order.kind is cc.Kind.EXPORT and order.destination in ("CN", "MO")
    assert order.claims == ["nvda-2022-hk-fulfilment"]


def test_days_include_the_day_before_on_and_after_every_rule_boundary():
    near = set(_boundary_days(RB))
    for rule in RB.rules.values():
        for day in (rule.effective, rule.until):
            if day:
                assert {day - DAY, day, day + DAY} <= near, rule.id


# ------------------------------------------------------------------------------------------ properties


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> cc.Rulebook:
    rulesets = copy_rulesets(tmp_path_factory.mktemp("broken"))
    add_rule(rulesets, "entity-list.yaml", WEAK_CHIPS_RULE)
    return cc.load_rulebook(rulesets)


def _weak_and_strong(rb):
    context = dict(buyer=cc.Party(name="Paris Lab", headquarters="FR", lists=[]), destination="FR", date="2024-06-03")
    chip = cc.Chip(name="Acme X1", vendor="Acme Semi", subject_to_ear=True, datacenter=True, tpp=2000, performance_density=1.0)
    return cc.Order(item=chip, **context)


def test_monotonicity_holds_for_the_bundled_rulebook_and_fails_for_a_rule_that_restricts_weak_chips(broken):
    order = _weak_and_strong(RB)
    monotone_in_figures(RB, order, (0.25, 1, 1, 1))  # passes: the weaker chip is permitted too
    with pytest.raises(PropertyFailure) as failure:
        monotone_in_figures(broken, order, (0.25, 1, 1, 1))
    message = str(failure.value)
    assert message.startswith("A chip no stronger than a permitted chip must be permitted.\n")
    assert "the stronger chip is permitted by no rule, the weaker license_required by hypothetical-weak-chips" in message


def test_a_failing_property_prints_the_order_as_an_example_that_pastes_into_a_rule_file(broken, tmp_path):
    with pytest.raises(PropertyFailure) as failure:
        monotone_in_figures(broken, _weak_and_strong(RB), (0.25, 1, 1, 1))
    snippet = str(failure.value).split("(check the expected answer):\n", 1)[1]
    (example,) = yaml.safe_load(snippet)
    assert example["outcome"] == "license_required" and example["deciding"] == ["hypothetical-weak-chips"]
    assert example["order"]["item"] == {"name": "Acme X1", "vendor": "Acme Semi", "tpp": 500.0, "performance_density": 1.0,
                                        "datacenter": True, "subject_to_ear": True}
    rulesets = copy_rulesets(tmp_path)
    rule = dict(WEAK_CHIPS_RULE, examples=[dict(example, name="a weak made-up datacenter chip to a French lab needs a licence")])
    add_rule(rulesets, "entity-list.yaml", rule)
    pasted = cc.load_rulebook(rulesets)
    assert [r.failure for r in check_examples(pasted) if r.placed.rule_id == "hypothetical-weak-chips"] == [None]


def test_advisories_never_decide_fails_when_the_other_rulebook_answers_differently(broken):
    order = cc.Order(item=cc.Chip(name="Acme X1", vendor="Acme Semi", subject_to_ear=True, datacenter=True, tpp=500),
                     buyer=cc.Party(name="Paris Lab", headquarters="FR", lists=[]), destination="FR", date="2024-06-03")
    advisories_never_decide(RB, RB, order)
    with pytest.raises(PropertyFailure, match="must never change an answer"):
        advisories_never_decide(RB, broken, order)


def test_layout_does_not_matter_fails_on_another_hash(broken):
    order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2024-06-03")
    with pytest.raises(PropertyFailure, match="File layout must not change the rulebook's hash"):
        layout_does_not_matter(RB, {"other": broken}, order)


class _AnswersEverything:
    """A rulebook that (wrongly) answers every date as if it were inside the coverage."""

    def __init__(self, rulebook):
        self._rb = rulebook

    def evaluate(self, order, **kwargs):
        return self._rb.evaluate(order.model_copy(update={"date": dt.date(2024, 6, 3)}), **kwargs)

    def __getattr__(self, name):
        return getattr(self._rb, name)


def test_nothing_outside_coverage_is_permitted_catches_a_rulebook_that_answers_outside_its_dates():
    order = cc.Order(item="H20", buyer="ByteDance", destination="CN", date="2021-06-01")
    nothing_outside_coverage_is_permitted(RB, order)
    with pytest.raises(PropertyFailure, match="2021-06-01 is outside the coverage"):
        nothing_outside_coverage_is_permitted(_AnswersEverything(RB), order)


def test_every_property_holds_for_the_bundled_rulebook_and_each_checks_orders():
    seen = []
    report = check_rulebook(RB, max_examples=20, observe=lambda order, verdict: seen.append(verdict), derandomize=True)
    assert report.ok, report.to_text()
    assert [r.name for r in report.results] == list(PROPERTIES)
    assert all(r.examples > 0 or r.skipped for r in report.results), report.to_text()
    assert len(seen) > 100 and all(isinstance(v, cc.Verdict) for v in seen)


# ------------------------------------------------------------------------------------------ coverage


def test_coverage_sees_a_date_boundary_from_both_sides_and_a_threshold_from_one():
    collector = CoverageCollector(RB)
    for day in ("2023-11-16", "2023-11-17"):
        order = cc.Order(item="A800", buyer="ByteDance", destination="CN", date=day)
        collector.observe(order, RB.evaluate(order))
    entry = {r.rule_id: r for r in collector.report().rules}["bis-3a090-2023-destinations"]
    assert list(entry.dates.values()) == [[True, True]]  # the condition held on the day before and on the day
    assert entry.fired == 1 and entry.not_fired == 0 and not entry.covered
    assert "chip.tpp >= 4800: not seen false" in entry.missing() and "never seen not firing" in entry.missing()


def test_coverage_ignores_orders_outside_the_coverage():
    collector = CoverageCollector(RB)
    order = cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2021-06-01")
    collector.observe(order, RB.evaluate(order))
    report = collector.report()
    assert (report.evaluations, report.counted) == (1, 0) and report.rule_ratio == 0


# ------------------------------------------------------------------------------------------ chipcontrol test


def test_chipcontrol_test_reaches_full_coverage_of_the_bundled_rulebook(capsys):
    code = cli.main(["test", "--coverage", "--min", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["ok"]
    assert out["coverage"]["rules_ratio"] == 1 and out["coverage"]["boundaries_ratio"] == 1
    assert out["examples"]["count"] >= 100 and out["examples"]["failures"] == []
    assert {p["name"]: p["failure"] for p in out["properties"]["properties"]} == {name: None for name in PROPERTIES}


def test_chipcontrol_test_fails_with_the_counterexample_for_a_broken_rule(broken, capsys):
    code = cli.main(["test", str(broken.root), "--max-examples", "60"])
    out = capsys.readouterr().out
    assert code == 1
    failed = out.split("FAIL monotone_in_figures (", 1)[1]
    assert "A chip no stronger than a permitted chip must be permitted." in failed.splitlines()[1]
    assert "license_required by hypothetical-weak-chips" in failed and "deciding:\n" in failed and "- hypothetical-weak-chips" in failed
    assert "ok   engines_agree" in out  # the other properties still hold


def test_chipcontrol_test_exits_1_below_the_minimum_coverage(capsys):
    code = cli.main(["test", "--coverage", "--min", "1", "--max-examples", "1"])
    out = capsys.readouterr().out
    assert code == 1 and out.rstrip().endswith("coverage below --min 1")


@pytest.mark.parametrize("args, message", [(["--min", "2"], "--min must be between 0 and 1, not 2"),
                                           (["--max-examples", "0"], "--max-examples must be at least 1, not 0")])
def test_chipcontrol_test_refuses_bad_arguments_in_one_line(capsys, args, message):
    assert cli.main(["test", "--coverage", *args]) == 2
    assert capsys.readouterr().err == f"chipcontrol: {message}\n"


# ------------------------------------------------------------------------------------------ pytest plugin


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def test_the_pytest_plugin_checks_a_users_rulesets_and_shows_a_broken_property(tmp_path):
    rulesets = copy_rulesets(tmp_path / "mine")
    ok = _pytest(tmp_path, "--chipcontrol-rulesets", str(rulesets), "--chipcontrol-max-examples", "10")
    assert ok.returncode == 0, ok.stdout[-2000:]
    assert f"{len(check_examples(RB)) + len(PROPERTIES)} passed" in ok.stdout
    add_rule(rulesets, "entity-list.yaml", WEAK_CHIPS_RULE)
    bad = _pytest(tmp_path, "--chipcontrol-rulesets", str(rulesets), "--chipcontrol-max-examples", "60", "-k", "monotone")
    assert bad.returncode == 1
    assert "FAILED ::chipcontrol-rulesets::property[monotone_in_figures]" in bad.stdout
    section = bad.stdout.split("property[monotone_in_figures] ___", 1)[1]  # the failure, without a traceback
    assert section.lstrip("_").lstrip().startswith("A chip no stronger than a permitted chip must be permitted.")
    assert "- hypothetical-weak-chips" in section and "Traceback" not in section


def test_the_pytest_plugin_refuses_a_broken_rulesets_folder_in_one_line(tmp_path):
    done = _pytest(tmp_path, "--chipcontrol-rulesets", str(tmp_path / "nowhere"))
    assert done.returncode == 4
    assert f"--chipcontrol-rulesets {tmp_path / 'nowhere'}: " in done.stderr and "not a folder" in done.stderr
