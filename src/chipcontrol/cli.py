"""The `chipcontrol` command: check an order, list the catalogs. Bad input exits 2 with one line on stderr."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys

from .chips import Chip
from .errors import ChipControlError, InputError, RulebookError, unknown_name
from .order import Order
from .parties import Party
from .rulebook import Rulebook, load_rulebook
from .rules import Kind
from . import audit_cli, screen_cli, testing_cli
from .service import cli as serve_cli


def _schemas() -> dict:
    from . import files
    from .timeline import BeliefTimeline, Timeline
    from .certificate import Certificate
    from .verdict import Verdict

    return {
        "rule-file": files.RuleFile,
        "rulebook": files.RulebookFile,
        "sources": files.SourcesFile,
        "chips": files.ChipsFile,
        "parties": files.PartiesFile,
        "countries": files.CountriesFile,
        "discrepancies": files.DiscrepanciesFile,
        "verdict": Verdict,
        "timeline": Timeline,
        "certificate": Certificate,
        "beliefs": BeliefTimeline,
    }


SCHEMAS = ("rule-file", "rulebook", "sources", "chips", "parties", "countries", "discrepancies", "verdict", "timeline",
           "certificate", "beliefs")


#: Inline chip flags: Chip field -> (flag, metavar, help). Giving any of them makes --item an inline chip's name.
CHIP_FLAGS = {
    "vendor": ("--item-vendor", "VENDOR", "vendor of an inline chip, e.g. NVIDIA (a US vendor makes it subject to the EAR)"),
    "tpp": ("--item-tpp", "TPP", "total processing performance of an inline chip"),
    "io_bidirectional_gbps": ("--item-io", "GBPS", "aggregate bidirectional chip-to-chip I/O of an inline chip, GB/s"),
    "die_area_mm2": ("--item-die-area", "MM2", "applicable die area of an inline chip, mm²"),
    "memory_bandwidth_gbps": ("--item-memory-bandwidth", "GBPS", "memory bandwidth of an inline chip, GB/s"),
    "datacenter": ("--item-datacenter", "{yes,no}", "whether an inline chip is designed or marketed for datacenters"),
}
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are InputErrors, reported in one line like any bad input."""

    def error(self, message: str):
        raise InputError(f"{message} (see {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chipcontrol", description="Was this order legal under US export controls on advanced AI chips?"
    )
    parser.add_argument("--rulesets", metavar="PATH", help="a rulesets folder (default: the bundled one)")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check one order and print the verdict with its citations")
    _order_arguments(check)
    check.add_argument("--date", required=True, help="date of the export, YYYY-MM-DD")
    check.add_argument("--json", action="store_true", help="print the Verdict as JSON")
    check.add_argument("--brief", action="store_true", help="omit the rules that did not fire")
    check.add_argument("--known-on", metavar="DATE", help="answer with only what was public on DATE (YYYY-MM-DD)")
    audit_cli.add_check_arguments(check)

    timeline = sub.add_parser("timeline", help="when did this order become (il)legal, and why")
    _order_arguments(timeline)
    timeline.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    timeline.add_argument("--to", dest="end", required=True, help="last day (inclusive), YYYY-MM-DD")
    timeline.add_argument("--json", action="store_true", help="print the Timeline as JSON")

    beliefs = sub.add_parser("beliefs", help="what we knew when: the answer for the order's date as rules were announced")
    _order_arguments(beliefs)
    beliefs.add_argument("--date", required=True, help="date of the export, YYYY-MM-DD")
    beliefs.add_argument("--json", action="store_true", help="print the BeliefTimeline as JSON")

    lint = sub.add_parser("lint", help="check a rulesets folder (default: the bundled one); exit 1 on errors")
    lint.add_argument("path", nargs="?", help="a rulesets folder")
    lint.add_argument("--json", action="store_true")

    schema = sub.add_parser("schema", help="print the JSON Schema of a file format or of the answers")
    schema.add_argument("name", choices=sorted(SCHEMAS), help="which structure")

    chips = sub.add_parser("chips", help="list the chip catalog")
    chips.add_argument("--json", action="store_true")
    parties = sub.add_parser("parties", help="list the party catalog")
    parties.add_argument("--json", action="store_true")
    screen_cli.add_parser(sub)
    audit_cli.add_parsers(sub, _order_arguments)
    testing_cli.add_parser(sub)
    serve_cli.add_parser(sub)
    return parser


