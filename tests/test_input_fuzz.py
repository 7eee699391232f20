"""Fuzzing what users type: any input to the Python API gets a verdict or an InputError, and any command line
gets exit 0, or exit 2 with one line on stderr — never a traceback, never exit 3 (an internal error).

Building a cc.Order, cc.Chip or cc.Party from bad values raises an InputError too (one line naming the field),
never pydantic's multi-line ValidationError. A few inputs must never get a wrong answer; they are listed last.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chipcontrol as cc
from chipcontrol import cli

from chipcontrol.testing.strategies import catalog_names, claim_names, destination_pool, figures as figure_values

from .conftest import BUNDLED

RB = BUNDLED
CATALOG_CHIPS, CATALOG_BUYERS = catalog_names(RB.chips), catalog_names(RB.parties)
CLAIMS, DESTINATIONS = claim_names(RB), destination_pool(RB)
threshold_tpp = figure_values(RB, "chip.tpp", unknown=False)  # at, just below and above every threshold, or any
threshold_io = figure_values(RB, "chip.io_bidirectional_gbps", unknown=False)

#: Examples per property and run (derandomized: every run tries the same inputs).
EXAMPLES = 1500
FUZZ = settings(deadline=None, max_examples=EXAMPLES, derandomize=True)

# ------------------------------------------------------------------------------------------ input strategies
# Each input is a valid one with up to two of its fields replaced by odd values, so that most examples get past
# the first check and the odd value meets the code that reads it.

names = st.one_of(
    st.sampled_from(CATALOG_CHIPS + CATALOG_BUYERS),
    st.sampled_from(["", " ", "\t\n", "Bytedanse", "h100", " H100 ", "ＨＵＡＷＥＩ", "Huawei Technologies", "nvidia-h100-sxm",
                     "Acme\udcff"]),  # a lone surrogate: how Python passes on bytes it could not decode
    st.text(max_size=40),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1_000, 50_000)),  # very long
)
country_codes = st.sampled_from([d for d in DESTINATIONS if d])
countries = st.one_of(
    country_codes,
    st.sampled_from(["cn", " cn ", "China", "china", "CHN", "HKG", "People's Republic of China", "Macau", "Hong Kong",
                     "Türkiye", "Chnia", "XX", "", " ", "中国", "12"]),
    st.text(max_size=6),
)
in_coverage = st.one_of(
    st.sampled_from([dt.date(2022, 10, 21), dt.date(2023, 11, 17), dt.date(2024, 4, 4), dt.date(2025, 1, 2)]),  # rule changes
    st.dates(dt.date(2022, 1, 1), dt.date(2025, 8, 31)),
)
valid_dates = st.one_of(in_coverage, in_coverage.map(str))
odd_dates = st.one_of(
    st.dates(),  # 0001-01-01 to 9999-12-31
    st.dates().map(str),
    st.datetimes(),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2024-02-30", "2023-02-29", "2024-02-29", "20240615", "2024-6-1", "2024-06-15T10:00", " 2024-06-15 ",
                     "2024-13-01", "0000-01-01", "10000-01-01", "9999-12-31", "2024-W24-6", "2024-167", "", "yesterday"]),
    st.integers(), st.floats(), st.booleans(), st.none(),
    st.text(max_size=12),
)
date_values = st.one_of(valid_dates, odd_dates)
figures = st.one_of(
    st.none(),
    st.sampled_from([math.nan, math.inf, -math.inf, -1, -0.0, 0, True, False, 1e308, 1e-308, 10**400, 2**63, [], [1], {},
                     "5", "abc", "", "nan", "1e999"]),
    st.floats(),
    st.integers(),
)
flags = st.one_of(st.booleans(), st.none(), st.sampled_from(["yes", "no", "true", "0", 1, 0, 2, "maybe"]))
kind_values = [k.value for k in cc.Kind]
kinds = st.one_of(
    st.sampled_from(list(cc.Kind)),
    st.sampled_from(kind_values + ["EXPORT", " export", "re-export", "cloud access", ""]),
    st.text(max_size=20),
)
claim_names = st.one_of(st.sampled_from(CLAIMS), st.text(max_size=30))
claims = st.one_of(st.lists(claim_names, max_size=3), st.text(max_size=10), st.none())
list_entries = st.sampled_from(
    [[], [{"list": "entity_list", "added": "2020-01-01", "source": "x", "confidence": "primary"}], [{"list": "bogus"}], "x"]
)


@st.composite
def fuzzed(draw, valid: st.SearchStrategy[dict], odd: dict[str, st.SearchStrategy]) -> dict:
    """A valid dict drawn from `valid`, with up to two of its keys set to values drawn from `odd`."""
    fields = dict(draw(valid))
    for key in draw(st.lists(st.sampled_from(sorted(odd)), max_size=2, unique=True)):
        fields[key] = draw(odd[key])
    return fields


chip_dicts = fuzzed(
    st.fixed_dictionaries({
        "name": st.sampled_from(["Acme X1", "Inline GPU", "Ünïcode “chip”"]),
        "vendor": st.sampled_from(["NVIDIA", "AMD", "Acme Semi"]),
        "tpp": threshold_tpp,
        "io_bidirectional_gbps": threshold_io,
        "die_area_mm2": st.sampled_from([294, 500, 814, 826]),
        "datacenter": st.booleans(),
    }),
    {"name": names, "vendor": names, "id": names, "tpp": figures, "io_bidirectional_gbps": figures,
     "die_area_mm2": figures, "performance_density": figures, "memory_bandwidth_gbps": figures, "datacenter": flags,
     "subject_to_ear": flags, "bogus": st.just(1)},
)
party_dicts = fuzzed(
    st.fixed_dictionaries({"name": st.sampled_from(["Acme AI", "Lab “x”"]), "headquarters": country_codes}),
    {"name": names, "id": names, "headquarters": st.one_of(countries, st.none()),
     "ultimate_parent_headquarters": st.one_of(countries, st.none()), "lists": list_entries,
     "ai_training_compute_ops": figures, "ai_military_intelligence_surveillance": flags, "designs_3a090a_ics": flags,
     "quantum": flags},
)
order_fields = fuzzed(
    st.fixed_dictionaries(
        {
            "item": st.one_of(st.sampled_from(CATALOG_CHIPS), chip_dicts),
            "buyer": st.one_of(st.sampled_from(CATALOG_BUYERS), party_dicts),
            "date": valid_dates,
            "kind": st.sampled_from(kind_values),
        },
        optional={"destination": country_codes},
    ),
    {"item": st.one_of(st.none(), names), "buyer": names, "destination": st.one_of(st.none(), countries),
     "date": odd_dates, "kind": kinds, "seller": st.one_of(st.none(), names, party_dicts), "quantity": figures,
     "order_date": odd_dates, "claims": claims},
)


# ------------------------------------------------------------------------------------------ helpers

def build_order(fields: dict, build_inline: bool) -> cc.Order | None:
    """The Order, or None when it is refused with a readable ValueError (InputError or pydantic's)."""
    try:
        if build_inline:  # build cc.Chip / cc.Party first, as a caller of the API would
            models = {"item": cc.Chip, "buyer": cc.Party, "seller": cc.Party}
            fields = {k: models[k](**v) if k in models and isinstance(v, dict) else v for k, v in fields.items()}
        return cc.Order(**fields)
    except cc.InputError as exc:
        assert str(exc).strip() and "\n" not in str(exc), exc  # one line
        return None


def answer(rb: cc.Rulebook, order: cc.Order) -> cc.Verdict | None:
    """The verdict (checked to serialise and to agree across engines), or None when refused as an InputError."""
    try:
        verdict = rb.evaluate(order)
    except cc.InputError as exc:
        assert str(exc).strip()
        return None
    assert isinstance(verdict, cc.Verdict)
    verdict.model_dump_json()
    reference = rb.evaluate(order, engine="reference")
    assert (reference.outcome, reference.deciding_rule_ids) == (verdict.outcome, verdict.deciding_rule_ids)
    return verdict


@pytest.fixture(scope="module")
def run_cli(rb):
    """run_cli([...]) -> (exit code, stdout, stderr): chipcontrol.cli.main in-process, on the loaded rulebook."""

    def run(argv: list[str]) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli.main(argv)
        return code, out.getvalue(), err.getvalue()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "load_rulebook", lambda path=None: rb)
        yield run


