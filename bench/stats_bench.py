#!/usr/bin/env python3
"""Speed and memory of ``compute_statistics`` next to a bare pyarrow pass (figures, not a test).

    python bench/stats_bench.py [--rows 1000000 10000000] [--data-dir /tmp/benchdata] [--formats parquet csv]
                                [--workers 1 2] [--repeat 3] [--upload] [--pii-overhead]

Generates the benchmark dataset with ``../shared/bench/make_data.py`` when missing, then runs
each measurement in its own process (so peak RSS is that run's alone), the runs of one file
alternated (bare, 1 thread, 2 threads, bare, ...) so that load on a shared machine hits all of
them, and prints the medians: wall and CPU seconds of the call (imports excluded: see
``compare_peers.py`` for whole processes), rows/s, peak RSS, the ratio to the bare pass and the
speed-up of N threads over one. ``--upload`` also times what the dashboard does with an uploaded
file: ``compute_statistics(bytes, name=...)`` on the whole file's bytes (CSV, already in memory).
``--pii-overhead`` also runs ``compute_statistics(detect_pii=False)`` alternated with the default
(personal-data tallies folded) and prints the overhead of detection in wall and CPU seconds.

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
import statistics
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

    t0, c0 = time.perf_counter(), time.process_time()
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
    return {"wall": total, "cpu": time.process_time() - c0, "read": t_read, "compute": total - t_read,
            "rows": table.num_rows}


def dvtools_pass(path: str, workers: int | None, upload: bool = False, detect_pii: bool = True) -> dict:
    """compute_statistics, streaming (``upload``: on the file's bytes, as the dashboard gets an upload)."""
    from dvtools.statistics import compute_statistics

    source = Path(path).read_bytes() if upload else path
    t0, c0 = time.perf_counter(), time.process_time()
    stats = compute_statistics(source, workers=workers, name=os.path.basename(path) if upload else None,
                               detect_pii=detect_pii)
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": stats.num_examples}


def _child(args: argparse.Namespace) -> None:
    # Import time is excluded: only compute (and read) is measured.
    import pyarrow.parquet  # noqa: F401

    import dvtools.statistics  # noqa: F401

    if args.child == "bare":
        r = bare_pass(args.path)
    else:
        r = dvtools_pass(args.path, args.workers, upload=args.child == "upload", detect_pii=args.child != "nopii")
    r["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(r))


def _run_once(kind: str, path: str, workers: int | None = None) -> dict:
    """One measurement in its own process."""
    cmd = [sys.executable, __file__, "--child", kind, "--path", path]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=HERE.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    r = dict(runs[0])
    for key in ("wall", "cpu", "peak_rss_mb", "read", "compute"):
        if key in r:
            r[key] = statistics.median(x[key] for x in runs)
    return r


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
    ap.add_argument("--data-dir", default="/tmp/benchdata")
    ap.add_argument("--formats", nargs="+", default=["parquet"], choices=["parquet", "csv"])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=3, help="alternated runs per measurement; the median is shown")
    ap.add_argument("--upload", action="store_true", help="also time compute_statistics on a CSV file's bytes")
    ap.add_argument("--pii-overhead", action="store_true", help="also run without personal-data detection")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child in ("dvtools", "upload", "nopii") and args.workers:
            args.workers = args.workers[0]
        _child(args)
        return
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; "
          f"medians of {args.repeat} alternated runs")
    print(f"{'data':<28} {'run':<24} {'wall s':>8} {'CPU s':>7} {'rows/s':>12} {'peak RSS MB':>12} {'x bare':>7} "
          f"{'x 1 thread':>10}")
    for rows in args.rows:
        _ensure_data(rows, data_dir, "csv" in args.formats)
        for fmt in args.formats:
            path = str(data_dir / f"data_{rows}.{fmt}")
            label = f"{rows:,} rows {fmt} ({os.path.getsize(path) / 1e6:,.0f} MB)"
            kinds = [("bare", None), *(("dvtools", w) for w in args.workers)]
            if args.upload and fmt == "csv":
                kinds.append(("upload", max(args.workers)))
            if args.pii_overhead:
                kinds += [("nopii", w) for w in args.workers]
            runs: dict[tuple[str, int | None], list[dict]] = {k: [] for k in kinds}
            for _ in range(args.repeat):
                for kind, w in kinds:
                    runs[(kind, w)].append(_run_once(kind, path, w))
            res = {k: _median(v) for k, v in runs.items()}
            bare = res[("bare", None)]
            one = res.get(("dvtools", 1))
            for (kind, w), r in res.items():
                name = ("bare pyarrow pass" if kind == "bare" else
                        f"dvtools ({w} thread{'s' if w and w > 1 else ''})" if kind == "dvtools" else
                        f"no PII detection ({w} thr.)" if kind == "nopii" else
                        f"upload bytes ({w} threads)")
                speed = f"{one['wall'] / r['wall']:>10.2f}" if one and kind == "dvtools" else f"{'':>10}"
                extra = (f"   (read {r['read']:.2f} s + compute {r['compute']:.2f} s)" if kind == "bare" else "")
                print(f"{label:<28} {name:<24} {r['wall']:>8.2f} {r['cpu']:>7.2f} {rows / r['wall']:>12,.0f} "
                      f"{r['peak_rss_mb']:>12,.0f} {r['wall'] / bare['wall']:>7.2f} {speed}{extra}", flush=True)
            for w in args.workers if args.pii_overhead else ():
                on, off = res[("dvtools", w)], res[("nopii", w)]
                print(f"{label:<28} PII detection overhead ({w} thread{'s' if w > 1 else ''}): wall "
                      f"{on['wall'] / off['wall'] - 1:+.1%}, CPU {on['cpu'] / off['cpu'] - 1:+.1%}", flush=True)


if __name__ == "__main__":
    main()
