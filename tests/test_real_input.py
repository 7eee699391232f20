"""Real-world input is never silently reinterpreted (design.md §3, rule 12): one regression test per wrong
answer issue 8 reproduced, each asserting the right outcome and the rules that decided it."""

from __future__ import annotations

import datetime as dt

import pytest

import chipcontrol as cc

from .conftest import edit

Outcome = cc.Outcome


def ev(rb, **order):
    return rb.evaluate(cc.Order(**order))


def kinds(verdict) -> list[str]:
    return [a.kind.value for a in verdict.advisories]


def messages(verdict, kind: str) -> list[str]:
    return [a.message for a in verdict.advisories if a.kind.value == kind]


# --- 1. every country field goes through one resolver ------------------------------------------------------


@pytest.mark.parametrize("headquarters", ["CN", "cn", "China", "CHINA", "CHN", "chn", "People's Republic of China", "PRC"])
def test_a_buyer_headquartered_in_china_however_written_needs_a_licence_for_an_h100_to_singapore(rb, headquarters):
    v = ev(rb, item="H100", buyer=cc.Party(name="Acme", headquarters=headquarters), destination="Singapore", date="2024-06-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-headquarters"]
    assert v.order.buyer_headquarters == "CN" and v.order.destination == "SG"


@pytest.mark.parametrize("parent", ["cn", "China", "CHN"])
def test_an_h20_to_singapore_for_a_buyer_whose_parent_is_chinese_however_written_needs_a_licence_in_2025(rb, parent):
    v = ev(rb, item="H20", buyer=cc.Party(name="Acme", headquarters="SG", ultimate_parent_headquarters=parent), date="2025-06-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["nvda-2025-h20-notice"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("headquarters", "ZZ", "unknown country 'ZZ' (the buyer headquarters)"),
        ("ultimate_parent_headquarters", "ZZ", "unknown country 'ZZ' (the buyer ultimate parent headquarters)"),
        ("headquarters", "Chinaa", "unknown country 'Chinaa' (the buyer headquarters); did you mean 'China'"),
    ],
)
def test_an_unknown_country_in_any_party_field_is_an_input_error_with_close_matches(rb, field, value, message):
    with pytest.raises(cc.InputError) as caught:
        ev(rb, item="H20", buyer=cc.Party(name="Acme", **{"headquarters": "SG", field: value}), destination="SG", date="2025-06-01")
    assert str(caught.value).startswith(message)


def test_a_destination_is_resolved_from_its_alpha3_code_and_its_name_in_any_case(rb):
    verdicts = [ev(rb, item="A800", buyer="ByteDance", destination=d, date="2024-01-15") for d in ("CN", "chn", "china", "Mainland China")]
    assert {v.order.destination for v in verdicts} == {"CN"}
    assert {tuple(v.deciding_rule_ids) for v in verdicts} == {("bis-3a090-2023-destinations", "bis-3a090-2023-headquarters")}


# --- 2. an inline chip is what it is, not what it is typed as ---------------------------------------------------


def _h20_figures(rb) -> dict:
    h20 = rb.chip("H20").to_chip()
    return dict(tpp=h20.tpp, io_bidirectional_gbps=h20.io_bidirectional_gbps, die_area_mm2=h20.die_area_mm2, datacenter=True)


@pytest.mark.parametrize("name", ["NVIDIA H20", "H20", "Nvidia H20 96GB", "nvidia h20 96 GB", "NVIDIA-H20"])
def test_an_inline_chip_named_like_the_h20_is_the_h20_and_needs_a_licence_to_bytedance_in_mid_2025(rb, name):
    v = ev(rb, item=cc.Chip(name=name, vendor="NVIDIA", **_h20_figures(rb)), buyer="ByteDance", destination="CN", date="2025-06-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["nvda-2025-h20-notice"]
    assert v.order.item_id == "nvidia-h20"
    assert any("is the catalog's NVIDIA H20 (nvidia-h20)" in m for m in messages(v, "resolution"))


def test_an_inline_chip_whose_figures_contradict_its_catalog_chip_is_an_input_error(rb):
    with pytest.raises(cc.InputError, match=r"is catalog chip NVIDIA H100 SXM5 \(nvidia-h100-sxm\), whose tpp is 15831.2, but the order says 10.0"):
        ev(rb, item=cc.Chip(id="nvidia-h100-sxm", name="Mystery", tpp=10), buyer="ByteDance", destination="CN", date="2025-06-01")


def test_an_inline_chip_with_the_catalog_name_but_another_vendor_is_an_input_error(rb):
    with pytest.raises(cc.InputError, match="made by nvidia, not 'AMD'"):
        ev(rb, item=cc.Chip(name="H20", vendor="AMD"), buyer="ByteDance", destination="CN", date="2025-06-01")


def test_a_figure_the_catalog_lacks_is_taken_from_the_inline_chip_and_reported(rb):
    assert rb.chip("MI308").to_chip().tpp is None
    v = ev(rb, item=cc.Chip(name="AMD MI308", vendor="AMD", tpp=5000), buyer="ByteDance", destination="CN", date="2024-06-01")
    assert v.order.item_id == "amd-mi308"
    assert any("taken from the order: tpp" in m for m in messages(v, "resolution"))
    # with the TPP the catalog lacks, the 2023 rules decide (without it the verdict is undetermined)
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]