def assert_answered_or_refused_in_one_line(run_cli, argv: list[str]) -> None:
    code, out, err = run_cli(argv)
    assert code in (0, 2), (code, err)  # 3 is an internal error: a bug
    assert "Traceback" not in err
    if code == 0:
        assert out.strip()
        if "--json" in argv:
            json.loads(out)
    else:
        lines = err.splitlines()
        assert out == "" and len(lines) == 1 and lines[0].startswith("chipcontrol: "), err


# ------------------------------------------------------------------------------------------ the API

@FUZZ
@given(fields=order_fields, build_inline=st.booleans())
def test_any_order_gets_a_verdict_or_an_input_error(rb, fields, build_inline):
    order = build_order(fields, build_inline)
    if order is not None:
        answer(rb, order)


@FUZZ
@given(fields=order_fields, start=date_values, end=date_values)
def test_any_timeline_request_gets_a_timeline_or_an_input_error(rb, fields, start, end):
    order = build_order(fields, build_inline=False)
    if order is None:
        return
    try:
        timeline = rb.timeline(order, start, end)
    except cc.InputError:
        return
    assert isinstance(timeline, cc.Timeline) and timeline.segments
    timeline.model_dump_json()


# ------------------------------------------------------------------------------------------ the CLI

def as_text(strategy: st.SearchStrategy) -> st.SearchStrategy[str]:
    return strategy.map(str)


