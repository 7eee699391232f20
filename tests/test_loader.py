"""Rules are data, checked on load: each kind of bad rule file gives a clear error naming file and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import chipcontrol as cc
from chipcontrol.errors import RulebookError

from .conftest import edit


def load_error(rulesets: Path) -> str:
    with pytest.raises(RulebookError) as info:
        cc.load_rulebook(rulesets)
    return str(info.value)


def test_the_bundled_rulebook_loads_clean_with_a_hash_and_a_coverage(rb):
    assert re.fullmatch(r"[0-9a-f]{64}", rb.hash)
    assert rb.coverage.start < rb.coverage.until
    assert len(rb.rules) >= 15


def test_a_copy_of_the_bundled_rulesets_loads_with_the_same_hash(rb, rulesets_copy):
    assert cc.load_rulebook(rulesets_copy).hash == rb.hash


def test_an_unknown_key_in_a_rule_names_the_file_the_rule_and_the_key(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "    effect: license_required", "    effect: license_required\n    efective: 2020-01-01")
    message = load_error(rulesets_copy)
    assert "rules/entity-list.yaml" in message and "'entity-list-license'" in message and "efective" in message
    assert "unknown key" in message


def test_a_bad_date_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "effective: 2019-05-16", "effective: 2019-13-16")
    message = load_error(rulesets_copy)
    assert "rules/entity-list.yaml" in message and "'entity-list-license'" in message and "effective" in message


def test_an_end_date_before_the_effective_date_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/nvidia-notice-2023-10.yaml", "until: 2023-11-17", "until: 2023-10-01")
    message = load_error(rulesets_copy)
    assert "nvidia-notice-2023-10.yaml" in message and "nvda-2023-acceleration" in message
    assert "not after effective" in message


def test_an_exception_naming_a_rule_that_does_not_exist_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2024-04-corrections.yaml", "exempts: [bis-3a090-2023-destinations]", "exempts: [bis-3a090-2023-destination]")
    message = load_error(rulesets_copy)
    assert "rule 'bis-aca-2024': exempts unknown rule 'bis-3a090-2023-destination'" in message


def test_a_citation_of_an_unknown_source_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "  - source: ear-part-744-supp-4\n        locator", "  - source: ear-part-744-supp-5\n        locator")
    message = load_error(rulesets_copy)
    assert "rule 'entity-list-license': cites unknown source 'ear-part-744-supp-5'" in message


def test_a_misquoted_article_fails_the_load(rulesets_copy):
    edit(rulesets_copy / "rules/nvidia-notice-2022-08.yaml", "interdit à Nvidia de distribuer ses A100 en Chine", "interdit à Nvidia de vendre ses A100 en Chine")
    message = load_error(rulesets_copy)
    assert "rule 'nvda-2022-notice': quote not found in article 'article-001'" in message


def test_a_quote_is_checked_whitespace_normalised(rulesets_copy):
    edit(rulesets_copy / "rules/nvidia-notice-2022-08.yaml", "interdit à Nvidia de distribuer ses A100 en Chine", "interdit   à Nvidia de distribuer ses A100 en Chine")
    assert cc.load_rulebook(rulesets_copy).rules["nvda-2022-notice"]


def test_an_article_cited_without_a_quote_is_an_error(rulesets_copy):
    edit(
        rulesets_copy / "rules/ear-scope.yaml",
        "        quote: ByteDance a acquis plus de 100 000 puces Ascend 910B à ce jour\n",
        "",
    )
    message = load_error(rulesets_copy)
    assert "rule 'ear-item-not-subject': cites article 'article-003' without a quote" in message


def test_a_rule_without_a_citation_is_an_error(rulesets_copy):
    path = rulesets_copy / "rules/entity-list.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["citations"] = []
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    message = load_error(rulesets_copy)
    assert "entity-list.yaml" in message and "'entity-list-license'" in message and "citations" in message


def test_a_duplicate_rule_id_across_files_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/ear-scope.yaml", "- id: ear-item-not-subject", "- id: entity-list-license")
    message = load_error(rulesets_copy)
    assert "rule id 'entity-list-license' is also used in rules/" in message
    assert "ear-scope.yaml" in message and "entity-list.yaml" in message


def test_a_misspelt_fact_in_a_condition_is_an_error_with_a_suggestion(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", "when: buyer.entity_listed and chip.subject_to_eear")
    message = load_error(rulesets_copy)
    assert "rule 'entity-list-license': unknown fact 'chip.subject_to_eear' (did you mean chip.subject_to_ear" in message


def test_a_condition_outside_the_language_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", "when: __import__('os').system('echo hacked')")
    message = load_error(rulesets_copy)
    assert "rule 'entity-list-license': condition is not valid" in message


def test_a_rule_file_cannot_execute_code_through_yaml_tags(rulesets_copy, tmp_path):
    marker = tmp_path / "pwned"
    (rulesets_copy / "rules/evil.yaml").write_text(
        f"title: !!python/object/apply:os.system ['touch {marker}']\nrules: []\n", encoding="utf-8"
    )
    message = load_error(rulesets_copy)
    assert "rules/evil.yaml: not valid YAML" in message
    assert not marker.exists()


def test_an_unknown_chip_id_in_a_condition_is_a_dangling_reference(rulesets_copy):
    edit(rulesets_copy / "rules/ear-scope.yaml", 'when: chip.id == "huawei-ascend-910b"', 'when: chip.id == "huawei-ascend-910x"')
    message = load_error(rulesets_copy)
    assert "rule 'bis-2025-gp10-ascend-guidance': chip.id compared with unknown chip id 'huawei-ascend-910x'" in message


def test_an_unknown_term_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-acs-ifr-2023-10.yaml", 'when: chip.subject_to_ear and term("3A090-2023") and term("acs-2023-destination")', 'when: chip.subject_to_ear and term("3A090-2032") and term("acs-2023-destination")')
    message = load_error(rulesets_copy)
    assert "rule 'bis-3a090-2023-destinations': uses unknown term '3A090-2032'" in message


def test_overlapping_versions_of_a_rule_are_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2022-10.yaml", "until: 2023-01-17", "until: 2023-02-01")
    message = load_error(rulesets_copy)
    assert "rule 'bis-3a090-2023-01-china-macau' (series 'bis-3a090-license'): overlaps 'bis-3a090-2022-china'" in message


def test_a_gap_between_versions_of_a_rule_is_an_error(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2022-10.yaml", "until: 2023-01-17", "until: 2023-01-10")
    message = load_error(rulesets_copy)
    assert "rule 'bis-3a090-2023-01-china-macau' (series 'bis-3a090-license'): gap after 'bis-3a090-2022-china'" in message


def test_an_edited_article_fails_its_checksum(rulesets_copy):
    seeds = rulesets_copy.parent / "seeds"
    article = next(seeds.glob("001_*.txt"))
    article.write_text(article.read_text(encoding="utf-8") + " ", encoding="utf-8")
    message = load_error(rulesets_copy)
    assert "source 'article-001'" in message and "sha256" in message


def test_an_exception_may_not_add_a_restriction(rulesets_copy):
    edit(rulesets_copy / "rules/bis-ifr-2024-04-corrections.yaml", "    effect: permitted\n    exempts: [bis-3a090-2023-destinations]", "    effect: prohibited\n    exempts: [bis-3a090-2023-destinations]")
    message = load_error(rulesets_copy)
    assert "rule 'bis-aca-2024': an exception may only relax" in message


def test_every_problem_is_reported_at_once(rulesets_copy):
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", "when: buyer.entity_listed and chip.subject_to_eear")
    edit(rulesets_copy / "rules/nvidia-notice-2022-08.yaml", "interdit à Nvidia de distribuer ses A100 en Chine", "interdit à Nvidia de vendre ses A100 en Chine")
    with pytest.raises(RulebookError) as info:
        cc.load_rulebook(rulesets_copy)
    assert len(info.value.problems) == 2


def test_the_json_schema_of_every_file_format_is_exported():
    from chipcontrol import files

    for model in (files.RuleFile, files.ChipsFile, files.PartiesFile, files.CountriesFile, files.SourcesFile, files.RulebookFile):
        schema = model.model_json_schema()
        assert schema["additionalProperties"] is False, model.__name__


def test_a_rule_durable_rules_cannot_express_fails_the_load_naming_it(rulesets_copy):
    from chipcontrol.engines import ENGINES, UNAVAILABLE

    if "durable" not in ENGINES or "durable" in UNAVAILABLE:
        pytest.skip("durable_rules does not run on this interpreter; nothing is compiled at load")
    # 16 independent either/or clauses: 2**16 conjunctions in normal form, more than durable_rules can hold
    clauses = " and ".join(f'(order.claims contains "a{i}" or order.claims contains "b{i}")' for i in range(16))
    edit(rulesets_copy / "rules/entity-list.yaml", "when: buyer.entity_listed and chip.subject_to_ear", f"when: {clauses}")
    message = load_error(rulesets_copy)
    assert "entity-list-license" in message and "entity-list.yaml" in message
