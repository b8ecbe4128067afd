#!/usr/bin/env python3
"""Binned distances of planted shifts and random splits, default (quantile) bins next to TFDV's (figures, not a test).

    python bench/distance_bench.py [--rows 20000] [--splits 10] [--seed 0]

For each generated column (heavy-tailed: lognormal with outliers, Pareto, fare-like with a maximum
of 700 while 99 % of values are under 60; well-behaved: normal, uniform, integer counts) it builds
a reference of ``--rows`` values and two currents: a *planted shift* (heavy-tailed columns: the
bulk scaled by 1.3, the outliers kept; normal: +0.25 standard deviation; uniform: +0.1; counts:
Poisson 30 -> 33) and *random splits* of one sample of ``2 x --rows`` values into two halves
(``--splits`` seeds: the largest value over the seeds is printed, since a false alarm is the
worst split). Printed per column, case and binning (``quantile``: dvtools' default, the
reference's 20 quantile bins; ``tfdv``: TFDV's 10-bucket standard histograms aligned as TFDV
does): Jensen-Shannon divergence (base 2, TFDV's number), JS distance (its square root, the
``auto`` policy's number), PSI and Hellinger; then KS and normalized Wasserstein, which do not bin.
Flags: ``*`` where a value reaches its usual threshold (JS divergence > 0.1 as TFDV, JS distance,
PSI, Hellinger, normalized Wasserstein >= 0.1; KS prints its statistic D, its test decides on the
p-value, tiny at these sizes). Statistics come from
``compute`` over Arrow batches as everywhere (exact sketches up to 100k values, KLL beyond).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dvtools.comparison import compare_statistics  # noqa: E402
from dvtools.comparison.distances import hellinger, jensen_shannon_divergence, psi  # noqa: E402
from dvtools.comparison.distributions import shared_bins  # noqa: E402
from dvtools.statistics.engine import DatasetAccumulator  # noqa: E402

OUTLIERS = np.array([5000.0, 3000.0, 2500.0, 1200.0, 900.0, 800.0, 700.0, 650.0, 600.0, 550.0])
FARE_OUTLIERS = np.array([700.0, 650.0, 520.0, 410.0, 380.0])


def _with(rng: np.random.Generator, bulk: np.ndarray, outliers: np.ndarray) -> np.ndarray:
    return rng.permutation(np.r_[bulk[: bulk.size - outliers.size], outliers])


# name -> (heavy-tailed?, sampler(rng, n, shifted))
COLUMNS = {
    "lognormal+outliers": (True, lambda rng, n, s: _with(rng, rng.lognormal(0.0, 1.0, n) * (1.3 if s else 1), OUTLIERS)),
    "pareto": (True, lambda rng, n, s: (rng.pareto(1.5, n) + 1) * (1.3 if s else 1)),
    "fare (max 700, 99% < 60)": (True, lambda rng, n, s: _with(rng, rng.lognormal(2.5, 0.6, n) * (1.3 if s else 1),
                                                               FARE_OUTLIERS)),
    "normal": (False, lambda rng, n, s: rng.normal(0.25 if s else 0.0, 1.0, n)),
    "uniform": (False, lambda rng, n, s: rng.random(n) + (0.1 if s else 0.0)),
    "integer counts": (False, lambda rng, n, s: rng.poisson(33 if s else 30, n)),
}
BINNED = ("js_divergence", "js_distance", "psi", "hellinger")


def stats_of(x: np.ndarray):  # noqa: ANN201 - DatasetStatistics
    table = pa.table({"x": x})
    acc = DatasetAccumulator(table.schema)
    for batch in table.to_batches(65_536):
        acc.add_batch(batch)
    return acc.finalize()


def distances(ref, cur) -> dict[str, float]:  # noqa: ANN001 - DatasetStatistics
    out: dict[str, float] = {}
    for binning in ("quantile", "tfdv"):
        sb = shared_bins(ref["x"], cur["x"], binning=binning)
        js = jensen_shannon_divergence(sb.reference, sb.current)
        out |= {f"{binning}.js_divergence": js, f"{binning}.js_distance": math.sqrt(js),
                f"{binning}.psi": psi(sb.reference, sb.current), f"{binning}.hellinger": hellinger(sb.reference, sb.current)}
    fc = compare_statistics(ref, cur, methods=["ks", "normalized_wasserstein"])["x"]
    out["ks"] = fc.distances["ks"]
    out["normalized_wasserstein"] = fc.distances["normalized_wasserstein"]
    return out


def flag(name: str, v: float) -> str:
    if name == "ks":  # the KS test decides on its p-value, not on D
        return f"{v:.4f} "
    hit = v > 0.1 if name.endswith("js_divergence") else v >= 0.1
    return f"{v:.4f}{'*' if hit else ' '}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000, help="values per side (default 20000)")
    ap.add_argument("--splits", type=int, default=10, help="random splits per column (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    cols = ["column", "case", *(f"{b}.{m}" for b in ("quantile", "tfdv") for m in BINNED), "ks", "normalized_wasserstein"]
    print(f"rows per side: {args.rows:,}; random splits: max over {args.splits} seeds; * = reaches the usual threshold")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for name, (_heavy, sample) in COLUMNS.items():
        rng = np.random.default_rng(args.seed)
        ref = stats_of(sample(rng, args.rows, False))
        shift = distances(ref, stats_of(sample(rng, args.rows, True)))
        worst: dict[str, float] = {}
        for k in range(args.splits):
            srng = np.random.default_rng(args.seed + 1 + k)
            data = sample(srng, 2 * args.rows, False)
            d = distances(stats_of(data[: args.rows]), stats_of(data[args.rows:]))
            worst = {m: max(worst.get(m, 0.0), v) for m, v in d.items()}
        for case, d in (("planted shift", shift), ("random split (max)", worst)):
            print("| " + " | ".join([name, case, *(flag(m, d[m]) for m in cols[2:])]) + " |")
    print(f"\nwall time {time.perf_counter() - t0:.1f} s (statistics of every side included)")


if __name__ == "__main__":
    main()