def _order_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that describe an order, shared by `check` and `timeline`."""
    parser.add_argument(
        "--item", help="chip name, alias or id (e.g. A800); with any --item-* flag, the name of an inline chip"
    )
    for field, (flag, metavar, text) in CHIP_FLAGS.items():
        choices = ["yes", "no"] if field == "datacenter" else None
        parser.add_argument(flag, dest=f"item_{field}", metavar=metavar, choices=choices, help=text)
    parser.add_argument(
        "--buyer", required=True, help="buyer name, alias or id (e.g. ByteDance); with --buyer-hq, an inline buyer's name"
    )
    parser.add_argument(
        "--buyer-hq", metavar="COUNTRY", help="headquarters of a buyer not in the catalog (ISO 3166 code or country name)"
    )
    parser.add_argument(
        "--buyer-parent-hq", metavar="COUNTRY", help="headquarters of that buyer's ultimate parent (default: --buyer-hq)"
    )
    parser.add_argument(
        "--buyer-not-listed",
        action="store_true",
        help="you screened that buyer and it is on no list (otherwise it is screened by name against the "
        "catalog's listed parties)",
    )
    parser.add_argument("--destination", help="ISO 3166 code or country name (default: buyer's headquarters)")
    parser.add_argument(
        "--origin", metavar="COUNTRY", help="country it ships from: US for an export (default); required for a reexport"
    )
    parser.add_argument("--kind", default="export", help="one of: " + ", ".join(k.value for k in Kind))
    parser.add_argument("--seller", help="exporter (default: the chip's vendor)")
    parser.add_argument("--claim", action="append", default=[], help="an authorisation the exporter invokes (repeatable)")
    parser.add_argument("--engine", help="reference or durable (default: durable where it runs)")


def main(argv: list[str] | None = None) -> int:
    """Run one command. Bad input exits 2 and a bug 3, each with one line on stderr (never a traceback);
    a broken rulebook exits 1, naming each problem."""
    try:
        return _run(_parser().parse_args(_decodable(sys.argv[1:] if argv is None else argv)))
    except RulebookError as exc:
        print(f"chipcontrol: {exc}", file=sys.stderr)
        return 1
    except ChipControlError as exc:
        return _fail(str(exc), 2)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in chipcontrol: say so in one line rather than with a traceback
        return _fail(f"internal error: {type(exc).__name__}: {exc} (please report this)", 3)


def _decodable(argv: list[str]) -> list[str]:
    """The arguments, refusing one with bytes the locale could not decode (they would reach the answer as garbage)."""
    for arg in argv:
        try:
            arg.encode("utf-8")  # fails only on the lone surrogates that stand for undecodable bytes
        except UnicodeEncodeError:
            raise InputError(f"argument {arg!r} is not valid text in this terminal's encoding") from None
    return argv


def _fail(message: str, code: int) -> int:
    """Print `message` on stderr as one line and return the exit code."""
    print("chipcontrol: " + " ".join(message.split()), file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    if args.command == "schema":
        mode = "serialization" if args.name in ("verdict", "timeline", "beliefs") else "validation"
        print(json.dumps(_schemas()[args.name].model_json_schema(mode=mode), indent=2, ensure_ascii=False))
        return 0
    if args.command == "lint":
        from .lint import lint_path

        report = lint_path(args.path or args.rulesets)
        print(report.model_dump_json(indent=2) if args.json else report.to_text())
        return 0 if report.ok else 1
    if args.command == "screen":
        return screen_cli.run(args)
    if args.command == "verify":
        return audit_cli.verify(args, load_rulebook)
    if args.command == "diff":
        return audit_cli.diff(args, load_rulebook)
    if args.command == "serve":
        return serve_cli.run(args, load_rulebook)
    if args.command == "test":
        return testing_cli.run(args, args.rulesets)
    rulebook = load_rulebook(args.rulesets)
    if args.command == "check":
        return _check(rulebook, args)
    if args.command == "timeline":
        return _timeline(rulebook, args)
    if args.command == "beliefs":
        beliefs = rulebook.belief_timeline(_order(rulebook, args, args.date), engine=args.engine)
        print(beliefs.model_dump_json(indent=2) if args.json else beliefs.to_text())
        return 0
    if args.command == "whatif":
        return audit_cli.whatif(rulebook, _order(rulebook, args, args.date), args)
    if args.command == "chips":
        return _chips(rulebook, args.json)
    return _parties(rulebook, args.json)


def _order(rulebook: Rulebook, args: argparse.Namespace, date: str) -> Order:
    kinds = [k.value for k in Kind]
    if args.kind not in kinds:
        raise unknown_name("kind", args.kind, kinds)
    return Order(
        item=_item(args),
        buyer=_buyer(rulebook, args),
        destination=args.destination,
        origin=args.origin,
        date=date,
        kind=args.kind,
        seller=args.seller,
        claims=args.claim,
    )


def _item(args: argparse.Namespace) -> str | Chip | None:
    """The catalog name given by --item, or an inline Chip when any --item-* flag is given."""
    given = {field: text for field in CHIP_FLAGS if (text := getattr(args, f"item_{field}")) is not None}
    if not given:
        return args.item
    if args.item is None:
        raise InputError(f"{CHIP_FLAGS[next(iter(given))][0]} describes an inline chip: give its name with --item")
    return Chip(name=args.item, **{field: _chip_value(field, text) for field, text in given.items()})


def _chip_value(field: str, text: str) -> str | bool | float:
    """The value of an inline chip's field as given by its --item-* flag."""
    if field == "vendor":
        return text
    if field == "datacenter":
        return text == "yes"
    return _figure(CHIP_FLAGS[field][0], text)