cli_flags = fuzzed(
    st.fixed_dictionaries(
        {
            "--item": st.sampled_from(CATALOG_CHIPS),
            "--buyer": st.sampled_from(CATALOG_BUYERS),
            "--kind": st.sampled_from(kind_values),
        },
        optional={
            "--buyer-hq": country_codes,
            "--destination": country_codes,
            "--item-vendor": st.sampled_from(["NVIDIA", "AMD", "Acme Semi"]),
            "--item-tpp": as_text(threshold_tpp),
            "--item-io": as_text(threshold_io),
            "--item-die-area": st.sampled_from(["294", "814"]),
            "--item-datacenter": st.sampled_from(["yes", "no"]),
        },
    ),
    {
        "--item": names,
        "--buyer": names,
        "--buyer-hq": countries,
        "--buyer-parent-hq": countries,
        "--destination": countries,
        "--kind": as_text(kinds),
        "--seller": names,
        "--item-vendor": names,
        "--item-tpp": as_text(figures),
        "--item-io": as_text(figures),
        "--item-die-area": as_text(figures),
        "--item-memory-bandwidth": as_text(figures),
        "--item-datacenter": st.sampled_from(["yes", "no", "maybe", "", "YES"]),
        "--engine": st.sampled_from(["reference", "durable", "rete", ""]),
    },
)


@FUZZ
@given(
    flags=cli_flags,
    date=as_text(date_values),
    claims=st.lists(claim_names, max_size=2),
    output=st.sampled_from([[], ["--json"], ["--brief"]]),
)
def test_check_answers_or_exits_2_with_one_line(run_cli, flags, date, claims, output):
    argv = ["check", *(f"{flag}={value}" for flag, value in flags.items()), f"--date={date}"]
    argv += [f"--claim={claim}" for claim in claims] + output
    assert_answered_or_refused_in_one_line(run_cli, argv)


