"""`chipcontrol screen ORDERS -o OUT`: screen an order book file, write every order's verdict, print a summary.

Formats follow the file extensions: `.csv`, `.parquet` (or `.pq`), `.jsonl` (or `.ndjson`). The output holds
the input's columns, then the screening columns of `rb.screen`; in CSV a list (deciding rule ids, advisories,
claims) is written joined with `;`. When stderr is a terminal (and without `--quiet`) the book is screened in
steps of `--chunk-rows` rows that drive a progress bar; otherwise in one call of `rb.screen`. `--report` writes a
self-contained HTML report; `--fail-on` exits 1 when any order has one of the given outcomes (or `error`).

pyarrow and tqdm are imported only when the command runs, so `chipcontrol check` does not pay for them.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, excerpt, unknown_name
from .verdict import Outcome

if TYPE_CHECKING:
    import pyarrow as pa

    from .rulebook import Rulebook
    from .verdict import Verdict

#: File extension -> format, for the input and the output.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: Rows screened per call of rb.screen: the steps of the progress bar.
CHUNK_ROWS = 100_000
#: Restricted or undetermined orders (and rows in error) listed in the HTML report.
REPORT_ROWS = 500
#: Entries in each "most often" list of the summary.
TOP = 10
#: The value of --fail-on that stands for a row that could not be evaluated.
ERROR = "error"
#: Outcomes that restrict an order (permitted is False, design.md §3 rule 9).
RESTRICTED = (Outcome.LICENSE_REQUIRED.value, Outcome.PROHIBITED.value)
#: How the summary names a buyer or destination left blank (the destination then defaults to the buyer's headquarters).
NOT_GIVEN = "(not given)"


def add_parser(sub: Any) -> None:
    """Declare the `screen` subcommand on the CLI's subparsers."""
    screen = sub.add_parser(
        "screen",
        help="screen an order book (CSV, Parquet or JSON Lines) and write every order's verdict",
        description="Screen every order of a file; write the input's columns plus outcome, permitted, review_policy, "
        "deciding_rule_ids, reason, advisories and error; print a summary.",
    )
    screen.add_argument("orders", metavar="ORDERS", help="the order book: .csv, .parquet or .jsonl")
    screen.add_argument("-o", "--output", metavar="OUT", required=True, help="where to write the verdicts: .csv, .parquet or .jsonl")
    screen.add_argument("--report", metavar="HTML", help="also write a self-contained HTML report")
    screen.add_argument(
        "--fail-on",
        metavar="OUTCOMES",
        help="comma-separated outcomes (e.g. license_required,prohibited,undetermined; 'error' for rows that could not "
        "be evaluated): exit 1 when any order has one",
    )
    screen.add_argument("--engine", help="reference or durable (default: durable where it runs)")
    screen.add_argument("--posture", default="enforced", choices=["enforced", "codified"], help="which law to apply (default: enforced)")
    screen.add_argument("--provisional", action="store_true", help="answer past the verified horizon, marked provisional")
    screen.add_argument("--json", action="store_true", help="print the summary as JSON")
    screen.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    screen.add_argument(
        "--chunk-rows", type=int, default=CHUNK_ROWS, metavar="N",
        help=f"rows per step of the progress bar (default {CHUNK_ROWS:,}); without a bar the book is screened in one step",
    )
    screen.add_argument("--report-rows", type=int, default=REPORT_ROWS, metavar="N", help=f"rows listed in the report (default {REPORT_ROWS})")


