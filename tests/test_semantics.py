"""The evaluation semantics of design.md section 3, one behaviour per test, on the bundled rulebook."""

from __future__ import annotations

import pydantic
import pytest

import chipcontrol as cc

Role = cc.Role


def ev(rb, **order):
    return rb.evaluate(cc.Order(**order))


# --- rule 3: exceptions ------------------------------------------------------------------------------


def test_a_claimed_authorisation_suppresses_nvidias_2022_notice_before_the_2022_rule(rb):
    v = ev(rb, item="A100", buyer="ByteDance", date="2022-09-15", claims=["nvda-2022-a100-us-customers"])
    assert v.outcome is cc.Outcome.PERMITTED
    assert v.deciding_rule_ids == ["nvda-2022-auth-a100-us-customers"]
    notice = v.finding("nvda-2022-notice")
    assert notice.role is Role.SUPPRESSED and notice.suppressed_by == ["nvda-2022-auth-a100-us-customers"]


def test_the_same_authorisation_does_not_lift_the_2022_rule_after_2022_10_21(rb):
    v = ev(rb, item="A100", buyer="ByteDance", date="2022-11-15", claims=["nvda-2022-a100-us-customers"])
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2022-china"]
    assert v.finding("nvda-2022-notice").role is Role.SUPPRESSED


def test_without_the_claim_the_notice_decides(rb):
    v = ev(rb, item="A100", buyer="ByteDance", date="2022-09-15")
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["nvda-2022-notice"]


def test_an_exception_with_nothing_to_except_adds_nothing(rb):
    v = ev(rb, item="H100", buyer=cc.Party(name="Hanoi Vision Lab", headquarters="VN"), date="2022-09-15", claims=["nvda-2022-h100-development"])
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    assert v.finding("nvda-2022-auth-h100-development").role is Role.IDLE_EXCEPTION


def test_nvidias_notice_binds_nvidia_not_a_reseller(rb):
    reseller = cc.Party(name="Lion City Distribution", headquarters="SG")
    v = ev(rb, item="A100", buyer="ByteDance", date="2022-09-15", seller=reseller)
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    assert [c.test for c in v.finding("nvda-2022-notice").checks if c.result is False] == ['seller.id == "nvidia"']


# --- rule 4: precedence ------------------------------------------------------------------------------


def test_license_exception_nac_turns_a_licence_into_a_notification_for_a_gaming_gpu_to_china(rb):
    v = ev(rb, item="RTX 4090", buyer="ByteDance", date="2024-05-01")
    assert v.outcome is cc.Outcome.NOTIFICATION_REQUIRED and v.permitted is True
    assert v.deciding_rule_ids == ["bis-nac-2024-notification"]
    assert v.finding("bis-3a090-2023-destinations").role is Role.SUPPRESSED
    assert v.finding("bis-3a090-2023-headquarters").role is Role.SUPPRESSED


def test_nac_does_not_cover_an_in_country_transfer_in_china(rb):
    v = ev(rb, item="RTX 4090", buyer="ByteDance", date="2024-05-01", kind="in_country_transfer")
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]


def test_aca_permits_a_nac_eligible_gpu_to_a_d1_country_buyer(rb):
    v = ev(rb, item="L40", buyer=cc.Party(name="Hanoi Vision Lab", headquarters="VN"), date="2024-05-01")
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == ["bis-aca-2024"]


def test_the_entity_list_outranks_a_license_exception(rb):
    v = ev(rb, item="RTX 4090", buyer="Biren", destination="CN", date="2024-05-01")
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["entity-list-license"]
    assert v.finding("bis-nac-2024-notification").role is Role.CONTRIBUTING


def test_the_rtx_4090d_was_shaped_to_fall_under_note_2(rb):
    v = ev(rb, item="RTX 4090D", buyer="ByteDance", date="2024-05-01")
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []
    note2 = [c for c in v.finding("bis-3a090-2023-destinations").checks if c.term == "3A090-note-2-2023"]
    assert {c.test: c.result for c in note2} == {"chip.datacenter == false": True, "chip.tpp < 4800": True}


