#!/usr/bin/env python3
"""What a threshold change costs in the one drift/skew engine: measuring vs judging, on a 100-feature pair.

    python bench/judge_bench.py [--features 100] [--rows 50000] [--repeat 5]

Builds the pair of ``bench/ui_rerun_bench.py`` (half numeric, half categorical), computes both
statistics, then prints the median milliseconds of ``measure_statistics`` (every distance of every
feature: what the dashboard caches), ``judge_comparison`` (resolve each feature's comparator and
decide: what a threshold change re-runs) and ``validate_statistics`` given the judged comparison.
Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    """Run the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    from ui_rerun_bench import make_pair

    from dvtools.comparison.comparators import Layers, judge_comparison, measure_statistics
    from dvtools.schema import infer_schema
    from dvtools.statistics.engine import compute_statistics
    from dvtools.validation import Thresholds, validate_statistics
    from dvtools.validation.validate import drift_comparison

    train, serve = make_pair(a.features, a.rows)
    ref, cur = compute_statistics(train, name="train.parquet"), compute_statistics(serve, name="serve.parquet")
    schema = infer_schema(ref)

    def median_ms(f) -> float:  # noqa: ANN001
        out = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            f()
            out.append(1000 * (time.perf_counter() - t0))
        return statistics.median(out)

    measured = measure_statistics(ref, cur, schema=schema)
    layers = Layers(policy="tfdv", schema=schema, thresholds={"l_infinity": 0.3})
    th = Thresholds(policy="tfdv")
    judged = drift_comparison(ref, cur, schema, thresholds=th, measured=measured)
    print(f"{a.features} features, {a.rows:,} training rows")
    measure = median_ms(lambda: measure_statistics(ref, cur, schema=schema))
    print(f"measure_statistics (cached by the dashboard): {measure:8.1f} ms")
    print(f"judge_comparison (a threshold change):        {median_ms(lambda: judge_comparison(measured, layers)):8.1f} ms")
    print(f"validate_statistics with the judged result:   "
          f"{median_ms(lambda: validate_statistics(cur, schema, reference=ref, thresholds=th, comparison=judged)):8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