def run(args: argparse.Namespace) -> int:
    """Run `chipcontrol screen`: 0, or 1 when --fail-on matched. Bad arguments raise InputError before the book is
    read, a bad book before anything is written."""
    fail_on = parse_fail_on(args.fail_on)
    source, output = Path(args.orders), Path(args.output)
    file_format(source, "ORDERS")
    out_format = file_format(output, "-o")
    if not source.is_file():
        raise InputError(f"ORDERS {excerpt(str(source))}: no such file")
    if output.resolve() == source.resolve():
        raise InputError(f"-o {excerpt(str(output))} is the input file: write the verdicts elsewhere")
    for flag, path in (("-o", output), ("--report", Path(args.report) if args.report else None)):
        if path is not None and not path.parent.resolve().is_dir():
            raise InputError(f"{flag} {excerpt(str(path))}: folder {excerpt(str(path.parent))} does not exist")
    if args.report and Path(args.report).resolve() in (source.resolve(), output.resolve()):
        raise InputError(f"--report {excerpt(args.report)} is also ORDERS or -o: give the report its own file")
    for flag in ("chunk_rows", "report_rows"):
        if getattr(args, flag) < 1:
            raise InputError(f"--{flag.replace('_', '-')} must be at least 1")
    _require_extras()
    from .rulebook import load_rulebook

    started = time.perf_counter()
    rulebook = load_rulebook(args.rulesets)
    rulebook.engine(args.engine)  # an unknown engine before reading the book
    orders = _read(source)
    _check_free(orders)
    progress = not args.quiet and sys.stderr.isatty()
    # Each call of rb.screen evaluates its distinct situations anew: steps cost time (1,000,000 rows: 6.4 s in one
    # call, 20.5 s in steps of 100,000), so the book is cut into steps only to drive a progress bar someone sees.
    book = screen_book(
        rulebook, orders, engine=args.engine, posture=args.posture, provisional=args.provisional,
        chunk_rows=args.chunk_rows if progress else max(orders.num_rows, 1), progress=progress,
    )
    write_table(book.output_table(), output, out_format)
    summary = book.summary(rulebook)
    if args.report:
        from .render_report import report_html

        html = report_html(
            book.orders, book.results, summary, book.verdict, source=source.name, rulebook=rulebook,
            limit=args.report_rows, posture=args.posture, provisional=args.provisional,
        )
        Path(args.report).write_text(html, encoding="utf-8")
    elapsed = time.perf_counter() - started
    if args.json:
        import json

        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(summary_text(summary, rulebook_hash=rulebook.hash, seconds=elapsed))
        print(f"Wrote {output}" + (f" and {args.report}" if args.report else ""))
    return _exit_code(summary, fail_on)


def parse_fail_on(text: str | None) -> frozenset[str]:
    """The outcomes (and possibly 'error') named by --fail-on; an unknown one is an InputError."""
    if text is None:
        return frozenset()
    choices = [o.value for o in Outcome] + [ERROR]
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InputError("--fail-on needs at least one outcome, e.g. license_required,prohibited")
    for name in names:
        if name not in choices:
            raise unknown_name("outcome", name, choices, role="value of --fail-on")
    return frozenset(names)


