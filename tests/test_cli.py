"""The `chipcontrol` command, run through the installed console script as a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chipcontrol as cc


def script() -> str:
    beside = Path(sys.executable).parent / "chipcontrol"
    found = str(beside) if beside.exists() else shutil.which("chipcontrol")
    if not found:
        pytest.fail("the chipcontrol console script is not installed (pip install '.[test]')")
    return found


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([script(), *args], capture_output=True, text=True, timeout=120)


def test_check_prints_the_outcome_the_deciding_rules_and_their_quotes():
    result = run("check", "--item", "A800", "--buyer", "ByteDance", "--destination", "CN", "--date", "2024-01-15")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())  # quotes are wrapped across lines
    assert "Outcome: LICENSE REQUIRED" in out
    assert "bis-3a090-2023-destinations" in out and "bis-3a090-2023-headquarters" in out
    assert "Nvidia a été contraint d’interrompre l’exportation" in out  # article 003's quote
    assert "88 FR 73458" in out


def test_check_json_is_the_libraries_verdict(rb):
    result = run("check", "--item", "A100", "--buyer", "ByteDance", "--date", "2023-06-15", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = rb.evaluate(cc.Order(item="A100", buyer="ByteDance", date="2023-06-15"))
    assert data["outcome"] == expected.outcome.value == "license_required"
    assert data["deciding_rule_ids"] == expected.deciding_rule_ids
    assert data["permitted"] is False
    assert data["order"]["destination"] == "CN"  # defaulted to the buyer's headquarters


@pytest.mark.parametrize(
    "args, message",
    [
        (["--item", "A8000", "--buyer", "ByteDance", "--date", "2024-01-15"], "unknown chip 'A8000'; did you mean"),
        (["--item", "A800", "--buyer", "Bytedanse", "--date", "2024-01-15"], "unknown party 'Bytedanse'; did you mean 'ByteDance'"),
        (["--item", "A800", "--buyer", "ByteDance", "--date", "2024-02-30"], "2024-02-30: that day does not exist (February 2024 has 29 days)"),
        (["--item", "A800", "--buyer", "ByteDance", "--date", "yesterday"], "'yesterday' is not a date written YYYY-MM-DD"),
        (["--item", "A800", "--buyer", "ByteDance", "--date", "20240615"], "'20240615' is not a date written YYYY-MM-DD"),
        (["--item", "A800", "--buyer", "ByteDance", "--date", "2024-01-15", "--claim", "nvda-2022-hk-fulfillment"], "unknown claim 'nvda-2022-hk-fulfillment'"),
        (["--item", "A800", "--buyer", "ByteDance", "--destination", "USA", "--date", "2024-01-15"], "destination US: an order of kind 'export'"),
        (["--item", "A800", "--buyer", "ByteDance", "--destination", "Chnia", "--date", "2024-01-15"], "unknown country 'Chnia' (the destination); did you mean 'China'"),
        (["--item", "A800", "--buyer", "ByteDance", "--destination", "XX", "--date", "2024-01-15"], "unknown country 'XX'"),
        (["--item", "A800", "--buyer", "ByteDance", "--date", "2024-01-15", "--kind", "exprot"], "unknown kind 'exprot'; did you mean 'export'"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_problem(args, message):
    result = run("check", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_chip_suggests_close_matches():
    result = run("check", "--item", "H2O", "--buyer", "ByteDance", "--date", "2024-01-15")
    assert result.returncode == 2 and "'H20'" in result.stderr


def test_chips_lists_the_catalog_with_derived_tpp():
    result = run("chips")
    assert result.returncode == 0
    line = next(l for l in result.stdout.splitlines() if l.startswith("nvidia-a800-sxm "))
    assert "4990.4" in line


def test_chips_json_lists_every_catalog_chip(rb):
    data = json.loads(run("chips", "--json").stdout)
    assert sorted(row["id"] for row in data) == sorted(rb.chips)


def test_parties_lists_entity_list_dates():
    result = run("parties")
    assert result.returncode == 0
    biren = next(l for l in result.stdout.splitlines() if l.startswith("biren "))
    assert "entity_list from 2023-10-17" in biren


def test_a_broken_rulesets_folder_exits_1_naming_the_problem(rulesets_copy):
    path = rulesets_copy / "rules/entity-list.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("effect: license_required", "effect: licence_required"), encoding="utf-8")
    result = run("--rulesets", str(rulesets_copy), "chips")
    assert result.returncode == 1
    assert "entity-list.yaml" in result.stderr and "entity-list-license" in result.stderr and "effect" in result.stderr


@pytest.mark.parametrize("name", ["rule-file", "chips", "verdict", "timeline"])
def test_schema_prints_the_json_schema_of_a_format(name):
    result = run("schema", name)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object" and schema["properties"]
    if name == "rule-file":
        assert schema["$defs"]["RuleWithExamples"]["additionalProperties"] is False  # unknown keys are refused
        assert schema["$defs"]["RuleExample"]["additionalProperties"] is False  # in the rules' examples too
    if name == "verdict":
        assert "checks" in schema["$defs"]["Finding"]["properties"]  # explanations are part of the answer