def test_an_inline_chip_that_is_no_catalog_chip_is_judged_on_its_figures_and_vendor_alone(rb):
    """An unnamed NVIDIA part with the H20's figures is caught by the H20 notice's bandwidth clause, not by its name;
    the same figures from another vendor are not (the notice is to NVIDIA)."""
    figures = _h20_figures(rb)
    v = ev(rb, item=cc.Chip(name="Acme X1", vendor="NVIDIA", **figures), buyer="ByteDance", destination="CN", date="2025-06-01")
    assert v.order.item_id == "acme-x1"
    assert v.outcome is Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["nvda-2025-h20-notice"]
    assert "resolution" not in kinds(v)
    other = ev(rb, item=cc.Chip(name="Acme X1", vendor="Acme", **figures), buyer="ByteDance", destination="CN", date="2025-06-01")
    assert other.outcome is Outcome.PERMITTED and other.deciding_rule_ids == []


def test_a_short_name_that_several_catalog_chips_share_says_which_chip_it_was_taken_as(rb):
    v = ev(rb, item="H100", buyer="ByteDance", destination="CN", date="2024-06-01")
    assert v.order.item_id == "nvidia-h100-sxm"
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice"]
    (note,) = messages(v, "resolution")
    assert "'H100' was taken as NVIDIA H100 SXM5 (nvidia-h100-sxm)" in note and "nvidia-h100-pcie" in note


def test_an_unambiguous_name_has_no_resolution_note(rb):
    v = ev(rb, item="H100 PCIe", buyer="ByteDance", destination="CN", date="2024-06-01")
    assert v.order.item_id == "nvidia-h100-pcie" and "resolution" not in kinds(v)


# --- 4. an inline buyer is screened by name against the catalog's listed parties ---------------------------------


def test_an_inline_buyer_named_like_a_listed_party_makes_the_verdict_undetermined_naming_the_candidate(rb):
    buyer = cc.Party(name="Huawei Technologies Deutschland GmbH", headquarters="DE")
    v = ev(rb, item="H100 PCIe", buyer=buyer, date="2024-06-01")
    assert v.outcome is Outcome.UNDETERMINED and v.permitted is None
    assert v.deciding_rule_ids == ["entity-list-license"]
    assert "buyer.entity_listed" in v.finding("entity-list-license").missing_facts
    (match,) = messages(v, "possible_list_match")
    assert "may be Huawei (huawei)" in match and "pass the catalog name 'Huawei'" in match
    assert "possible_list_match" in v.reason


@pytest.mark.parametrize("name", ["Huawai Technologies", "HUAWEI TECHNOLOGIES DÜSSELDORF GMBH", "huawei tech. (deutschland) co."])
def test_case_punctuation_legal_suffixes_and_typos_do_not_hide_a_listed_party(rb, name):
    v = ev(rb, item="H100 PCIe", buyer=cc.Party(name=name, headquarters="DE"), date="2024-06-01")
    assert v.outcome is Outcome.UNDETERMINED and v.deciding_rule_ids == ["entity-list-license"]


@pytest.mark.parametrize("name", ["Huawei", "HUAWEI", "huawei technologies co., ltd."])
def test_an_inline_buyer_with_a_catalog_partys_name_is_that_party(rb, name):
    v = ev(rb, item="H100 PCIe", buyer=cc.Party(name=name), destination="DE", date="2024-06-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-headquarters", "entity-list-license"]
    assert v.order.buyer_id == "huawei"
    assert any("is the catalog's Huawei (huawei)" in m for m in messages(v, "resolution"))


