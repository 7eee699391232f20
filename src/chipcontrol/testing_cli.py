"""`chipcontrol test [PATH] [--coverage] [--min F] [--max-examples N] [--json]`: a rulebook's examples and
properties, and (with --coverage) the rule coverage they reach. Exit 0 when all pass (and coverage reaches
--min), 1 otherwise; bad arguments exit 2 (cli.py)."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import InputError
from .rule_coverage import CoverageCollector
from .rule_examples import check_examples
from .rulebook import load_rulebook

HYPOTHESIS_HINT = "pip install 'chipcontrol[testing]'"


def add_parser(sub) -> None:
    """The `test` subcommand's arguments (called by cli._parser)."""
    test = sub.add_parser("test", help="check a rulebook's examples and properties; --coverage reports rule coverage")
    test.add_argument("path", nargs="?", help="a rulesets folder (default: --rulesets, else the bundled one)")
    test.add_argument("--coverage", action="store_true", help="report which rules, dates and thresholds were exercised")
    test.add_argument("--min", type=float, default=None, metavar="F",
                      help="with --coverage: exit 1 when rules or boundary sides covered fall below F (0-1)")
    test.add_argument("--max-examples", type=int, default=100, metavar="N", help="orders per property (default 100)")
    test.add_argument("--explore", action="store_true", help="draw new orders each run (default: the same, reproducibly)")
    test.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args: argparse.Namespace, rulesets: str | None) -> int:
    """Run the `test` command; returns the exit code."""
    if args.min is not None and not 0 <= args.min <= 1:
        raise InputError(f"--min must be between 0 and 1, not {args.min:g}")
    if args.max_examples < 1:
        raise InputError(f"--max-examples must be at least 1, not {args.max_examples}")
    rulebook = load_rulebook(args.path or rulesets)
    collector = CoverageCollector(rulebook) if args.coverage else None
    observe = collector.observe if collector else None
    examples = check_examples(rulebook, observe)
    try:
        from .testing import check_rulebook
    except ImportError:
        print(f"chipcontrol: properties skipped: hypothesis is not installed ({HYPOTHESIS_HINT})", file=sys.stderr)
        properties = None
    else:
        properties = check_rulebook(rulebook, args.max_examples, observe=observe, derandomize=not args.explore)
    coverage = collector.report() if collector else None
    failed = [r for r in examples if not r.ok]
    ok = not failed and (properties is None or properties.ok)
    below = coverage is not None and args.min is not None and min(coverage.rule_ratio, coverage.boundary_ratio) < args.min
    if args.json:
        print(json.dumps({
            "rulebook_hash": rulebook.hash,
            "ok": ok and not below,
            "examples": {"count": len(examples), "failures": [r.failure for r in failed]},
            "properties": properties.to_json() if properties else None,
            "coverage": coverage.to_json() if coverage else None,
            "min": args.min,
        }, indent=2, ensure_ascii=False))
    else:
        print(f"examples: {len(examples) - len(failed)}/{len(examples)} pass")
        for result in failed:
            print(f"FAIL {result.failure}")
        if properties:
            print(properties.to_text())
        if coverage:
            print(coverage.to_text())
            if below:
                print(f"coverage below --min {args.min:g}")
    return 0 if ok and not below else 1
