"""End to end: `chipcontrol screen book.csv -o out.parquet` on a generated order book, in rows/s, and where the time goes.

    python benchmarks/bench_screen_cli.py [--rows 1000000] [--seed 1] [--repeat 3] [--keep DIR]

Writes a book of --rows orders made by benchmarks/make_book.py as CSV, then runs the installed console script
(the process a user runs: interpreter start, rulebook load, reading, screening, writing, summary) --repeat
times for each case — CSV to Parquet (the goal: >= 300,000 rows/s), CSV to CSV, CSV to Parquet with the HTML
report — and prints the median wall time and rows/s. Then, in this process, the time of each phase of the
same command (load, read, rb.screen by chunks, write, summary, report), so a missed goal names its cause.
The machine's load average is printed beside the figures: other processes share the cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import chipcontrol as cc  # noqa: E402


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def script() -> str:
    beside = Path(sys.executable).parent / "chipcontrol"
    return str(beside) if beside.exists() else (shutil.which("chipcontrol") or sys.exit("chipcontrol is not installed"))


def write_book(rb: cc.Rulebook, rows: int, seed: int, path: Path) -> None:
    """The generated book (benchmarks/make_book.py) as CSV."""
    import make_book

    make_book.write(make_book.make_book(rb, rows, seed), path)


def timed_runs(args: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([script(), "screen", *args, "--quiet"], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"chipcontrol screen failed ({done.returncode}): {done.stderr.strip()}")
    return times


def phases(book: Path, out: Path, report: Path) -> list[tuple[str, float]]:
    """Each phase of `chipcontrol screen book -o out --report report`, timed in this process."""
    from chipcontrol.render_report import report_html
    from chipcontrol.screen_cli import _read, screen_book, write_table

    steps = []

    def step(name, fn):
        start = time.perf_counter()
        value = fn()
        steps.append((name, time.perf_counter() - start))
        return value

    rb = step("load the rulebook", cc.load_rulebook)
    orders = step("read the CSV (read_orders)", lambda: _read(book))
    screened = step("rb.screen, one call (no progress bar)", lambda: screen_book(rb, orders, chunk_rows=orders.num_rows))
    step("  for comparison: steps of 100,000 (a bar)", lambda: screen_book(rb, orders, chunk_rows=100_000))
    step("write Parquet", lambda: write_table(screened.output_table(), out, "parquet"))
    summary = step("summary", lambda: screened.summary(rb))
    step(
        "HTML report (500 rows)",
        lambda: report.write_text(report_html(orders, screened.results, summary, screened.verdict, source=book.name, rulebook=rb)),
    )
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="write the book and outputs here and keep them")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-screen-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        rb = cc.load_rulebook()
        book = folder / "book.csv"
        start = time.perf_counter()
        write_book(rb, args.rows, args.seed, book)
        print(f"book: {args.rows:,} rows, {book.stat().st_size / 1e6:.0f} MB CSV, made in {time.perf_counter() - start:.1f} s; "
              f"rulebook {rb.hash[:12]}; {os.cpu_count()} cores; {load()}")
        cases = [
            ("csv -> parquet", [str(book), "-o", str(folder / "out.parquet")]),
            ("csv -> csv", [str(book), "-o", str(folder / "out.csv")]),
            ("csv -> parquet + report", [str(book), "-o", str(folder / "out.parquet"), "--report", str(folder / "report.html")]),
        ]
        print(f"\n{'chipcontrol screen':28} {'median s':>9} {'rows/s':>11}   runs (s)                 load at the end")
        for name, case in cases:
            times = timed_runs(case, args.repeat)
            median = statistics.median(times)
            print(f"{name:28} {median:9.2f} {args.rows / median:11,.0f}   {', '.join(f'{t:.2f}' for t in times):24} {load()}")
        print(f"\n{'phase (in process)':42} {'s':>7} {'share':>6}")
        steps = phases(book, folder / "phases.parquet", folder / "phases.html")
        total = sum(s for name, s in steps if not name.startswith(" "))
        for name, seconds in steps:
            share = "" if name.startswith(" ") else f"{100 * seconds / total:5.0f} %"
            print(f"{name:42} {seconds:7.2f} {share}")
        print(f"{'total':42} {total:7.2f}         {load()}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
