"""Measure the memory the durable engine keeps as threads come and go and as the rulebook is reloaded.

    python benchmarks/bench_memory.py [--threads 500,1000] [--batch 50] [--reloads 20,50]

Each scenario runs in a fresh child process (so that its RSS is its own; RSS is read from /proc/self/statm,
so this runs on Linux), after `rb = cc.load_rulebook()` and one `rb.evaluate(order)` in the main thread:

* short-lived threads, one at a time: a new thread evaluates one order and ends; RSS after each checkpoint
  (--threads), the growth per thread, and the time of that first evaluation in a new thread (median over
  the threads) next to the time of an evaluation in a thread that has evaluated before (median of 200);
* short-lived threads, --batch at a time (a server with a thread per request, under load): RSS and growth;
* reloads: `rb = None; gc.collect(); rb = cc.load_rulebook(); rb.evaluate(order)`, RSS after each checkpoint
  (--reloads) and the growth per reload.

Prints one table. Takes well under a minute with bounded engine memory (each new thread of an engine that
builds a ruleset per thread costs ~20 ms and ~7 MiB: 1,000 threads then take ~25 s and 7 GB).
Timing figures are for the machine it runs on; the tests assert no times.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import chipcontrol as cc  # noqa: E402

ORDER = cc.Order(item="A100", buyer="ByteDance", destination="CN", date="2023-06-15")
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mib() -> float:
    """This process's resident set size in MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_MIB


def _loaded() -> tuple[cc.Rulebook, float]:
    """The bundled rulebook after one evaluation in this thread, and the RSS then."""
    rb = cc.load_rulebook()
    rb.evaluate(ORDER)
    gc.collect()
    return rb, rss_mib()


def _timed_evaluation(rb: cc.Rulebook, times: list[float]) -> None:
    start = time.perf_counter()
    rb.evaluate(ORDER)
    times.append(time.perf_counter() - start)


def child_threads(checkpoints: list[int], batch: int) -> dict:
    """Short-lived threads, `batch` alive at a time, each evaluating ORDER once: RSS at each checkpoint."""
    rb, before = _loaded()
    warm: list[float] = []
    for _ in range(200):
        _timed_evaluation(rb, warm)
    first: list[float] = []
    rss, started = {}, 0
    for checkpoint in checkpoints:
        while started < checkpoint:
            threads = [threading.Thread(target=_timed_evaluation, args=(rb, first)) for _ in range(batch)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            started += batch
        gc.collect()
        rss[started] = rss_mib()
    return {
        "before": before,
        "after": rss,
        "first_ms": statistics.median(first) * 1e3,
        "warm_ms": statistics.median(warm) * 1e3,
    }


def child_reloads(checkpoints: list[int]) -> dict:
    """load_rulebook() again and again, dropping the previous rulebook: RSS at each checkpoint."""
    rb, before = _loaded()
    rss = {}
    for n in range(1, checkpoints[-1] + 1):
        rb = None
        gc.collect()
        rb = cc.load_rulebook()
        rb.evaluate(ORDER)
        if n in checkpoints:
            gc.collect()
            rss[n] = rss_mib()
    return {"before": before, "after": rss}


def run_child(*args: str) -> dict:
    """Run one scenario in a fresh interpreter and return its figures."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False, timeout=600
    )
    if proc.returncode != 0:
        raise SystemExit(f"scenario {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[tuple]) -> str:
    head = ("scenario", "RSS before (MiB)", "RSS after (MiB)", "growth (MiB)", "growth per unit")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(row: tuple) -> str:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "| " + " | ".join(cells) + " |"

    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def rows_for(label: str, unit: str, figures: dict, kib: bool) -> list[tuple]:
    """One table row per checkpoint: RSS before and after, growth, growth per thread (KiB) or reload (MiB)."""
    rows = []
    for n, after in figures["after"].items():
        grown = after - figures["before"]
        per = f"{grown * 1024 / int(n):,.1f} KiB/{unit}" if kib else f"{grown / int(n):,.2f} MiB/{unit}"
        rows.append((label.format(n=int(n)), f"{figures['before']:.1f}", f"{after:.1f}", f"{grown:+.1f}", per))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="500,1000", help="checkpoints: threads started (default 500,1000)")
    parser.add_argument("--batch", type=int, default=50, help="threads alive at once in the batched run")
    parser.add_argument("--reloads", default="20,50", help="checkpoints: reloads (default 20,50)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        points = [int(x) for x in rest[0].split(",")]
        figures = child_threads(points, int(rest[1])) if kind == "threads" else child_reloads(points)
        print(json.dumps(figures))
        return
    one = run_child("threads", args.threads, "1")
    batched = run_child("threads", args.threads, str(args.batch))
    reloads = run_child("reloads", args.reloads)
    engine = cc.load_rulebook().engine().name
    print(f"chipcontrol memory: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, engine {engine}")
    rows = rows_for("{n:,} short-lived threads, one at a time", "thread", one, kib=True)
    rows += rows_for(f"{{n:,}} short-lived threads, {args.batch} at a time", "thread", batched, kib=True)
    rows += rows_for("{n} reloads of the rulebook", "reload", reloads, kib=False)
    print(table(rows))
    print(
        f"rb.evaluate(order), median: first evaluation in a new thread {one['first_ms']:.2f} ms; "
        f"in a thread that evaluated before {one['warm_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