def _figure(flag: str, text: str) -> float:
    """A figure given on the command line: a plain decimal number, finite and not negative."""
    if _NUMBER.fullmatch(text.strip()) and math.isfinite(value := float(text)):
        return value
    raise InputError(f"bad {flag}: must be a finite number ≥ 0, got {text!r}")


def _buyer(rulebook: Rulebook, args: argparse.Namespace) -> str | Party:
    """The catalog party named by --buyer, or an inline Party when --buyer-hq is given."""
    if args.buyer_hq is not None:
        lists = [] if args.buyer_not_listed else None
        return Party(
            name=args.buyer, headquarters=args.buyer_hq, ultimate_parent_headquarters=args.buyer_parent_hq, lists=lists
        )
    if args.buyer_parent_hq is not None or args.buyer_not_listed:
        flag = "--buyer-parent-hq" if args.buyer_parent_hq is not None else "--buyer-not-listed"
        raise InputError(f"{flag} describes an inline buyer: give its own headquarters with --buyer-hq")
    try:
        rulebook.party(args.buyer)
    except InputError as exc:
        raise InputError(f"{exc} (for a buyer not in the catalog, give its headquarters with --buyer-hq)") from None
    return args.buyer


def _check(rulebook: Rulebook, args: argparse.Namespace) -> int:
    order = _order(rulebook, args, args.date)
    known_on = None
    if args.known_on is not None:
        from .rulebook import _day

        known_on = _day(args.known_on, "--known-on")
        if getattr(args, "certificate", None):
            raise InputError("--certificate records today's answer; it cannot be combined with --known-on")
    verdict = rulebook.evaluate(order, engine=args.engine, known_on=known_on)
    audit_cli.write_certificate(rulebook, order, args)
    if args.json:
        print(verdict.model_dump_json(indent=2))
    else:
        from .render_text import verdict_text

        print(verdict_text(verdict, show_checked=not args.brief))
    return 0


def _timeline(rulebook: Rulebook, args: argparse.Namespace) -> int:
    from .rulebook import _day

    first, last = _day(args.start, "--from"), _day(args.end, "--to")
    if last < first:
        raise InputError(f"bad --to: {last} is before --from {first}")
    if last == dt.date.max:
        raise InputError(f"bad --to: {last} is the last day a date can hold; give an earlier one")
    order = _order(rulebook, args, args.start)
    timeline = rulebook.timeline(order, first, last + dt.timedelta(days=1), engine=args.engine)
    print(timeline.model_dump_json(indent=2) if args.json else timeline.to_text())
    return 0


def _chips(rulebook: Rulebook, as_json: bool) -> int:
    rows = []
    for chip in sorted(rulebook.chips.values(), key=lambda c: (c.vendor, c.name)):
        view = chip.to_chip()
        rows.append(
            {
                "id": chip.id,
                "name": chip.name,
                "vendor": chip.vendor,
                "tpp": view.tpp,
                "performance_density": view.performance_density,
                "io_bidirectional_gbps": view.io_bidirectional_gbps,
                "datacenter": view.datacenter,
                "subject_to_ear": view.subject_to_ear,
                "disputed": chip.disputed_figures,
                "aliases": chip.aliases,
            }
        )
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    print(f"{'id':26} {'name':26} {'vendor':8} {'TPP':>8} {'PD':>6} {'I/O GB/s':>9} {'DC':>4} {'EAR':>4}  disputed")
    for r in rows:
        fmt = lambda v, spec: "—" if v is None else format(v, spec)  # noqa: E731
        dc = {True: "yes", False: "no", None: "?"}
        print(
            f"{r['id']:26} {r['name'][:26]:26} {r['vendor']:8} {fmt(r['tpp'], '8.1f'):>8} "
            f"{fmt(r['performance_density'], '6.2f'):>6} {fmt(r['io_bidirectional_gbps'], '9.0f'):>9} "
            f"{dc[r['datacenter']]:>4} {dc[r['subject_to_ear']]:>4}  {', '.join(r['disputed'])}"
        )
    return 0


def _parties(rulebook: Rulebook, as_json: bool) -> int:
    rows = []
    for party in sorted(rulebook.parties.values(), key=lambda p: p.name.lower()):
        rows.append(
            {
                "id": party.id,
                "name": party.name,
                "headquarters": party.headquarters.country,
                "lists": [
                    {"list": e.list.value, "added": str(e.added), "removed": str(e.removed) if e.removed else None, "source": e.source}
                    for e in party.lists
                ],
                "aliases": party.aliases,
            }
        )
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    print(f"{'id':16} {'name':28} {'HQ':3}  lists")
    for r in rows:
        lists = "; ".join(f"{e['list']} from {e['added']}" + (f" to {e['removed']}" if e["removed"] else "") for e in r["lists"])
        print(f"{r['id']:16} {r['name'][:28]:28} {r['headquarters']:3}  {lists or '—'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