@FUZZ
@given(flags=cli_flags, start=as_text(date_values), end=as_text(date_values), output=st.sampled_from([[], ["--json"]]))
def test_timeline_answers_or_exits_2_with_one_line(run_cli, flags, start, end, output):
    argv = ["timeline", *(f"{flag}={value}" for flag, value in flags.items()), f"--from={start}", f"--to={end}", *output]
    assert_answered_or_refused_in_one_line(run_cli, argv)


# ------------------------------------------------------------------------------------------ inputs that crashed once

@pytest.mark.parametrize(
    "fields, build_inline",
    [
        ({"item": {"name": "X1", "tpp": [], "die_area_mm2": 500}}, False),  # TypeError deriving the density
        ({"item": {"name": "X1", "tpp": 10**400, "die_area_mm2": 500}}, False),  # OverflowError
        ({"item": {"name": "X1", "tpp": "abc", "die_area_mm2": 500}}, True),  # an error that names no field
        ({"item": "H100", "buyer": {"name": "Acme AI", "headquarters": "China"}}, True),  # KeyError 'CHINA'
        ({"item": "H100", "buyer": {"name": "Acme\udcff", "headquarters": "CN"}}, True),  # JSON cannot hold the name
    ],
)
def test_orders_that_crashed_get_a_verdict_or_an_input_error(rb, fields, build_inline):
    order = build_order({"buyer": "ByteDance", "date": "2024-06-01"} | fields, build_inline)
    if order is not None:
        answer(rb, order)


def test_a_timeline_starting_at_a_datetime_gets_a_timeline_or_an_input_error(rb):
    order = cc.Order(item="A100", buyer="ByteDance", date="2024-01-01")
    try:
        rb.timeline(order, dt.datetime(2024, 1, 1, 12), dt.date(2024, 6, 1))
    except cc.InputError:
        pass


@pytest.mark.parametrize("buyer, output", [("--buyer-hq=China", []), ("--buyer-hq=Hong Kong", ["--json"])])
def test_a_check_that_crashed_answers_or_exits_2_with_one_line(run_cli, buyer, output):
    argv = ["check", "--item=H100", "--buyer=Acme AI", buyer, "--date=2024-06-01", *output]
    assert_answered_or_refused_in_one_line(run_cli, argv)


# ------------------------------------------------------------------------------------------ never a wrong answer

def refusal(rb, **fields) -> str:
    """The message with which an order is refused; fails when it gets a verdict."""
    with pytest.raises(ValueError) as refused:
        verdict = rb.evaluate(cc.Order(**fields))
        pytest.fail(f"answered {verdict.outcome.value} {verdict.deciding_rule_ids}")
    return str(refused.value)


@pytest.mark.parametrize(
    "field", ["tpp", "io_bidirectional_gbps", "die_area_mm2", "performance_density", "memory_bandwidth_gbps"]
)
@pytest.mark.parametrize("value", [math.nan, math.inf, "nan", "1e999"])
def test_an_inline_chip_with_a_non_finite_figure_is_refused_not_answered(rb, field, value):
    figures = {"tpp": 2000, "io_bidirectional_gbps": 400, "die_area_mm2": 500, "datacenter": True} | {field: value}
    refusal(rb, item={"name": "X1", "vendor": "NVIDIA", **figures}, buyer="ByteDance", date="2024-06-01")


def test_an_inline_chip_whose_derived_density_overflows_is_refused_or_finite(rb):
    """TPP 1e308 over 1e-308 mm² is a density no float holds: it must not become inf in the verdict."""
    try:
        chip = cc.Chip(name="X1", vendor="NVIDIA", tpp=1e308, die_area_mm2=1e-308)
    except cc.InputError:
        return
    assert chip.performance_density is None or math.isfinite(chip.performance_density), chip


