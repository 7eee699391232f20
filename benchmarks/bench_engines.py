"""Benchmark the evaluation engines on one random order book.

    python benchmarks/bench_engines.py [--orders 10000] [--seed 1] [--repeat 3]

Builds one random order book (catalog and inline chips, catalog and inline buyers, many destinations,
dates inside the rulebook's coverage, export kinds mostly), then measures, for each engine, in a fresh
child process (so that memory figures are its own):

* rulebook load time (cc.load_rulebook), and the time to build the engine (for durable: compile the
  conditions and create the ruleset);
* `rb.evaluate(order)` one order at a time: orders/s, median and p90 latency in µs (verdict included);
* `rb.evaluate_many(orders)`: orders/s;
* the engine alone on prepared facts: `engine.evaluate(rule_ids, facts)` median µs, with the rules
  rb.evaluate asks for (those of the order's date and kind) and with every rule; for durable its
  `evaluate_many` (rules asked): orders/s;
* peak memory: tracemalloc peak of Python allocations during a separate evaluate_many pass (it does not
  see durable_rules' C allocations), and the child's peak RSS (ru_maxrss, which does).

Each engine runs --repeat times, alternating with the other, and the table shows the median of each
figure. Prints a table and the durable/reference ratios. Timing figures are for the machine it runs on; there are
no timing assertions in the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import chipcontrol as cc  # noqa: E402

ENGINES = ("reference", "durable")


def order_book(rb: cc.Rulebook, n: int, seed: int) -> list[cc.Order]:
    """n random orders that resolve (orders that raise InputError are redrawn)."""
    rnd = random.Random(seed)
    chips = [c for record in rb.chips.values() for c in (record.id, record.name, *record.aliases[:2])]
    parties = [p for record in rb.parties.values() for p in (record.id, record.name)]
    hot = ["CN", "HK", "MO", "VN", "AE", "SA", "SG", "MY", "IN", "IL", "US", "FR", "DE", "KZ"]
    countries = sorted(rb.countries)
    start, until = rb.coverage.start, rb.coverage.until
    kinds = [cc.Kind.EXPORT] * 6 + list(cc.Kind)
    claims = sorted({r.claim for r in rb.rules.values() if r.claim})

    def number(points, spread):
        if rnd.random() < 0.15:
            return None
        return max(0.0, rnd.choice(points) * (1 + rnd.uniform(-spread, spread)))

    book: list[cc.Order] = []
    while len(book) < n:
        if rnd.random() < 0.6:
            item: str | cc.Chip = rnd.choice(chips)
        else:
            item = cc.Chip(
                name=f"Inline {rnd.randrange(1000)}",
                vendor=rnd.choice(["NVIDIA", "AMD", "Huawei", "Acme"]),
                tpp=number([1600, 2400, 4800, 6000], 0.05),
                die_area_mm2=number([300, 600, 814], 0.2) or None,
                io_bidirectional_gbps=number([400, 600, 900], 0.1),
                memory_bandwidth_gbps=number([2000, 4000], 0.1),
                datacenter=rnd.choice([True, False, None]),
            )
        if rnd.random() < 0.7:
            buyer: str | cc.Party = rnd.choice(parties)
        else:
            buyer = cc.Party(name=f"Buyer {rnd.randrange(1000)}", headquarters=rnd.choice(hot + [None]))
        destination = rnd.choice(hot) if rnd.random() < 0.7 else rnd.choice(countries + [None])
        order = cc.Order(
            item=item,
            buyer=buyer,
            destination=destination,
            date=start + dt.timedelta(days=rnd.randrange((until - start).days)),
            kind=rnd.choice(kinds),
            claims=rnd.sample(claims, k=min(len(claims), rnd.choice([0, 0, 0, 1]))),
        )
        try:
            rb.resolve(order)
        except cc.InputError:
            continue
        book.append(order)
    return book


def measure(engine_name: str, n: int, seed: int) -> dict:
    """Everything for one engine, in this process."""
    from chipcontrol.facts import build_facts

    loads = []
    for _ in range(3):
        t = time.perf_counter()
        rb = cc.load_rulebook()
        loads.append(time.perf_counter() - t)
    t = time.perf_counter()
    engine = rb.engine(engine_name)
    build = time.perf_counter() - t
    if engine.name != engine_name:
        raise SystemExit(f"engine {engine_name!r} is not available here (got {engine.name!r})")
    book = order_book(rb, n, seed)

    for order in book[:200]:  # warm-up: caches (groups_on) and the thread's ruleset
        rb.evaluate(order, engine=engine_name)

    latencies = []
    t0 = time.perf_counter()
    for order in book:
        t = time.perf_counter_ns()
        rb.evaluate(order, engine=engine_name)
        latencies.append(time.perf_counter_ns() - t)
    evaluate_total = time.perf_counter() - t0

    t0 = time.perf_counter()
    verdicts = rb.evaluate_many(book, engine=engine_name)
    many_total = time.perf_counter() - t0
    outcomes: dict[str, int] = {}
    for v in verdicts:
        outcomes[v.outcome.value] = outcomes.get(v.outcome.value, 0) + 1

    from chipcontrol.rules import Status

    all_ids = sorted(rb.conditions)
    requests = []  # what rb.evaluate asks the engine: the rules of the order's date and kind
    for order in book:
        resolved = rb.resolve(order)
        asked = rb.rules_on(resolved.date, resolved.kind) + rb.rules_on(
            resolved.date, resolved.kind, (Status.PROPOSED, Status.REPORTED)
        )
        requests.append(([r.id for r in asked], build_facts(resolved, rb.groups_on)))
    engine_latencies, engine_all_latencies = [], []
    for ids, facts in requests:
        t = time.perf_counter_ns()
        engine.evaluate(ids, facts)
        engine_latencies.append(time.perf_counter_ns() - t)
        t = time.perf_counter_ns()
        engine.evaluate(all_ids, facts)
        engine_all_latencies.append(time.perf_counter_ns() - t)
    engine_many = None
    if hasattr(engine, "evaluate_many"):
        t0 = time.perf_counter()
        engine.evaluate_many(requests)
        engine_many = len(requests) / (time.perf_counter() - t0)

    tracemalloc.start()
    rb.evaluate_many(book[: min(len(book), 2000)], engine=engine_name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    stats = getattr(getattr(engine, "compiled", None), "stats", None)
    return {
        "engine": engine_name,
        "orders": len(book),
        "rules": len(rb.conditions),
        "load_ms": statistics.median(loads) * 1e3,
        "build_ms": build * 1e3,
        "evaluate_per_s": len(book) / evaluate_total,
        "evaluate_median_us": statistics.median(latencies) / 1e3,
        "evaluate_p90_us": statistics.quantiles(latencies, n=10)[-1] / 1e3,
        "evaluate_many_per_s": len(book) / many_total,
        "engine_median_us": statistics.median(engine_latencies) / 1e3,
        "engine_all_median_us": statistics.median(engine_all_latencies) / 1e3,
        "rules_asked_mean": statistics.mean(len(ids) for ids, _ in requests),
        "engine_many_per_s": engine_many,
        "tracemalloc_peak_mib": peak / 2**20,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outcomes": outcomes,
        "network": None
        if stats is None
        else {
            "durable_rules": stats.durable_rules,
            "rulesets": stats.shards,
            "alpha_nodes": stats.alpha_nodes,
            "max_stack": stats.max_stack,
            "max_children": stats.max_children,
        },
        "python": sys.version.split()[0],
    }


ROWS = [
    ("rulebook load (ms)", "load_ms", "{:.1f}"),
    ("engine build (ms)", "build_ms", "{:.1f}"),
    ("rb.evaluate (orders/s)", "evaluate_per_s", "{:,.0f}"),
    ("rb.evaluate median (µs)", "evaluate_median_us", "{:.1f}"),
    ("rb.evaluate p90 (µs)", "evaluate_p90_us", "{:.1f}"),
    ("rb.evaluate_many (orders/s)", "evaluate_many_per_s", "{:,.0f}"),
    ("engine alone, rules asked (µs, median)", "engine_median_us", "{:.1f}"),
    ("engine alone, all rules (µs, median)", "engine_all_median_us", "{:.1f}"),
    ("engine.evaluate_many alone (orders/s)", "engine_many_per_s", "{:,.0f}"),
    ("tracemalloc peak (MiB)", "tracemalloc_peak_mib", "{:.1f}"),
    ("peak RSS (MiB)", "max_rss_mib", "{:.1f}"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine; the table shows medians")
    parser.add_argument("--only", choices=ENGINES, help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON too")
    args = parser.parse_args(argv)
    if args.only:
        print(json.dumps(measure(args.only, args.orders, args.seed)))
        return 0

    runs: dict[str, list[dict]] = {name: [] for name in ENGINES}
    for _ in range(args.repeat):  # engines alternate, so that a noisy moment hits both
        for name in ENGINES:
            proc = subprocess.run(
                [sys.executable, __file__, "--only", name, "--orders", str(args.orders), "--seed", str(args.seed)],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            )
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    results = {}
    for name, done in runs.items():
        if done:  # the median of each figure over the runs
            merged = dict(done[0])
            for key, value in done[0].items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    merged[key] = statistics.median(r[key] for r in done)
            results[name] = merged

    if not results:
        return 1
    any_result = next(iter(results.values()))
    print(
        f"chipcontrol engines: {any_result['orders']:,} orders, {any_result['rules']} rules, "
        f"Python {any_result['python']}, {os.cpu_count()} CPUs, seed {args.seed}, median of {args.repeat} runs"
    )
    names = [n for n in ENGINES if n in results]
    header = f"| {'measure':<38} | " + " | ".join(f"{n:>10}" for n in names)
    if len(names) == 2:
        header += " | durable/reference"
    print(header + " |")
    print("|" + "-" * 40 + "|" + "|".join("-" * 12 for _ in names) + ("|" + "-" * 19 if len(names) == 2 else "") + "|")
    for label, key, fmt in ROWS:
        cells = []
        for n in names:
            value = results[n].get(key)
            cells.append(f"{fmt.format(value) if value is not None else '-':>10}")
        line = f"| {label:<38} | " + " | ".join(cells)
        if len(names) == 2:
            a, b = results["durable"].get(key), results["reference"].get(key)
            line += f" | {a / b:>17.2f}" if a and b else f" | {'-':>17}"
        print(line + " |")
    print("outcomes:", json.dumps(any_result["outcomes"], sort_keys=True))
    print(f"rules asked per order (mean): {any_result['rules_asked_mean']:.1f} of {any_result['rules']}")
    if results.get("durable", {}).get("network"):
        print("durable network:", json.dumps(results["durable"]["network"]))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