def test_an_inline_buyer_with_a_catalog_partys_name_but_other_headquarters_is_an_input_error(rb):
    with pytest.raises(cc.InputError, match="is catalog party Huawei .huawei., whose headquarters is 'CN', but the order says 'DE'"):
        ev(rb, item="H100 PCIe", buyer=cc.Party(name="Huawei", headquarters="Germany"), date="2024-06-01")


def test_settling_the_match_with_the_catalog_name_gives_the_entity_list_answer(rb):
    v = ev(rb, item="H100 PCIe", buyer="Huawei", destination="DE", date="2024-06-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-headquarters", "entity-list-license"]


def test_a_buyer_whose_list_status_the_caller_states_is_taken_as_screened(rb):
    buyer = cc.Party(name="Huawei Technologies Deutschland GmbH", headquarters="DE", lists=[])
    v = ev(rb, item="H100 PCIe", buyer=buyer, date="2024-06-01")
    assert v.outcome is Outcome.PERMITTED and v.deciding_rule_ids == []
    assert not {"possible_list_match", "unscreened_party"} & set(kinds(v))


def test_an_inline_buyer_like_no_listed_party_keeps_its_outcome_and_is_said_to_be_unscreened(rb):
    v = ev(rb, item="H100 PCIe", buyer=cc.Party(name="Acme Robotics GmbH", headquarters="DE"), date="2024-06-01")
    assert v.outcome is Outcome.PERMITTED and v.deciding_rule_ids == []
    (note,) = messages(v, "unscreened_party")
    assert "checked only against the" in note and "listed parties the catalog holds" in note


def test_a_possible_match_that_cannot_change_the_outcome_leaves_it_decided(rb):
    """A licence is required for an H100 to China whoever the buyer is, so a possible listing does not matter."""
    v = ev(rb, item="H100 PCIe", buyer=cc.Party(name="Huawei Cloud Beijing", headquarters="CN"), date="2024-06-01")
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice"]
    assert messages(v, "possible_list_match")


def test_a_timeline_for_a_possibly_listed_buyer_changes_on_the_candidates_listing_date(rb):
    listed = rb.party("Inspur Group").lists[0].added  # 2023-03-02
    buyer = cc.Party(name="Inspur Electronic Information Industry Co., Ltd.", headquarters="SG")
    timeline = rb.timeline(cc.Order(item="H100 PCIe", buyer=buyer, date="2022-06-01"), "2022-06-01", "2023-06-01")
    before, after = timeline.at(listed - dt.timedelta(days=1)), timeline.at(listed)
    assert after.start == listed
    assert before.outcome is Outcome.PERMITTED and before.deciding_rule_ids == []
    assert after.outcome is Outcome.UNDETERMINED and after.deciding_rule_ids == ["entity-list-license"]


# --- 5. nothing is silently accepted ---------------------------------------------------------------------------


def test_a_misspelt_claim_is_an_input_error_with_the_close_match(rb):
    with pytest.raises(cc.InputError, match="unknown claim 'nvda-2022-hk-fulfillment'.*did you mean 'nvda-2022-hk-fulfilment'"):
        ev(rb, item="A100", buyer="ByteDance", destination="HK", date="2022-12-01", claims=["nvda-2022-hk-fulfillment"])


@pytest.mark.parametrize("destination", ["US", "USA", "United States"])
def test_an_export_to_the_us_is_refused(rb, destination):
    with pytest.raises(cc.InputError, match="destination US: an order of kind 'export'"):
        ev(rb, item="A100", buyer="ByteDance", destination=destination, date="2024-06-01")


def test_an_export_to_a_us_buyer_without_a_destination_is_refused(rb):
    with pytest.raises(cc.InputError, match="destination US .the buyer's headquarters"):
        ev(rb, item="A100", buyer="NVIDIA", date="2024-06-01")


def test_a_quantity_is_recorded_and_the_verdict_says_no_rule_reads_it(rb):
    v = ev(rb, item="A800", buyer="ByteDance", date="2024-01-15", quantity=10_000)
    assert v.outcome is Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    assert v.order.quantity == 10_000
    assert messages(v, "note") == ["quantity 10000 is recorded; no rule of this rulebook reads quantity (its licence requirements do not depend on volume)"]


