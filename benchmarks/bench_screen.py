"""Benchmark `rb.screen` on a generated order book held in memory as a pyarrow Table.

    python benchmarks/bench_screen.py --rows 1000000 [--seed 1] [--engine reference] [--repeat 3] [--profile]

Prints rows/s (the median of --repeat runs, after one warm-up run on 10,000 rows), how many distinct patterns
were decided, and the memory the screening took beyond the input: the peak of Python allocations
(tracemalloc) plus the peak of Arrow's memory pool above what the input held, and the growth of the
process's peak RSS, each per row. `--profile` prints the functions that took most time (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import chipcontrol as cc  # noqa: E402
from make_book import make_book  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", default="reference", choices=["reference", "durable"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    rb = cc.load_rulebook()
    book = make_book(rb, args.rows, args.seed)
    rb.screen(book.slice(0, 10_000), engine=args.engine)  # warm-up: the plan, the engine, the caches

    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        screening = rb.screen(book, engine=args.engine)
        times.append(time.perf_counter() - t)
        del screening
    seconds = statistics.median(times)

    pool = pa.default_memory_pool()
    before_arrow = pool.bytes_allocated()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    screening = rb.screen(book, engine=args.engine)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    arrow_peak = max(pool.max_memory() - before_arrow, 0)
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    result_bytes = screening.table.nbytes

    summary = screening.summary()
    print(f"chipcontrol screen: {args.rows:,} rows, engine {args.engine}, seed {args.seed}, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}, pyarrow {pa.__version__}; load average {os.getloadavg()[0]:.2f}")
    print(f"  time (median of {args.repeat}): {seconds:.2f} s = {args.rows / seconds:,.0f} rows/s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    print(f"  input table: {book.nbytes / args.rows:.0f} B/row; result table: {result_bytes / args.rows:.0f} B/row")
    print(f"  memory beyond the input: Python peak {python_peak / args.rows:.0f} B/row + Arrow pool peak "
          f"{arrow_peak / args.rows:.0f} B/row (the pool's peak since start: an upper bound); "
          f"peak RSS grew {rss_growth / args.rows:.0f} B/row")
    print(f"  outcomes: {summary['outcomes']}; errors: {summary['errors']}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        rb.screen(book, engine=args.engine)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
