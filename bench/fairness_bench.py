#!/usr/bin/env python3
"""Time of ``group_report`` and ``label_report`` next to the statistics pass on the same table (figures, not a test).

    python bench/fairness_bench.py [--rows 1000000] [--data-dir bench/data] [--formats parquet csv] [--repeat 3]

Generates the benchmark dataset with ``../shared/bench/make_data.py`` when missing (20 mixed
columns), then times each run in its own process, start-up included (``python -c``, imports,
reading, finalizing), and prints wall seconds, CPU seconds (user + system of the process and its
threads: the figure that holds on a loaded machine), peak RSS and the ratios to the statistics pass,
with the load average before and after (the machine is shared):

* ``statistics``: ``compute_statistics(path)``, the Statistics page's pass;
* ``groups s_cat3``: ``group_report(path, groups=["s_cat3"], label="b_flag")``: statistics per group
  (3 groups), label rates, missing shares, under-representation (``drift=False``: one dataset);
* ``groups s_cat3 x i_age``: the same by two columns (``i_age`` bucketed on quantiles: one extra
  read of that column) and their 15 intersections;
* ``labels b_flag``: ``label_report(path, label="b_flag")``: row hashes, duplicates, conflicts.

``--drift`` adds two datasets (the table as training and as serving), against two statistics
passes: ``group_report(path, path, groups=["s_cat3"], label="b_flag")`` with drift within groups
(full statistics per group, the Skew & drift comparison per group).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RUNS = {
    "statistics": "from dvtools.statistics import compute_statistics; compute_statistics(P)",
    "groups s_cat3": "from dvtools.fairness import group_report; "
                     "group_report(P, groups=['s_cat3'], label='b_flag', drift=False)",
    "groups s_cat3 x i_age": "from dvtools.fairness import group_report; "
                             "group_report(P, groups=['s_cat3', 'i_age'], label='b_flag', drift=False)",
    "labels b_flag": "from dvtools.fairness import label_report; label_report(P, label='b_flag')",
}

DRIFT_RUNS = {
    "statistics x2": "from dvtools.statistics import compute_statistics; compute_statistics(P); compute_statistics(P)",
    "groups s_cat3 x2, drift": "from dvtools.fairness import group_report; "
                               "group_report(P, P, groups=['s_cat3'], label='b_flag')",
}

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
P = sys.argv[1]
{code}
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"inner": time.perf_counter() - t0, "cpu": u.ru_utime + u.ru_stime,
                   "rss_mb": u.ru_maxrss / 1024.0}}))
"""


def _run(code: str, path: str, repeat: int) -> dict:
    best: dict | None = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD.format(code=code), path], check=True, capture_output=True,
                             text=True, cwd=HERE.parent)
        r = json.loads(out.stdout.strip().splitlines()[-1]) | {"wall": time.perf_counter() - t0}
        if best is None or r["wall"] < best["wall"]:
            best = r
    assert best is not None
    return best


def main() -> None:
    from stats_bench import _ensure_data

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--data-dir", default=str(HERE / "data"))
    ap.add_argument("--formats", nargs="+", default=["parquet"], choices=["parquet", "csv"])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is shown")
    ap.add_argument("--only", nargs="+", default=None, choices=list(RUNS), metavar="RUN",
                    help="runs to time (default: all; statistics first, it is the base of the ratios)")
    ap.add_argument("--drift", action="store_true",
                    help="also two datasets with drift within groups, against two statistics passes")
    args = ap.parse_args()
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    _ensure_data(args.rows, data_dir, "csv" in args.formats)
    import os

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"{'format':<8} {'run':<24} {'wall s':>7} {'x stats':>8} {'CPU s':>7} {'x stats':>8} {'peak RSS MB':>12}")
    for fmt in args.formats:
        path = str(data_dir / f"data_{args.rows}.{fmt}")
        for runs in (RUNS, DRIFT_RUNS) if args.drift else (RUNS,):
            base: dict | None = None
            for name, code in runs.items():
                if args.only and name not in args.only and runs is RUNS:
                    continue
                r = _run(code, path, args.repeat)
                base = base or r
                print(f"{fmt:<8} {name:<24} {r['wall']:>7.2f} {r['wall'] / base['wall']:>8.2f} {r['cpu']:>7.2f} "
                      f"{r['cpu'] / base['cpu']:>8.2f} {r['rss_mb']:>12.0f}", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
