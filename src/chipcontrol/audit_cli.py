"""The audit trail's commands: `check --certificate`, `verify`, `whatif`, `diff` (their logic lives in
certificate.py, counterfactual.py and rulebook_diff.py; cli.py wires them in)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError


def add_check_arguments(check: argparse.ArgumentParser) -> None:
    """`check ... --certificate FILE [--sign KEY]`."""
    check.add_argument("--certificate", metavar="FILE", help="also write a decision certificate (JSON) to FILE")
    check.add_argument("--sign", metavar="KEY", help="sign the certificate with this Ed25519 private key (PEM file)")


def add_parsers(sub, order_arguments) -> None:
    """The `verify`, `whatif` and `diff` subcommands."""
    verify = sub.add_parser("verify", help="re-check a decision certificate: intact, signed, and does its answer still hold?")
    verify.add_argument("file", help="the certificate (JSON)")
    verify.add_argument("--rulesets", dest="verify_rulesets", metavar="PATH", help="re-evaluate under this rulesets folder")
    verify.add_argument("--public-key", metavar="KEY", help="the Ed25519 public key (PEM) the certificate must be signed by")
    verify.add_argument("--json", action="store_true", help="print the Verification (with every difference) as JSON")

    whatif = sub.add_parser("whatif", help="the nearest changes that would flip this order's verdict")
    order_arguments(whatif)
    whatif.add_argument("--date", required=True, help="date of the export, YYYY-MM-DD")
    whatif.add_argument("--json", action="store_true", help="print the alternatives as JSON")

    diff = sub.add_parser("diff", help="what changed between two rulebooks, and which orders of a book it flips")
    diff.add_argument("--base", metavar="RULESETS", help="the rulesets before (default: the bundled one)")
    diff.add_argument("--head", metavar="RULESETS", required=True, help="the rulesets after")
    diff.add_argument("--orders", metavar="BOOK", help="an order book (.csv, .parquet, .jsonl) to screen under both")
    out = diff.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the impact report as JSON")
    out.add_argument("--html", metavar="FILE", help="write the impact report as an HTML page to FILE")


def _folder(path: str | None, flag: str) -> str | None:
    """A rulesets folder given on the command line (None: the bundled one); InputError when it is not a folder."""
    if path is not None and not Path(path).is_dir():
        raise InputError(f"{flag} {path!r} is not a folder (give a rulesets folder)")
    return path


def write_certificate(rulebook, order, args: argparse.Namespace) -> None:
    """For `check --certificate FILE [--sign KEY]`."""
    from . import certificate as cert

    if args.certificate is None:
        if args.sign is not None:
            raise InputError("--sign signs a certificate: give the file to write with --certificate")
        return
    record = cert.certificate(rulebook, order, engine=args.engine)
    if args.sign is not None:
        record = cert.sign(record, args.sign)
    cert.write(record, args.certificate)


def verify(args: argparse.Namespace, load_rulebook) -> int:
    """`verify FILE`: 0 when intact and the answer holds, 1 otherwise (one line), 2 for bad input."""
    from . import certificate as cert

    data = cert.read(args.file)
    rulesets = _folder(args.verify_rulesets or args.rulesets, "--rulesets")
    result = cert.verify(data, load_rulebook(rulesets), public_key=args.public_key)
    if args.json:
        print(result.model_dump_json(indent=2))
    elif result.ok:
        print(result.message)
    else:
        print("chipcontrol: " + " ".join(result.message.split()), file=sys.stderr)
    return 0 if result.ok else 1


def whatif(rulebook, order, args: argparse.Namespace) -> int:
    from .counterfactual import counterfactual, to_text

    alternatives = counterfactual(rulebook, order, engine=args.engine)
    if args.json:
        import json

        print(json.dumps([a.model_dump(mode="json") for a in alternatives], indent=2, ensure_ascii=False))
    else:
        print(to_text(rulebook.evaluate(order, engine=args.engine), alternatives))
    return 0


def diff(args: argparse.Namespace, load_rulebook) -> int:
    from .rulebook_diff import diff as impact

    report = impact(load_rulebook(_folder(args.base, "--base")), load_rulebook(_folder(args.head, "--head")), orders=args.orders)
    if args.json:
        print(report.model_dump_json(indent=2))
    elif args.html:
        try:
            Path(args.html).write_text(report.to_html(), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {args.html!r}: {exc.strerror or exc}") from None
        print(f"wrote {args.html}: {report.headline()}")
    else:
        print(report.to_text())
    return 0
