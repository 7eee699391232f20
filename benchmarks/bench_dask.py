"""chipcontrol.dask.screen on a local cluster: rows/s on a 10,000,000-row book with one worker process, then two.

    python benchmarks/bench_dask.py [--rows 10000000] [--partitions 20] [--workers 1 2] [--seed 1]

The book is generated on the workers partition by partition (benchmarks/make_book.py, one seed per
partition), persisted in the workers' memory, and then screened: the timed part is
`screen(ddf).outcome.value_counts().compute()` — every partition fully screened (all the screening columns),
only the counts sent back. Each cluster is fresh (workers: processes with one thread each), so the time
includes each worker's first rulebook load. The machine's load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def partition(index: int, rows: int, seed: int):
    """Partition `index` of the book as a pandas DataFrame (runs on a worker)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import make_book

    from chipcontrol.dask import _rulebook  # the worker's cached rulebook, which screen() then reuses

    return make_book.make_book(_rulebook(None, None), rows, seed * 100_003 + index).to_pandas()


def run(workers: int, rows: int, partitions: int, seed: int) -> dict:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, wait

    from chipcontrol.dask import screen

    per = rows // partitions
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster) as client:
        start = time.perf_counter()
        ddf = dd.from_map(partition, range(partitions), rows=per, seed=seed).persist()
        wait(ddf)
        made = time.perf_counter() - start
        start = time.perf_counter()
        counts = screen(ddf).outcome.value_counts(dropna=False, split_out=1).compute()  # a tree reduction, no shuffle
        seconds = time.perf_counter() - start
    assert int(counts.sum()) == per * partitions, counts
    return {"rows": per * partitions, "made": made, "seconds": seconds, "counts": counts.to_dict(), "load": load()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {load()} before")
    print(f"{'workers':>7} {'rows':>12} {'made s':>7} {'screen s':>9} {'rows/s':>11}  load (1/5/15 min) at the end")
    results = {}
    for workers in args.workers:
        r = results[workers] = run(workers, args.rows, args.partitions, args.seed)
        print(f"{workers:>7} {r['rows']:>12,} {r['made']:7.1f} {r['seconds']:9.1f} {r['rows'] / r['seconds']:11,.0f}  {r['load']}")
    if len(results) > 1:
        first, *rest = sorted(results)
        for w in rest:
            print(f"speed-up {first} -> {w} workers: {results[first]['seconds'] / results[w]['seconds']:.2f}x")
    print("outcomes:", results[max(results)]["counts"])


if __name__ == "__main__":
    main()
