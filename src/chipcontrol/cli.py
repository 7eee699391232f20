"""The `chipcontrol` command: check an order, list the catalogs. Bad input exits 2 with one line on stderr."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from .errors import ChipControlError, InputError, RulebookError, unknown_name
from .rulebook import Rulebook, load_rulebook, order_from
from .rules import Kind


def _schemas() -> dict:
    from . import files
    from .timeline import Timeline
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
    }


SCHEMAS = ("rule-file", "rulebook", "sources", "chips", "parties", "countries", "discrepancies", "verdict", "timeline")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chipcontrol", description="Was this order legal under US export controls on advanced AI chips?"
    )
    parser.add_argument("--rulesets", metavar="PATH", help="a rulesets folder (default: the bundled one)")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check one order and print the verdict with its citations")
    check.add_argument("--item", help="chip name, alias or id (e.g. A800)")
    check.add_argument("--buyer", required=True, help="buyer name, alias or id (e.g. ByteDance)")
    check.add_argument("--destination", help="ISO 3166 alpha-2 code or name (default: buyer's headquarters)")
    check.add_argument("--date", required=True, help="date of the export, YYYY-MM-DD")
    check.add_argument("--kind", default="export", help="one of: " + ", ".join(k.value for k in Kind))
    check.add_argument("--seller", help="exporter (default: the chip's vendor)")
    check.add_argument("--claim", action="append", default=[], help="an authorisation the exporter invokes (repeatable)")
    check.add_argument("--engine", help="reference or durable (default: durable where it runs)")
    check.add_argument("--json", action="store_true", help="print the Verdict as JSON")
    check.add_argument("--brief", action="store_true", help="omit the rules that did not fire")

    timeline = sub.add_parser("timeline", help="when did this order become (il)legal, and why")
    timeline.add_argument("--item", help="chip name, alias or id")
    timeline.add_argument("--buyer", required=True)
    timeline.add_argument("--destination")
    timeline.add_argument("--kind", default="export")
    timeline.add_argument("--seller")
    timeline.add_argument("--claim", action="append", default=[])
    timeline.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    timeline.add_argument("--to", dest="end", required=True, help="last day (inclusive), YYYY-MM-DD")
    timeline.add_argument("--engine", help="reference or durable (default: durable where it runs)")
    timeline.add_argument("--json", action="store_true")

    lint = sub.add_parser("lint", help="check a rulesets folder (default: the bundled one); exit 1 on errors")
    lint.add_argument("path", nargs="?", help="a rulesets folder")
    lint.add_argument("--json", action="store_true")

    schema = sub.add_parser("schema", help="print the JSON Schema of a file format or of the answers")
    schema.add_argument("name", choices=sorted(SCHEMAS), help="which structure")

    chips = sub.add_parser("chips", help="list the chip catalog")
    chips.add_argument("--json", action="store_true")
    parties = sub.add_parser("parties", help="list the party catalog")
    parties.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        mode = "serialization" if args.name in ("verdict", "timeline") else "validation"
        print(json.dumps(_schemas()[args.name].model_json_schema(mode=mode), indent=2, ensure_ascii=False))
        return 0
    if args.command == "lint":
        from .lint import lint_path

        report = lint_path(args.path or args.rulesets)
        print(report.model_dump_json(indent=2) if args.json else report.to_text())
        return 0 if report.ok else 1
    try:
        rulebook = load_rulebook(args.rulesets)
        if args.command == "check":
            return _check(rulebook, args)
        if args.command == "timeline":
            return _timeline(rulebook, args)
        if args.command == "chips":
            return _chips(rulebook, args.json)
        return _parties(rulebook, args.json)
    except RulebookError as exc:
        print(f"chipcontrol: {exc}", file=sys.stderr)
        return 1
    except (InputError, ChipControlError) as exc:
        print(f"chipcontrol: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _order(args: argparse.Namespace, date: str):
    kinds = [k.value for k in Kind]
    if args.kind not in kinds:
        raise unknown_name("kind", args.kind, kinds)
    return order_from(
        item=args.item,
        buyer=args.buyer,
        destination=args.destination,
        date=date,
        kind=args.kind,
        seller=args.seller,
        claims=args.claim,
    )


def _check(rulebook: Rulebook, args: argparse.Namespace) -> int:
    verdict = rulebook.evaluate(_order(args, args.date), engine=args.engine)
    if args.json:
        print(verdict.model_dump_json(indent=2))
    else:
        from .render_text import verdict_text

        print(verdict_text(verdict, show_checked=not args.brief))
    return 0


def _timeline(rulebook: Rulebook, args: argparse.Namespace) -> int:
    from .rulebook import _day

    last = _day(args.end, "--to")
    timeline = rulebook.timeline(_order(args, args.start), args.start, last + dt.timedelta(days=1), engine=args.engine)
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