# --- rule 6: coverage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "order, fragment",
    [
        (dict(item="A100", buyer="ByteDance", date="2021-12-31"), "outside the rulebook's coverage"),
        (dict(item="A100", buyer="ByteDance", date="2026-09-20"), "outside the rulebook's coverage"),
        (dict(item="L2", buyer="ByteDance", destination="RU", date="2024-01-10"), "destination RU"),
        (dict(item="L2", buyer=cc.Party(name="Minsk Compute", headquarters="BY"), destination="DE", date="2024-01-10"), "buyer headquarters BY"),
        (dict(item="L2", buyer="ByteDance", destination="IR", date="2024-01-10"), "destination IR"),
        (dict(buyer=cc.Party(name="Moscow AI", headquarters="RU"), kind="investment", date="2025-03-10"), "destination RU"),
    ],
)
def test_what_the_rulebook_does_not_speak_for_is_out_of_coverage_never_permitted(rb, order, fragment):
    v = ev(rb, **order)
    assert v.outcome is cc.Outcome.OUT_OF_COVERAGE and v.permitted is None
    assert fragment in v.reason
    assert v.findings == []


def test_a_sanctioned_destination_cites_why_it_is_out_of_coverage(rb):
    v = ev(rb, item="L2", buyer="ByteDance", destination="RU", date="2024-01-10")
    assert [c.source_id for c in v.reason_citations] == ["fr-87-57068", "ear-part-746"]


# --- rule 7: unknown facts ---------------------------------------------------------------------------


def test_an_unknown_figure_that_decides_the_outcome_gives_undetermined_naming_the_fact(rb):
    mystery = cc.Chip(name="Mystery X", vendor="NVIDIA", tpp=None, die_area_mm2=None, datacenter=True)
    v = ev(rb, item=mystery, buyer="ByteDance", date="2024-05-01")
    assert v.outcome is cc.Outcome.UNDETERMINED and v.permitted is None
    assert "bis-3a090-2023-destinations" in v.deciding_rule_ids
    assert "chip.tpp" in v.finding("bis-3a090-2023-destinations").missing_facts
    assert any(a.kind.value == "data_gap" for a in v.advisories)


def test_unknown_datacenter_status_of_a_strong_gpu_is_undetermined_between_licence_and_notification(rb):
    gpu = cc.Chip(name="Gamer Pro", vendor="NVIDIA", tpp=5000, die_area_mm2=600, datacenter=None)
    v = ev(rb, item=gpu, buyer="ByteDance", date="2024-05-01")
    assert v.outcome is cc.Outcome.UNDETERMINED
    assert "chip.datacenter" in v.finding("bis-nac-2024-notification").missing_facts
    known = ev(rb, item=gpu.model_copy(update={"datacenter": True}), buyer="ByteDance", date="2024-05-01")
    assert known.outcome is cc.Outcome.LICENSE_REQUIRED


def test_an_unknown_figure_that_cannot_change_the_outcome_does_not_block_the_answer(rb):
    v = ev(rb, item="A100X", buyer="ByteDance", date="2023-06-15")  # figures unpublished; named in the notice
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED
    assert v.deciding_rule_ids == ["nvda-2022-notice"]
    assert v.finding("bis-3a090-2023-01-china-macau").role is Role.UNDETERMINED


def test_an_unknown_chip_shipped_outside_every_scope_is_permitted(rb):
    mystery = cc.Chip(name="Mystery X", vendor="NVIDIA")
    v = ev(rb, item=mystery, buyer=cc.Party(name="Paris Lab", headquarters="FR"), date="2024-05-01")
    assert v.outcome is cc.Outcome.PERMITTED and v.deciding_rule_ids == []


# --- rule 9 and the shape of a verdict ---------------------------------------------------------------


@pytest.mark.parametrize(
    "outcome, permitted",
    [("permitted", True), ("notification_required", True), ("license_required", False), ("prohibited", False), ("out_of_coverage", None), ("undetermined", None)],
)
def test_permitted_follows_rule_9(outcome, permitted):
    assert cc.Outcome(outcome).permitted is permitted


def test_the_same_order_always_gives_the_same_verdict(rb):
    order = cc.Order(item="H800", buyer="Tencent", date="2023-10-30")
    assert rb.evaluate(order).model_dump() == rb.evaluate(order).model_dump()


