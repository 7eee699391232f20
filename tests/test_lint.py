"""`chipcontrol lint` and `cc.lint`: the bundled rulebook lints clean; each kind of broken rulebook is caught."""

from __future__ import annotations

import subprocess

import pytest

import chipcontrol as cc
from chipcontrol.conditions import parse
from chipcontrol.satisfiable import satisfiable

from .test_cli import script
from .test_loader import edit


def codes(report: cc.LintReport) -> list[tuple[str, str]]:
    return [(i.code, i.where) for i in report.issues]


def test_the_bundled_rulebook_lints_clean(rb):
    report = cc.lint(rb)
    assert report.issues == [], report.to_text()
    assert report.ok


def test_a_contradictory_condition_can_never_fire(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", "when: buyer.entity_listed and chip.tpp >= 4800 and chip.tpp < 4000")
    report = cc.lint_path(rulesets_copy)
    assert ("never-fires", "rules/entity-list.yaml: rule 'entity-list-license'") in codes(report)
    assert not report.ok


def test_a_rule_only_for_sanctioned_destinations_can_never_fire(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", 'when: buyer.entity_listed and destination in ["RU", "IR"]')
    assert ("never-fires", "rules/entity-list.yaml: rule 'entity-list-license'") in codes(cc.lint_path(rulesets_copy))


def test_a_rule_entirely_outside_the_coverage_can_never_fire(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "    effective: 2019-05-16\n", "    effective: 2019-05-16\n    until: 2020-01-01\n")
    report = cc.lint_path(rulesets_copy)
    assert any(i.code == "never-fires" and "outside the coverage" in i.message for i in report.issues)


def test_an_exception_that_names_no_rule_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2023-01-macau.yaml", "    exempts: [bis-3a090-2023-01-china-macau]\n", "")
    report = cc.lint_path(rulesets_copy)
    assert ("exception-names-no-rule", "rules/bis-ifr-2023-01-macau.yaml: rule 'bis-2023-01-macau-savings-clause'") in codes(report)


def test_an_exception_never_valid_with_its_target_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2023-01-macau.yaml", "    effective: 2023-01-17\n    until: 2023-02-16", "    effective: 2023-12-01\n    until: 2023-12-16")
    report = cc.lint_path(rulesets_copy)
    assert any(i.code == "exception-never-applies" for i in report.issues)


def test_a_source_never_cited_is_reported(rulesets_copy):
    with (rulesets_copy / "catalog/sources.yaml").open("a", encoding="utf-8") as f:
        f.write('\n  - id: orphan-rule\n    kind: instrument\n    title: An instrument nobody cites\n    citation: "99 FR 1"\n')
    report = cc.lint_path(rulesets_copy)
    assert ("source-never-cited", "catalog/sources.yaml: source 'orphan-rule'") in codes(report)
    assert report.ok  # a warning, not an error


def test_a_misquoted_article_is_a_lint_error(rulesets_copy):
    edit(rulesets_copy / "rules/nvidia-notice-2022-08.yaml", "interdit à Nvidia de distribuer ses A100 en Chine", "interdit à Nvidia de vendre ses A100 en Chine")
    report = cc.lint_path(rulesets_copy)
    assert [i.code for i in report.issues] == ["load"] and "quote not found" in report.issues[0].message


def test_overlapping_rule_versions_are_a_lint_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2022-10.yaml", "until: 2023-01-17", "until: 2023-02-01")
    report = cc.lint_path(rulesets_copy)
    assert any(i.code == "load" and "overlaps" in i.message for i in report.issues)


def test_a_rule_that_depends_on_a_disputed_figure_is_reported(rulesets_copy):
    # The H800 PCIe's I/O is disputed (400 vs 300 GB/s); neither crosses 600. Make the alternative cross it.
    path = rulesets_copy / "catalog/chips.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("id: nvidia-h800-pcie")
    block_end = text.index("- id:", start)
    block = text[start:block_end]
    assert "value: 300" in block
    path.write_text(text[:start] + block.replace("value: 300", "value: 700", 1) + text[block_end:], encoding="utf-8")
    report = cc.lint_path(rulesets_copy)
    flagged = [i for i in report.issues if i.code == "depends-on-disputed-figure"]
    assert flagged and all("H800 PCIe" in i.message for i in flagged)
    assert any("bis-3a090-2022-china" in i.where for i in flagged)


def test_the_lint_command_exits_0_when_clean_and_1_on_errors(rulesets_copy):
    clean = subprocess.run([script(), "lint"], capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0 and "clean" in clean.stdout
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", "when: buyer.entity_listed and chip.tpp >= 4800 and chip.tpp < 4000")
    broken = subprocess.run([script(), "lint", str(rulesets_copy)], capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "never-fires" in broken.stdout


@pytest.mark.parametrize(
    "condition, expected",
    [
        ("chip.tpp >= 4800 and chip.tpp < 4800", False),
        ("chip.tpp >= 4800 and chip.tpp <= 4800", True),
        ("chip.tpp > 4800 and chip.tpp <= 4800", False),
        ("chip.datacenter and not chip.datacenter", False),
        ("chip.datacenter == false and chip.datacenter", False),
        ('destination == "CN" and destination == "MO"', False),
        ('destination in ["CN", "MO"] and destination not in ["CN"]', True),
        ('destination in group("A:6") and destination in ["CN"]', False),
        ('order.claims contains "x" and not order.claims contains "x"', False),
        ("(chip.tpp < 1 or chip.tpp > 5) and chip.tpp >= 2 and chip.tpp <= 4", False),
        ("false or chip.tpp >= 1", True),
        ('not (destination != "CN")', True),
    ],
)
def test_the_satisfiability_check(rb, condition, expected):
    groups = {g.id: {m.country for m in g.members} for g in rb.groups.values()}
    assert satisfiable(parse(condition), {"destination": set(rb.countries)}, groups) is expected


def test_a_rule_reading_another_ownership_share_than_the_rulebooks_affiliates_share_is_an_error(rulesets_copy):
    """The 50 % is stated in rulebook.yaml (ownership chains) and in the Affiliates rules' conditions: they must agree."""
    edit(rulesets_copy / "rules/bis-affiliates-rule-2025.yaml", "buyer.listed_owner_share >= 0.5", "buyer.listed_owner_share >= 0.25")
    report = cc.lint_path(rulesets_copy)
    assert ("ownership-threshold", "rules/bis-affiliates-rule-2025.yaml: rule 'bis-affiliates-2025'") in codes(report)
    assert not report.ok
