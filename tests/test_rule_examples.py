"""The examples written beside the rules (`examples:` in rules/*.yaml): every one holds for the bundled
rulebook, and a wrong or malformed one is reported naming its file, line, rule and example."""

from __future__ import annotations

import pytest
import yaml

import chipcontrol as cc
from chipcontrol.rule_examples import check_example, check_examples, examples_of

from .conftest import BUNDLED, copy_rulesets, edit

RB = BUNDLED
EXAMPLES = examples_of(RB)


@pytest.mark.parametrize("placed", EXAMPLES, ids=[f"{p.file}:{p.line}" for p in EXAMPLES])
def test_the_rulebook_answers_every_example_as_it_says(placed):
    result = check_example(RB, placed)
    assert result.failure is None, result.failure


def test_the_bundled_rule_files_carry_examples_with_article_quotes():
    assert len(EXAMPLES) >= 100
    quoted = [p for p in EXAMPLES if p.example.citation and p.example.citation.quote]
    assert {p.example.citation.source for p in quoted} >= {"article-000", "article-001", "article-002", "article-003", "article-004"}


def test_examples_are_not_part_of_the_content_hash(tmp_path):
    rulesets = copy_rulesets(tmp_path)
    for path in (rulesets / "rules").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.pop("examples", None)
        for rule in data.get("rules", []):
            rule.pop("examples", None)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stripped = cc.load_rulebook(rulesets)
    assert examples_of(stripped) == []
    assert stripped.hash == RB.hash


ENTITY_EXAMPLE = "        outcome: license_required\n        review_policy: presumption_of_denial\n        deciding: [entity-list-license]"


def test_a_wrong_example_fails_with_its_file_line_rule_name_and_both_answers(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", ENTITY_EXAMPLE, "        outcome: permitted\n        deciding: []")
    failures = [r.failure for r in check_examples(cc.load_rulebook(rulesets_copy)) if not r.ok]
    assert len(failures) == 1
    assert failures[0].startswith("rules/entity-list.yaml:30: rule 'entity-list-license': example 'an export of the L2 to Huawei")
    assert failures[0].endswith(": expected permitted by no rule, got license_required by entity-list-license (presumption_of_denial)")


def test_an_example_missing_an_advisory_the_verdict_shows_fails(rulesets_copy):
    edit(rulesets_copy / "rules/ear-scope.yaml", "        advisories: [bis-2025-gp10-ascend-guidance]\n", "")
    (failure,) = [r.failure for r in check_examples(cc.load_rulebook(rulesets_copy)) if not r.ok]
    assert "rule 'bis-2025-gp10-ascend-guidance'" in failure
    assert failure.endswith("expected advisories from none; the verdict shows bis-2025-gp10-ascend-guidance")


def test_an_example_naming_an_unknown_rule_is_a_load_error(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "deciding: [entity-list-license]", "deciding: [entity-list-licence]")
    with pytest.raises(cc.RulebookError) as error:
        cc.load_rulebook(rulesets_copy)
    (problem,) = error.value.problems
    assert problem.startswith("rules/entity-list.yaml:30: rule 'entity-list-license': example 'an export of the L2")
    assert problem.endswith("`deciding` names unknown rule 'entity-list-licence'")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("        outcome: license_required\n", "        outcome: licence_required\n", "examples[0].outcome: Input should be"),
        ("        outcome: license_required\n", "        outcomes: license_required\n", "examples[0].outcomes: unknown key"),
        ("destination: CN, date: 2022-01-01}", "destination: CN, date: 2022-01-01, date: 2022-01-02}", "key 'date' appears twice"),
        ("destination: CN, date: 2022-01-01}", "destination: CN, date: 2022-13-01}", "examples[0].order: Value error, bad Order date: 2022-13-01"),
    ],
    ids=["bad outcome", "unknown key", "repeated key", "bad date"],
)
def test_a_malformed_example_is_a_load_error_naming_file_and_rule(rulesets_copy, old, new, message):
    edit(rulesets_copy / "rules/entity-list.yaml", old, new)
    with pytest.raises(cc.RulebookError) as error:
        cc.load_rulebook(rulesets_copy)
    problems = error.value.problems
    assert all(p.startswith("rules/entity-list.yaml:") and "rule 'entity-list-license'" in p for p in problems)
    assert any(message in p for p in problems), problems


def test_an_example_quote_not_in_its_article_is_a_load_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-acs-ifr-2023-10.yaml", "quote: une version modifiée qui respecte", "quote: une version modifiée qui contourne")
    with pytest.raises(cc.RulebookError) as error:
        cc.load_rulebook(rulesets_copy)
    (problem,) = error.value.problems
    assert problem.startswith("rules/bis-acs-ifr-2023-10.yaml:") and "rule 'bis-3a090-2023-destinations': example 'an H20" in problem
    assert "citation: quote not found in article 'article-003'" in problem


def test_an_example_whose_order_is_refused_fails_saying_why(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "{item: L2, buyer: Huawei,", "{item: L2, buyer: Huawey Technologies,")
    (failure,) = [r.failure for r in check_examples(cc.load_rulebook(rulesets_copy)) if not r.ok]
    assert "rule 'entity-list-license'" in failure and ": the order is refused: " in failure and "Huawey" in failure