def test_a_verdict_carries_the_rulebook_hash_engine_and_version(rb):
    from chipcontrol.engines import ENGINES

    v = ev(rb, item="A800", buyer="ByteDance", date="2023-10-30")
    default = "durable" if "durable" in ENGINES else "reference"  # durable_rules does not run on Python 3.13+
    assert v.rulebook_hash == rb.hash and v.engine == default and v.library_version == cc.__version__
    assert rb.evaluate(cc.Order(item="A800", buyer="ByteDance", date="2023-10-30"), engine="reference").engine == "reference"
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["nvda-2023-acceleration"]


def test_a_verdict_round_trips_through_json(rb):
    v = ev(rb, item="A100", buyer="ByteDance", date="2023-06-15")
    again = cc.Verdict.model_validate_json(v.model_dump_json())
    assert again.outcome is v.outcome and again.deciding_rule_ids == v.deciding_rule_ids


def test_every_citation_of_an_article_in_a_verdict_is_a_checked_verbatim_quote(rb, article_text):
    from chipcontrol.sources import normalise_text

    v = ev(rb, item="A800", buyer="ByteDance", date="2024-01-15")
    quotes = [c for f in v.findings for c in f.citations if c.kind.value == "article"]
    assert quotes
    for citation in quotes:
        assert citation.quote_checked and normalise_text(citation.quote) in article_text(citation.source_id)


# --- destinations -------------------------------------------------------------------------------------


def test_hong_kong_is_treated_as_china(rb):
    v = ev(rb, item="A100", buyer="ByteDance", destination="HK", date="2023-06-15")
    assert v.order.ear_destination == "CN"
    assert v.deciding_rule_ids == ["bis-3a090-2023-01-china-macau", "nvda-2022-notice"]


def test_macau_joined_the_2022_rule_on_2023_01_17(rb):
    before = ev(rb, item="A100", buyer="ByteDance", destination="MO", date="2023-01-16", seller=cc.Party(name="Reseller", headquarters="SG"))
    after = ev(rb, item="A100", buyer="ByteDance", destination="MO", date="2023-01-17", seller=cc.Party(name="Reseller", headquarters="SG"))
    assert before.outcome is cc.Outcome.PERMITTED
    assert after.deciding_rule_ids == ["bis-3a090-2023-01-china-macau"]


def test_a_chinese_buyers_data_centre_abroad_is_caught_by_the_headquarters_rule(rb):
    v = ev(rb, item="H800", buyer="ByteDance", destination="MY", date="2024-05-01")
    assert v.outcome is cc.Outcome.LICENSE_REQUIRED and v.deciding_rule_ids == ["bis-3a090-2023-headquarters"]


@pytest.mark.parametrize("country, outcome", [("IL", "permitted"), ("SG", "permitted"), ("SA", "license_required"), ("VN", "license_required"), ("AE", "license_required")])
def test_the_2023_scope_reaches_d4_and_d1_countries_but_not_a6_ones(rb, country, outcome):
    buyer = cc.Party(name=f"Local lab {country}", headquarters=country)
    v = ev(rb, item="H100", buyer=buyer, date="2024-05-01")
    assert v.outcome.value == outcome
    expected = ["bis-3a090-2023-destinations"] if outcome == "license_required" else []  # IL, SG: A:6 or no D group
    assert v.deciding_rule_ids == expected


def test_destination_defaults_to_the_buyers_headquarters(rb):
    assert ev(rb, item="H20", buyer="Tencent", date="2024-01-10").order.destination == "CN"


def test_destination_may_be_given_as_a_country_name(rb):
    assert ev(rb, item="H20", buyer="Tencent", destination="Vietnam", date="2024-01-10").order.destination == "VN"


# --- bad input ----------------------------------------------------------------------------------------


def test_an_unknown_chip_is_an_input_error_with_close_matches(rb):
    with pytest.raises(cc.InputError, match=r"unknown chip 'H8000'; did you mean .*H800"):
        ev(rb, item="H8000", buyer="ByteDance", date="2024-01-10")


def test_an_unknown_buyer_is_an_input_error_with_close_matches(rb):
    with pytest.raises(cc.InputError, match=r"unknown party 'Tencnet'; did you mean 'Tencent'"):
        ev(rb, item="H20", buyer="Tencnet", date="2024-01-10")


