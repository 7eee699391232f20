"""`chipcontrol check` and `timeline` with an inline buyer (--buyer-hq) or an inline chip (--item-*), run
through the installed console script. Expected outcomes are reasoned from rulesets/rules/ in each docstring."""

from __future__ import annotations

import json

import pytest

import chipcontrol as cc

from .test_cli import run

#: An NVIDIA datacenter chip in 3A090.b.1 (2023): TPP 2400, die 800 mm² -> PD 3.0, I/O under 600.
NAC_CHIP = ["--item", "X1", "--item-vendor", "NVIDIA", "--item-tpp", "2400", "--item-die-area", "800", "--item-datacenter", "yes"]


def check_json(*args: str) -> dict:
    result = run("check", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_one_line_error(result, message: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chipcontrol: ") and message in lines[0], result.stderr


def test_an_inline_buyer_headquartered_in_singapore_may_receive_an_h100():
    """SG is only in A:6, so the 2023 destination rule spares it; an SG buyer is not headquartered in D:5."""
    data = check_json("--item", "H100", "--buyer", "Acme AI", "--buyer-hq", "SG", "--date", "2024-06-01")
    assert data["order"]["destination"] == "SG"  # defaulted to the inline buyer's headquarters
    assert data["outcome"] == "permitted" and data["permitted"] is True
    assert data["deciding_rule_ids"] == []


def test_an_inline_buyer_whose_parent_is_chinese_needs_a_licence_for_an_h100_wherever_shipped():
    """The 2023 headquarters rule reaches a buyer whose ultimate parent is in D:5; the H100 (3A090.a,
    datacenter) is not NAC-eligible."""
    data = check_json(
        "--item", "H100", "--buyer", "Acme AI", "--buyer-hq", "SG", "--buyer-parent-hq", "CN", "--date", "2024-06-01"
    )
    assert data["outcome"] == "license_required"
    assert data["deciding_rule_ids"] == ["bis-3a090-2023-headquarters"]


def test_an_inline_chinese_buyer_of_an_h100_is_caught_by_the_2023_rules_and_nvidias_notice():
    """Destination CN (D:5), buyer headquartered in CN, and NVIDIA's 2022 notice names the H100 to China."""
    data = check_json("--item", "H100", "--buyer", "Acme AI", "--buyer-hq", "CN", "--date", "2024-06-01")
    assert data["outcome"] == "license_required"
    assert data["deciding_rule_ids"] == ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters", "nvda-2022-notice"]


def test_a_buyer_headquarters_given_by_country_name_answers_as_its_iso_code():
    """`--buyer-hq China` is CN: shipped to Singapore, the headquarters rule still requires a licence."""
    by_name = check_json("--item", "H100", "--buyer", "Acme AI", "--buyer-hq", "China", "--destination", "SG", "--date", "2024-06-01")
    assert by_name["outcome"] == "license_required"
    assert by_name["deciding_rule_ids"] == ["bis-3a090-2023-headquarters"]


def test_an_inline_3a090b_datacenter_chip_to_china_goes_under_nac_with_notification():
    """TPP 2400 with PD 3.0 is 3A090.b.1 (2023); a datacenter 3A090.b item to D:5 is NAC-eligible from 2024-04-04."""
    data = check_json(*NAC_CHIP, "--buyer", "ByteDance", "--date", "2024-05-01")
    assert data["outcome"] == "notification_required" and data["permitted"] is True
    assert data["deciding_rule_ids"] == ["bis-nac-2024-notification"]


def test_an_inline_chip_just_under_the_3a090b_thresholds_is_permitted_to_china():
    """TPP 2399 misses 3A090.b.1 (>= 2400) and PD 2.99 misses 3A090.b.2 (>= 3.2): no rule restricts it."""
    args = [*NAC_CHIP[:5], "2399", *NAC_CHIP[6:]]
    data = check_json(*args, "--buyer", "ByteDance", "--date", "2024-05-01")
    assert data["outcome"] == "permitted" and data["deciding_rule_ids"] == []


def test_an_inline_nvidia_chip_over_the_2022_thresholds_needs_a_licence_to_china_in_2022():
    """I/O 600 and TPP 5000 meet 3A090 (2022) and the I/O/TPP clause of NVIDIA's 2022 notice."""
    data = check_json(
        "--item", "X2", "--item-vendor", "NVIDIA", "--item-tpp", "5000", "--item-io", "600", "--item-datacenter", "yes",
        "--buyer", "ByteDance", "--date", "2022-11-01",
    )
    assert data["outcome"] == "license_required"
    assert data["deciding_rule_ids"] == ["bis-3a090-2022-china", "nvda-2022-notice"]


def test_the_cli_gives_the_verdict_the_python_api_gives_for_the_same_inline_chip(rb):
    """The flags build the same cc.Chip the library resolves (vendor NVIDIA -> subject to the EAR)."""
    data = check_json(*NAC_CHIP, "--item-memory-bandwidth", "4000", "--buyer", "ByteDance", "--date", "2024-05-01")
    chip = cc.Chip(name="X1", vendor="NVIDIA", tpp=2400, die_area_mm2=800, datacenter=True, memory_bandwidth_gbps=4000)
    expected = rb.evaluate(cc.Order(item=chip, buyer="ByteDance", date="2024-05-01"))
    assert data["outcome"] == expected.outcome.value
    assert data["deciding_rule_ids"] == expected.deciding_rule_ids


def test_an_inline_chip_without_a_tpp_is_undetermined_and_says_so():
    """The 2023 test needs chip.tpp; an unknown figure is never read as 0."""
    data = check_json("--item", "X3", "--item-vendor", "NVIDIA", "--item-io", "900", "--buyer", "ByteDance", "--date", "2024-05-01")
    assert data["outcome"] == "undetermined" and data["permitted"] is None
    assert "chip.tpp" in data["reason"]


def test_timeline_of_an_inline_chip_shows_nvidias_acceleration_then_the_2023_rules():
    """TPP 5000, I/O 400: free under the 2022 test, caught on 2023-10-23 by NVIDIA's acceleration notice,
    then from 2023-11-17 by the 2023 destination and headquarters rules."""
    result = run(
        "timeline", "--item", "X4", "--item-vendor", "NVIDIA", "--item-tpp", "5000", "--item-io", "400",
        "--item-die-area", "800", "--item-datacenter", "yes", "--buyer", "ByteDance",
        "--from", "2022-01-01", "--to", "2024-12-31", "--json",
    )
    assert result.returncode == 0, result.stderr
    segments = [(s["start"], s["outcome"], s["deciding_rule_ids"]) for s in json.loads(result.stdout)["segments"]]
    assert segments == [
        ("2022-01-01", "permitted", []),
        ("2023-10-23", "license_required", ["nvda-2023-acceleration"]),
        ("2023-11-17", "license_required", ["bis-3a090-2023-destinations", "bis-3a090-2023-headquarters"]),
    ]


@pytest.mark.parametrize(
    "flag, value",
    [("--item-tpp", v) for v in ("nan", "inf", "-1", "", "1e400", "12abc", "0x10", "1_000")]
    + [(f, "NaN") for f in ("--item-io", "--item-die-area", "--item-memory-bandwidth")],
)
def test_a_bad_figure_exits_2_with_one_line_naming_the_flag(flag, value):
    result = run("check", "--item", "X1", f"{flag}={value}", "--buyer", "ByteDance", "--date", "2024-05-01")
    assert_one_line_error(result, f"bad {flag}: must be a finite number ≥ 0")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--item", "X1", "--item-die-area", "0"], "die_area_mm2: Input should be greater than 0"),
        (["--item", "X1", "--item-datacenter", "maybe"], "--item-datacenter: invalid choice: 'maybe'"),
        (["--item-tpp", "5000"], "--item-tpp describes an inline chip: give its name with --item"),
        (["--item", "A100", "--buyer-parent-hq", "CN"], "--buyer-parent-hq describes an inline buyer"),
        (["--item", "A100", "--buyer-hq", "Chnia"], "unknown country 'Chnia'"),
        (["--item", "A100", "--buyer-hq", ""], "buyer headquarters"),
    ],
)
def test_bad_inline_flags_exit_2_with_one_line(args, message):
    buyer = ["--buyer", "Acme AI"] if "--buyer-hq" in args or "--buyer-parent-hq" in args else ["--buyer", "ByteDance"]
    assert_one_line_error(run("check", *args, *buyer, "--date", "2024-05-01"), message)


