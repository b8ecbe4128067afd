#!/usr/bin/env python3
"""Speed and memory of ``compute_statistics`` next to a bare pyarrow pass (figures, not a test).

    python bench/stats_bench.py [--rows 1000000 10000000] [--data-dir bench/data] [--formats parquet csv]
                                [--workers 1 2] [--repeat 3]

Generates the benchmark dataset with ``../shared/bench/make_data.py`` when missing, then runs
each measurement in its own process (so peak RSS is that run's alone) and prints a table:
wall seconds, rows/s, peak RSS, and the ratio to the bare pass.

The bare pass is the floor for any statistics tool on this data: read the file and, per column,
count, nulls, min, max and mean, plus value_counts per string column (one pyarrow pass, all
columns in memory). dvtools streams batch by batch and adds quantiles, histograms, top-k,
distinct counts, lengths and the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKE_DATA = HERE.parent.parent / "shared" / "bench" / "make_data.py"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bare_pass(path: str) -> dict:
    """One pyarrow pass: count, nulls, min, max, mean per column; value_counts per string column."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    table = pq.read_table(path) if path.endswith(".parquet") else pacsv.read_csv(path)
    t_read = time.perf_counter() - t0
    out = {}
    for name in table.column_names:
        col = table.column(name)
        r = {"count": len(col), "nulls": col.null_count}
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            r["distinct"] = len(pc.value_counts(col))
        elif not pa.types.is_boolean(t):
            mm = pc.min_max(col)
            r["min"], r["max"] = mm["min"].as_py(), mm["max"].as_py()
            if not pa.types.is_timestamp(t):
                r["mean"] = pc.mean(col).as_py()
        out[name] = r
    total = time.perf_counter() - t0
    return {"wall": total, "read": t_read, "compute": total - t_read, "rows": table.num_rows}


def dvtools_pass(path: str, workers: int | None) -> dict:
    """compute_statistics, streaming."""
    from dvtools.statistics import compute_statistics

    t0 = time.perf_counter()
    stats = compute_statistics(path, workers=workers)
    return {"wall": time.perf_counter() - t0, "rows": stats.num_examples}


def _child(args: argparse.Namespace) -> None:
    # Import time is excluded: only compute (and read) is measured.
    import pyarrow.parquet  # noqa: F401

    import dvtools.statistics  # noqa: F401

    if args.child == "bare":
        r = bare_pass(args.path)
    else:
        r = dvtools_pass(args.path, args.workers)
    r["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(r))


def _run(kind: str, path: str, workers: int | None = None, repeat: int = 1) -> dict:
    """Best (lowest wall) of ``repeat`` runs, each in its own process (the machine may be shared)."""
    cmd = [sys.executable, __file__, "--child", kind, "--path", path]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    runs = []
    for _ in range(repeat):
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=HERE.parent)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda r: r["wall"])


def _ensure_data(rows: int, data_dir: Path, need_csv: bool) -> None:
    pq_path = data_dir / f"data_{rows}.parquet"
    csv_path = data_dir / f"data_{rows}.csv"
    if pq_path.exists() and (csv_path.exists() or not need_csv):
        return
    if not MAKE_DATA.exists():
        sys.exit(f"benchmark data generator not found: {MAKE_DATA}")
    cmd = [sys.executable, str(MAKE_DATA), str(rows), str(data_dir)]
    if not need_csv:
        cmd.append("--no-csv")
    print(f"generating {rows:,} rows into {data_dir} ...", file=sys.stderr)
    subprocess.run(cmd, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--data-dir", default=str(HERE / "data"))
    ap.add_argument("--formats", nargs="+", default=["parquet"], choices=["parquet", "csv"])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is shown")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child == "dvtools" and args.workers:
            args.workers = args.workers[0]
        _child(args)
        return
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"{'data':<28} {'run':<22} {'wall s':>8} {'rows/s':>12} {'peak RSS MB':>12} {'x bare':>7}")
    for rows in args.rows:
        _ensure_data(rows, data_dir, "csv" in args.formats)
        for fmt in args.formats:
            path = str(data_dir / f"data_{rows}.{fmt}")
            label = f"{rows:,} rows {fmt} ({os.path.getsize(path) / 1e6:,.0f} MB)"
            bare = _run("bare", path, repeat=args.repeat)
            print(f"{label:<28} {'bare pyarrow pass':<22} {bare['wall']:>8.2f} {rows / bare['wall']:>12,.0f} "
                  f"{bare['peak_rss_mb']:>12,.0f} {1.0:>7.2f}   (read {bare['read']:.2f} s + compute "
                  f"{bare['compute']:.2f} s)", flush=True)
            for w in args.workers:
                r = _run("dvtools", path, w, repeat=args.repeat)
                print(f"{label:<28} {f'dvtools ({w} thread' + ('s)' if w > 1 else ')'):<22} {r['wall']:>8.2f} "
                      f"{rows / r['wall']:>12,.0f} {r['peak_rss_mb']:>12,.0f} {r['wall'] / bare['wall']:>7.2f}",
                      flush=True)


if __name__ == "__main__":
    main()