@pytest.mark.parametrize("date", ["20240615", "2024-W24-6", "2024W246", "2024-6-15", "2024-06-15T00:00", 0, 1718409600])
def test_a_date_not_written_yyyy_mm_dd_is_refused(rb, date):
    refusal(rb, item="A100", buyer="ByteDance", date=date)


@pytest.mark.parametrize("date", ["2024-02-30", "2023-02-29", "2024-04-31"])
def test_a_day_that_does_not_exist_is_refused_saying_so(rb, date):
    message = refusal(rb, item="A100", buyer="ByteDance", date=date)
    assert "does not exist" in message or "out of range" in message, message


@pytest.mark.parametrize("argv", [["--date=20240615"], ["--date=2024-02-30"]])
def test_the_cli_refuses_a_date_not_written_yyyy_mm_dd_or_that_does_not_exist(run_cli, argv):
    code, out, err = run_cli(["check", "--item=A100", "--buyer=ByteDance", *argv])
    assert code == 2 and out == "" and len(err.splitlines()) == 1, (code, err)


@pytest.mark.parametrize("timeline_dates", [["--from=20240101", "--to=2024-12-31"], ["--from=2024-01-01", "--to=20241231"]])
def test_the_timeline_refuses_a_date_not_written_yyyy_mm_dd(run_cli, timeline_dates):
    code, _, err = run_cli(["timeline", "--item=A100", "--buyer=ByteDance", *timeline_dates])
    assert code == 2, err


@pytest.mark.parametrize("name", ["China", "china", "CHN", "People's Republic of China"])
def test_a_headquarters_given_by_name_or_alpha3_is_the_iso_code(rb, name):
    def shipped_to_singapore(headquarters: str) -> cc.Verdict:
        buyer = cc.Party(name="Acme AI", headquarters=headquarters)
        return rb.evaluate(cc.Order(item="H100", buyer=buyer, destination="SG", date="2024-06-01"))

    by_code = shipped_to_singapore("CN")
    try:
        by_name = shipped_to_singapore(name)
    except cc.InputError as exc:
        pytest.fail(f"refused: {exc}")
    assert (by_name.outcome, by_name.deciding_rule_ids) == (by_code.outcome, by_code.deciding_rule_ids)


@pytest.mark.parametrize("alpha3, code", [("CHN", "CN"), ("HKG", "HK"), ("MAC", "MO")])
def test_a_destination_given_as_alpha3_is_resolved(rb, alpha3, code):
    verdict = rb.evaluate(cc.Order(item="A100", buyer="ByteDance", destination=alpha3, date="2024-06-01"))
    assert verdict.order.destination == code


def test_an_unknown_claim_is_refused(rb):
    refusal(rb, item="A100", buyer="ByteDance", date="2024-06-01", claims=["made-up-claim"])


@pytest.mark.parametrize("name", ["", "   "])
def test_an_inline_party_or_chip_without_a_name_is_refused(rb, name):
    refusal(rb, item="A100", buyer={"name": name, "headquarters": "CN"}, date="2024-06-01")
    refusal(rb, item={"name": name, "vendor": "NVIDIA", "tpp": 5000}, buyer="ByteDance", date="2024-06-01")


@pytest.mark.parametrize("name", ["Huawei", "Huawei Technologies", "HUAWEI"])
def test_an_inline_buyer_named_like_an_entity_listed_party_is_not_permitted(rb, name):
    """The L2 to Huawei is caught only by the Entity List; an inline Huawei must not slip through it."""
    listed = rb.evaluate(cc.Order(item="L2", buyer="Huawei", date="2024-06-01"))
    assert listed.deciding_rule_ids == ["entity-list-license"]
    try:
        inline = rb.evaluate(cc.Order(item="L2", buyer=cc.Party(name=name, headquarters="CN"), date="2024-06-01"))
    except cc.InputError:
        return  # refused as ambiguous: not a wrong answer
    assert inline.outcome is not cc.Outcome.PERMITTED, inline.reason