def file_format(path: Path, what: str) -> str:
    """The format a file's extension names; another extension is an InputError."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{what} {excerpt(str(path))}: unknown file type {suffix or '(no extension)'!r}; use one of {known}")
    return FORMATS[suffix]


def _require_extras() -> None:
    try:
        import pyarrow  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as exc:
        raise InputError(f"chipcontrol screen needs {exc.name}: pip install 'chipcontrol[screen]'") from None


def _read(source: Path) -> pa.Table:
    """The order book as read by chipcontrol.screen.read_orders; a file pyarrow cannot parse is an InputError."""
    import pyarrow as pa

    from .screen import read_orders

    try:
        return read_orders(source)
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read {source}: {first}") from None


def _check_free(orders: pa.Table) -> None:
    """An order book that already has a screening column (an earlier output) is refused, not overwritten."""
    from .screen import RESULT_COLUMNS

    clash = [name for name in RESULT_COLUMNS if name in orders.column_names]
    if clash:
        raise InputError(
            f"the order book already has column(s) {', '.join(clash)}, which the screening writes "
            "(is it an earlier output?): drop or rename them"
        )


# ------------------------------------------------------------------------------------------ screening


@dataclass
class ScreenedBook:
    """An order book screened chunk by chunk: the input, the screening columns, and each chunk's Screening."""

    orders: pa.Table
    results: pa.Table
    screenings: list[Any]
    chunk_rows: int

    def verdict(self, index: int) -> Verdict:
        """The full Verdict of row `index` (from 0), rebuilt by the chunk's Screening."""
        return self.screenings[index // self.chunk_rows].verdict(index % self.chunk_rows)

    def output_table(self) -> pa.Table:
        """The input's columns, then the screening columns."""
        table = self.orders
        for name in self.results.column_names:
            table = table.append_column(name, self.results[name])
        return table

    def summary(self, rulebook: Rulebook) -> dict:
        return summarize(self.orders, self.results, rulebook)


def screen_book(
    rulebook: Rulebook, orders: pa.Table, *, engine: str | None = None, posture: str = "enforced",
    provisional: bool = False, chunk_rows: int = CHUNK_ROWS, progress: bool = False,
) -> ScreenedBook:
    """Screen `orders` with `rulebook.screen`, `chunk_rows` rows at a time, advancing a progress bar on stderr."""
    import pyarrow as pa
    from tqdm import tqdm

    screenings, parts = [], []
    big = orders.num_rows >= 100_000  # 1.20M/3.00M rather than digits
    bar = tqdm(total=orders.num_rows, unit=" rows", unit_scale=big, desc="screening", file=sys.stderr, disable=not progress)
    with bar:
        for start in range(0, max(orders.num_rows, 1), chunk_rows):
            chunk = orders.slice(start, chunk_rows)
            screening = rulebook.screen(chunk, engine=engine, posture=posture, provisional=provisional)
            screenings.append(screening)
            parts.append(screening.table)
            bar.update(chunk.num_rows)
    return ScreenedBook(orders, pa.concat_tables(parts), screenings, chunk_rows)


# ------------------------------------------------------------------------------------------ summary


def summarize(orders: pa.Table, results: pa.Table, rulebook: Rulebook, top: int = TOP) -> dict:
    """Counts of the whole book: by outcome, by review policy, the deciding rules, the buyers and destinations
    most often restricted (a catalog buyer by its catalog name, a country by its code, however the rows spell
    them), and the rows in error with the first few messages."""
    import pyarrow.compute as pc

    restricted = pc.fill_null(pc.is_in(results["outcome"], value_set=_strings(RESTRICTED)), False)
    held = orders.filter(restricted)
    inline = pc.is_valid(held["buyer_headquarters"]) if "buyer_headquarters" in held.column_names else None
    catalog_buyers = held["buyer"] if inline is None else pc.filter(held["buyer"], pc.invert(inline))
    buyers = _renamed(_counts(catalog_buyers, null=NOT_GIVEN), lambda name: rulebook.party(name).name)
    if inline is not None:  # an inline buyer is named as written
        buyers = _merged(buyers, _counts(pc.filter(held["buyer"], inline), null=NOT_GIVEN))
    destinations = _renamed(_counts(held["destination"], null=NOT_GIVEN), lambda name: rulebook.country(name).code)
    errors = pc.is_valid(results["error"])
    first_errors = pc.indices_nonzero(errors).slice(0, 3).to_pylist()
    return {
        "rows": results.num_rows,
        "outcomes": _counts(results["outcome"]),
        "review_policies": _counts(results["review_policy"]),
        "top_deciding_rules": _counts(pc.list_flatten(results["deciding_rule_ids"]), top),
        "restricted": int(pc.sum(restricted).as_py() or 0),
        "top_restricted_buyers": _top(buyers, top),
        "top_restricted_destinations": _top(destinations, top),
        "errors": int(pc.sum(errors).as_py() or 0),
        "first_errors": {i: results["error"][i].as_py() for i in first_errors},
    }


def _renamed(counts: dict[str, int], canonical: Callable[[str], str]) -> dict[str, int]:
    """`counts` with each name replaced by `canonical(name)` (counts of one name merged); a name it cannot
    resolve, or NOT_GIVEN, is kept as written."""
    out: dict[str, int] = {}
    for name, count in counts.items():
        try:
            key = name if name == NOT_GIVEN else canonical(name)
        except InputError:
            key = name
        out[key] = out.get(key, 0) + count
    return out


def _merged(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in {**a, **b}}


def _top(counts: dict[str, int], top: int) -> dict[str, int]:
    """The `top` most frequent, ties by name."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])


def _strings(values):
    import pyarrow as pa

    return pa.array(list(values), pa.string())


def _counts(column, top: int | None = None, null: str | None = None) -> dict[str, int]:
    """{value: count} of a column's values, most frequent first (ties by value), the first `top`; nulls are
    counted as `null`, or left out when it is None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    column = pc.fill_null(column, null) if null is not None else pc.drop_null(column)
    counted = pc.value_counts(column).to_pylist()
    ranked = sorted(((c["values"], c["counts"]) for c in counted), key=lambda vc: (-vc[1], vc[0]))
    return dict(ranked[:top] if top is not None else ranked)


def summary_text(summary: dict, *, rulebook_hash: str | None = None, seconds: float | None = None) -> str:
    """The summary as the command prints it."""
    rows = summary["rows"]
    head = f"Screened {rows:,} orders"
    if rulebook_hash:
        head += f" with rulebook {rulebook_hash[:12]}"
    if seconds is not None:
        head += f" in {seconds:.1f} s"
    sections = (
        ("Review policy of the licence-required orders:", "review_policies"),
        ("Rules that decided most orders:", "top_deciding_rules"),
        ("Buyers most often restricted (licence required or prohibited):", "top_restricted_buyers"),
        ("Destinations most often restricted:", "top_restricted_destinations"),
    )
    width = max([24] + [len(str(name)) for _, key in sections for name in summary[key]])
    lines = [head, "", "Outcomes:"]
    outcomes = summary["outcomes"]
    for outcome in [o.value for o in Outcome] + sorted(set(outcomes) - {o.value for o in Outcome}):
        if outcome in outcomes:
            lines.append(f"  {outcome:{width}} {outcomes[outcome]:>12,}  {_percent(outcomes[outcome], rows)}")
    for title, key in sections:
        if summary[key]:
            lines += ["", title]
            lines += [f"  {str(name):{width}} {count:>12,}" for name, count in summary[key].items()]
    lines += ["", f"Rows in error: {summary['errors']:,}"]
    lines += [f"  row {index}: {message}" for index, message in summary["first_errors"].items()]
    return "\n".join(lines)


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f} %" if total else ""