def test_an_unknown_buyer_without_headquarters_says_how_to_give_an_inline_one():
    result = run("check", "--item", "A100", "--buyer", "Acme AI", "--date", "2024-05-01")
    assert_one_line_error(result, "unknown party 'Acme AI'")
    assert "--buyer-hq" in result.stderr


def test_a_missing_required_flag_exits_2_with_one_line_not_the_usage():
    assert_one_line_error(run("check", "--item", "A100", "--buyer", "ByteDance"), "the following arguments are required: --date")


@pytest.mark.parametrize(
    "to, message",
    [("9999-12-31", "bad --to: 9999-12-31 is the last day"), ("2023-12-31", "bad --to: 2023-12-31 is before --from 2024-01-01")],
)
def test_a_timeline_end_that_cannot_be_used_exits_2_with_one_line(to, message):
    result = run("timeline", "--item", "A100", "--buyer", "ByteDance", "--from", "2024-01-01", "--to", to)
    assert_one_line_error(result, message)


def test_help_lists_the_inline_flags():
    result = run("check", "--help")
    assert result.returncode == 0
    for flag in ("--buyer-hq", "--buyer-parent-hq", "--item-vendor", "--item-tpp", "--item-io", "--item-die-area",
                 "--item-memory-bandwidth", "--item-datacenter"):
        assert flag in result.stdout


def test_a_name_with_bytes_the_terminal_cannot_decode_exits_2_with_one_line():
    """Python passes undecodable bytes on as lone surrogates; they would reach the answer (and its JSON) as garbage."""
    result = run("check", "--item", "A100", "--buyer", b"Acme\xff", "--buyer-hq", "CN", "--date", "2024-05-01", "--json")
    assert_one_line_error(result, "is not valid text in this terminal's encoding")


def test_an_inline_buyer_the_user_screened_is_taken_as_on_no_list():
    """--buyer-not-listed settles a possible list match: the verdict is decided, not undetermined."""
    common = ["--item", "H100 PCIe", "--buyer", "Huawei Technologies Deutschland GmbH", "--buyer-hq", "DE", "--date", "2024-06-01"]
    screened = check_json(*common, "--buyer-not-listed")
    unscreened = check_json(*common)
    assert screened["outcome"] == "permitted" and screened["deciding_rule_ids"] == []
    assert unscreened["outcome"] == "undetermined" and unscreened["deciding_rule_ids"] == ["entity-list-license"]
    assert [a["kind"] for a in unscreened["advisories"]].count("possible_list_match") == 1