def test_an_export_without_an_item_is_an_input_error(rb):
    with pytest.raises(cc.InputError, match="needs an item"):
        ev(rb, buyer="ByteDance", date="2024-01-10")


def test_an_inline_buyer_with_a_bad_country_is_an_input_error(rb):
    with pytest.raises(cc.InputError, match="unknown country 'XX'"):
        ev(rb, item="H20", buyer=cc.Party(name="Nowhere Inc", headquarters="XX"), date="2024-01-10")


@pytest.mark.parametrize(
    "date, message",
    [
        ("2023-02-30", "2023-02-30: that day does not exist (February 2023 has 28 days)"),
        ("2023-13-01", "2023-13-01: there is no month 13"),
        ("15/01/2024", "'15/01/2024' is not a date written YYYY-MM-DD"),
        ("20240115", "'20240115' is not a date written YYYY-MM-DD"),
        ("2024-1-5", "'2024-1-5' is not a date written YYYY-MM-DD"),
        ("", "'' is not a date written YYYY-MM-DD"),
        (20240115, "expected a date written YYYY-MM-DD, got int"),
    ],
)
def test_a_bad_date_is_refused_with_one_line_saying_what_is_wrong_when_the_order_is_built(date, message):
    with pytest.raises(cc.InputError) as caught:
        cc.Order(item="A800", buyer="ByteDance", date=date)
    assert str(caught.value) == f"bad Order date: {message}"


def test_names_resolve_case_insensitively_through_aliases(rb):
    assert rb.chip("a800").id == rb.chip("NVIDIA A800").id == "nvidia-a800-sxm"
    assert rb.chip("h100").id == "nvidia-h100-sxm"
    assert rb.party("bytedance").id == "bytedance"


def test_a_kind_the_rulebook_does_not_cover_is_out_of_coverage(rulesets_copy):
    from .test_loader import edit

    edit(rulesets_copy / "rulebook.yaml", "kinds: [export, reexport, in_country_transfer, cloud_access, investment]", "kinds: [export, reexport, in_country_transfer]")
    narrow = cc.load_rulebook(rulesets_copy)
    v = narrow.evaluate(cc.Order(kind="cloud_access", item="H100", buyer="ByteDance", date="2024-01-10"))
    assert v.outcome is cc.Outcome.OUT_OF_COVERAGE and "does not yet speak for orders of kind 'cloud_access'" in v.reason


def test_an_inline_chip_is_presumed_subject_to_the_ear_only_for_a_us_vendor(rb):
    figures = dict(tpp=5000, performance_density=6.5, io_bidirectional_gbps=400, datacenter=True)
    us = rb.evaluate(cc.Order(item=cc.Chip(name="X1", vendor="NVIDIA", **figures), buyer="ByteDance", date="2024-05-01"))
    other = rb.evaluate(cc.Order(item=cc.Chip(name="X1", vendor="Acme Semi", **figures), buyer="ByteDance", date="2024-05-01"))
    stated = rb.evaluate(cc.Order(item=cc.Chip(name="X1", vendor="Acme Semi", subject_to_ear=True, **figures), buyer="ByteDance", date="2024-05-01"))
    assert us.outcome is cc.Outcome.LICENSE_REQUIRED
    assert other.outcome is cc.Outcome.UNDETERMINED and "chip.subject_to_ear" in other.finding("bis-3a090-2023-destinations").missing_facts
    assert stated.outcome is cc.Outcome.LICENSE_REQUIRED


def test_a_finding_segment_and_verdict_read_back_from_json_ignore_their_computed_fields(rb):
    timeline = rb.timeline(cc.Order(item="A800", buyer="ByteDance", date="2023-01-01"), "2023-01-01", "2024-01-01")
    again = cc.Timeline.model_validate_json(timeline.model_dump_json())
    assert [s.permitted for s in again.segments] == [True, False, False]  # before, acceleration, 2023 rule
    with pytest.raises(pydantic.ValidationError, match="Extra inputs"):
        cc.Verdict.model_validate({**ev(rb, item="A800", buyer="ByteDance", date="2024-01-15").model_dump(), "verdikt": 1})