def _exit_code(summary: dict, fail_on: frozenset[str]) -> int:
    """1 (with one line on stderr) when any row has an outcome named by --fail-on, else 0."""
    hits = {name: summary["outcomes"].get(name, 0) for name in sorted(fail_on - {ERROR})}
    if ERROR in fail_on:
        hits[ERROR] = summary["errors"]
    hits = {name: n for name, n in hits.items() if n}
    if not hits:
        return 0
    listed = ", ".join(f"{name} {n:,}" for name, n in hits.items())
    print(f"chipcontrol: --fail-on: {sum(hits.values()):,} orders matched ({listed})", file=sys.stderr)
    return 1


# ------------------------------------------------------------------------------------------ writing


def write_table(table: pa.Table, path: Path, fmt: str) -> None:
    """Write `table` as CSV (lists joined with ';'), Parquet or JSON Lines."""
    import pyarrow.parquet as pq

    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(_flat(table), path)
    else:
        _write_jsonl(table, path)


def _flat(table: pa.Table) -> pa.Table:
    """`table` with every list column joined with ';' (CSV has no lists)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            values = pc.cast(table.column(i), pa.list_(pa.string()))
            table = table.set_column(i, field.name, pc.binary_join(values, ";"))
    return table


def _write_jsonl(table: pa.Table, path: Path, batch_rows: int = 100_000) -> None:
    """One JSON object a line: dates as YYYY-MM-DD, lists as arrays, nulls (and NaN, infinities) as null. Built
    column by column with pyarrow (1,000,000 screened rows: 2.1 s, against 7.9 s with json.dumps a row); a batch
    holding a rare control character, or a column of a type it does not know, is written with json.dumps."""
    import pyarrow as pa

    with path.open("wb") as handle:
        for batch in table.to_batches(batch_rows):
            lines = _json_lines(batch)
            if lines is None:
                handle.write(_json_lines_slowly(batch).encode("utf-8"))
                continue
            lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
            offsets, data = lines.buffers()[1], lines.buffers()[2]
            if data is not None and len(lines):  # the lines are contiguous in the string data: write it whole
                bounds = memoryview(offsets).cast("i")  # int32 offsets (a batch is far below 2 GB)
                handle.write(memoryview(data)[bounds[lines.offset]:bounds[lines.offset + len(lines)]])


#: JSON escapes of the control characters JSON text meets most; any other one sends a batch to json.dumps.
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_LIST_SEPARATOR = "\ue000"  # joins a list's items before escaping; a batch holding it goes to json.dumps


def _json_lines(batch):
    """The batch as a string array of JSON lines (each ending with a newline), or None to write it slowly."""
    import json

    import pyarrow.compute as pc

    parts = []
    for i, field in enumerate(batch.schema):
        value = _json_value(batch.column(i))
        if value is None:
            return None
        parts += [("{" if i == 0 else ",") + json.dumps(field.name, ensure_ascii=False) + ":", value]
    if not parts:
        return None
    return pc.binary_join_element_wise(*parts, "}\n", "")


def _json_value(column):
    """A column as JSON literals (strings), or None when it holds something `_json_lines` does not write."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = _escaped(pc.cast(column, pa.string()))
        if text is None:
            return None
        literal = pc.binary_join_element_wise('"', text, '"', "")
    elif pa.types.is_boolean(kind):
        literal = pc.if_else(column, "true", "false")
    elif pa.types.is_integer(kind):
        literal = pc.cast(column, pa.string())
    elif pa.types.is_floating(kind):
        literal = pc.if_else(pc.is_finite(column), pc.cast(column, pa.string()), pa.scalar(None, pa.string()))
    elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        literal = pc.binary_join_element_wise('"', pc.cast(column, pa.string()), '"', "")
    elif (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and (
        pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)
    ):
        items = pc.cast(column, pa.list_(pa.string()))
        if pc.any(pc.match_substring(pc.list_flatten(items), _LIST_SEPARATOR)).as_py():
            return None
        text = _escaped(pc.binary_join(items, _LIST_SEPARATOR))
        if text is None:
            return None
        joined = pc.replace_substring(text, _LIST_SEPARATOR, '","')
        literal = pc.if_else(pc.equal(pc.list_value_length(items), 0), "[]", pc.binary_join_element_wise('["', joined, '"]', ""))
    else:
        return None
    return pc.fill_null(literal, "null")


def _escaped(text):
    """Strings with JSON's escapes; None when one holds a control character without a short escape."""
    import pyarrow.compute as pc

    if not pc.any(pc.match_substring_regex(text, '["\\\\\\x00-\\x1f]')).as_py():
        return text  # nothing to escape (most columns)
    for old, new in _ESCAPES:
        text = pc.replace_substring(text, old, new)
    if pc.any(pc.match_substring_regex(text, "[\\x00-\\x1f]")).as_py():
        return None
    return text


def _json_lines_slowly(batch) -> str:
    import json

    import pyarrow as pa

    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    names = batch.schema.names
    columns = batch.to_pydict()
    floats = [n for n, f in zip(names, batch.schema) if pa.types.is_floating(f.type)]
    lines = []
    for values in zip(*columns.values()):
        row = dict(zip(names, values))
        for name in floats:  # NaN and infinities are not JSON
            if row[name] is not None and not math.isfinite(row[name]):
                row[name] = None
        lines.append(encode(row) + "\n")
    return "".join(lines)