@pytest.mark.parametrize("quantity", [0, -5, 2.5, True, "many"])
def test_a_quantity_that_is_not_a_whole_number_of_units_is_refused(quantity):
    with pytest.raises(cc.InputError, match="bad Order quantity"):
        cc.Order(item="A800", buyer="ByteDance", date="2024-01-15", quantity=quantity)


def test_a_timeline_to_the_last_representable_day_is_answered_and_out_of_coverage_past_the_rulebook(rb):
    timeline = rb.timeline(cc.Order(item="A800", buyer="ByteDance", date="2023-01-01"), "2023-01-01", "9999-12-31")
    assert timeline.segments[-1].outcome is Outcome.OUT_OF_COVERAGE
    assert timeline.segments[-1].start == rb.coverage.until


# --- 6. a batch reports every bad order with its index ----------------------------------------------------------


def _book():
    return [
        cc.Order(item="A800", buyer="ByteDance", date="2024-01-15"),
        cc.Order(item="A800", buyer="ByteDance", destination="US", date="2024-01-15"),
        cc.Order(item="A800", buyer="Bytedanse", date="2024-01-15"),
        cc.Order(item="A800", buyer="ByteDance", date="2023-06-15"),
    ]


def test_evaluate_many_collects_an_error_in_place_of_each_order_it_cannot_evaluate(rb):
    results = rb.evaluate_many(_book(), errors="collect")
    assert [type(r).__name__ for r in results] == ["Verdict", "OrderError", "OrderError", "Verdict"]
    assert results[1].index == 1 and "destination US" in results[1].message
    assert results[2].index == 2 and "unknown party 'Bytedanse'" in results[2].message
    assert results[0].deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]
    assert results[3].outcome is Outcome.PERMITTED and results[3].deciding_rule_ids == []


def test_evaluate_many_by_default_raises_at_the_first_bad_order_naming_its_index(rb):
    with pytest.raises(cc.InputError, match="^order 1: destination US"):
        rb.evaluate_many(_book())


def test_two_catalog_chips_whose_names_differ_only_in_punctuation_are_a_rulebook_error(rulesets_copy):
    edit(rulesets_copy / "catalog" / "chips.yaml", 'aliases: ["A100 PCIe",', 'aliases: ["A100-SXM4", "A100 PCIe",')
    with pytest.raises(cc.RulebookError, match=r"catalog/chips.yaml:\d+: chip 'nvidia-a100-pcie': name or alias 'A100-SXM4' is also a name of chip 'nvidia-a100-sxm'"):
        cc.load_rulebook(rulesets_copy)


# --- systems: boards, servers and superchips are not chips ------------------------------------------------------


@pytest.mark.parametrize("name, chip", [("HGX H200", "nvidia-h200-sxm"), ("DGX A100", "nvidia-a100-sxm"), ("hgx b200", "nvidia-b200")])
def test_a_server_of_catalog_gpus_is_judged_as_its_gpu_and_the_verdict_says_so(rb, name, chip):
    v = ev(rb, item=name, buyer="Tencent", destination="CN", date="2025-06-01")
    assert v.order.item_id == chip
    assert v.outcome is Outcome.LICENSE_REQUIRED and "bis-3a090-2023-destinations" in v.deciding_rule_ids
    assert any(f"'{name}' is NVIDIA" in m and "a system of 8" in m for m in messages(v, "resolution"))


@pytest.mark.parametrize("name, chip", [("GB200", "NVIDIA B200"), ("GB300 NVL72", "NVIDIA B300")])
def test_a_grace_superchip_is_refused_naming_the_gpu_to_ask_about(rb, name, chip):
    with pytest.raises(cc.InputError, match=f"is a system, not a chip: .* Name the chip \\({chip}\\)"):
        ev(rb, item=name, buyer="Tencent", destination="CN", date="2025-06-01")


def test_a_system_must_contain_a_catalog_chip(rulesets_copy):
    edit(rulesets_copy / "catalog" / "chips.yaml", "chip: nvidia-b300, resolves: false", "chip: nvidia-b999, resolves: false")
    with pytest.raises(cc.RulebookError, match=r"catalog/chips.yaml:\d+: system 'nvidia-gb300'.*chip 'nvidia-b999' is not a catalog chip"):
        cc.load_rulebook(rulesets_copy)
