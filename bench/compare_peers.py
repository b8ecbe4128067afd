#!/usr/bin/env python3
"""dvtools next to other data-profiling tools on the benchmark datasets (figures, not a test).

    python bench/compare_peers.py [--rows 1000000 10000000] [--data-dir /work/benchdata]
        [--formats parquet] [--peer-python duckdb=/tmp/peers/duckdb/bin/python ...] [--limit 600]
        [--repeat 3] [--tools dvtools duckdb ...]

Each tool runs in its own process, one after the other, on the same file: wall seconds (the tool's
own call, reading the file included, interpreter start and imports excluded), rows/s, peak RSS of
the whole process tree (sampled every 50 ms, plus the child's own ru_maxrss: Dask workers count),
and the ratios to dvtools (local). Tools:

* ``dvtools``        compute_statistics(path) (local engine, threads): all figures, streaming
* ``dvtools-dask``   compute_statistics(path, engine="dask"): 2 worker processes; the time includes
                     starting and closing the LocalCluster
* ``pyarrow``        the bare single pass of bench/stats_bench.py (read all, count/nulls/min/max/mean,
                     value_counts of strings): the floor
* ``duckdb``         SUMMARIZE SELECT * FROM read_parquet(...) / read_csv(...)
* ``whylogs``        why.log(df) on pandas.read_parquet / read_csv, then the profile view
* ``ydata``          ydata-profiling ProfileReport(df, minimal=True).get_description()
* ``tfdv``           tfdv.generate_statistics_from_dataframe(df) (timestamps passed as int64: TFDV has
                     no timestamp type)

This script installs nothing. The peers live in their own virtual environments (their pins clash
with dvtools' and with each other's); give each one's interpreter with ``--peer-python TOOL=PATH``
or the environment variable ``DVTOOLS_PEER_<TOOL>`` (e.g. ``DVTOOLS_PEER_DUCKDB``); by default
``/tmp/peers/<tool>/bin/python`` is used when it exists. A peer without an interpreter prints
"not installed". To make the environments (Python 3.11)::

    python3.11 -m venv /tmp/peers/duckdb  && /tmp/peers/duckdb/bin/pip install "duckdb>=1.1" pyarrow pandas
    python3.11 -m venv /tmp/peers/whylogs && /tmp/peers/whylogs/bin/pip install whylogs "numpy<2" "pandas<2.3" "pyarrow<21"
    python3.11 -m venv /tmp/peers/ydata   && /tmp/peers/ydata/bin/pip install ydata-profiling pyarrow
    python3.11 -m venv /tmp/peers/tfdv    && /tmp/peers/tfdv/bin/pip install \\
        tensorflow-data-validation==1.16.1 tensorflow==2.16.2 pyarrow==10.0.1 numpy==1.26.4 \\
        pandas==1.5.3 apache-beam==2.61.0 protobuf==4.25.5

(measured with duckdb 2.0.1 + pyarrow 26; whylogs 1.6.4, which needs numpy < 2 (``np.unicode_``), with
pandas 2.2.3 + pyarrow 20; ydata-profiling 4.18.4 + pandas 2.3.3; TFDV 1.16.1 with the pins above.)
dvtools, dvtools-dask and pyarrow run with this interpreter (dvtools installed with its dask extra).

At the larger sizes, the peers that load the whole dataset into pandas are skipped when the smaller
run predicts (linearly) more than ``--limit`` seconds (default 600) or more than ``--mem-limit-gb``
(default 20, on a 24 GiB machine) of memory, with the estimate in the output.
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

TOOLS = ("dvtools", "dvtools-dask", "pyarrow", "duckdb", "whylogs", "ydata", "tfdv")
OWN = ("dvtools", "dvtools-dask", "pyarrow")
FAST = ("dvtools", "dvtools-dask", "pyarrow", "duckdb")
LABELS = {
    "dvtools": "dvtools (local)",
    "dvtools-dask": "dvtools (dask, 2 workers)",
    "pyarrow": "bare pyarrow pass",
    "duckdb": "DuckDB SUMMARIZE",
    "whylogs": "whylogs why.log(df)",
    "ydata": "ydata-profiling minimal",
    "tfdv": "TFDV from_dataframe",
}


# ---- children: one tool, one file; print {"wall", "rows", "version"} as JSON on the last line ----

def _pandas_frame(path: str):  # noqa: ANN202 - runs in the peers' environments
    import pandas as pd

    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def run_tool(tool: str, path: str) -> dict:
    """Time one tool on one file (in this process)."""
    if tool in ("dvtools", "dvtools-dask"):
        import dvtools
        from dvtools.statistics import compute_statistics

        t0 = time.perf_counter()
        stats = compute_statistics(path, engine="dask" if tool == "dvtools-dask" else "local")
        return {"wall": time.perf_counter() - t0, "rows": stats.num_examples, "version": dvtools.__version__}
    if tool == "pyarrow":
        import pyarrow

        sys.path.insert(0, str(HERE))
        from stats_bench import bare_pass

        r = bare_pass(path)
        return {"wall": r["wall"], "rows": r["rows"], "version": pyarrow.__version__}
    if tool == "duckdb":
        import duckdb

        src = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
        con = duckdb.connect()
        t0 = time.perf_counter()
        rows = con.sql(f"SUMMARIZE SELECT * FROM {src}").fetchall()
        wall = time.perf_counter() - t0
        count_col = [d[0] for d in con.sql(f"SUMMARIZE SELECT * FROM {src} LIMIT 1").description].index("count")
        return {"wall": wall, "rows": int(rows[0][count_col]), "version": duckdb.__version__}
    if tool == "whylogs":
        import whylogs
        import whylogs as why

        t0 = time.perf_counter()
        df = _pandas_frame(path)
        view = why.log(df).view()
        view.to_pandas()
        return {"wall": time.perf_counter() - t0, "rows": len(df), "version": whylogs.__version__}
    if tool == "ydata":
        import ydata_profiling
        from ydata_profiling import ProfileReport

        t0 = time.perf_counter()
        df = _pandas_frame(path)
        ProfileReport(df, minimal=True, progress_bar=False).get_description()
        return {"wall": time.perf_counter() - t0, "rows": len(df), "version": ydata_profiling.__version__}
    if tool == "tfdv":
        import tensorflow_data_validation as tfdv

        t0 = time.perf_counter()
        df = _pandas_frame(path)
        for col in df.columns:
            if str(df[col].dtype).startswith("datetime64"):
                df[col] = df[col].astype("int64")
        stats = tfdv.generate_statistics_from_dataframe(df)
        rows = int(stats.datasets[0].num_examples)
        return {"wall": time.perf_counter() - t0, "rows": rows, "version": tfdv.__version__}
    raise SystemExit(f"unknown tool {tool!r}")


def _child(tool: str, path: str) -> None:
    r = run_tool(tool, path)
    r["own_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    r["children_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print(json.dumps(r))


# ---- parent: run, sample memory, tabulate ------------------------------------------------------

def _tree_rss_mb(root: int) -> float:
    """Total RSS (MB) of ``root`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(stat[stat.rfind(")") + 2:].split()[1])
        rss[pid] = pages
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    page = os.sysconf("SC_PAGE_SIZE")
    return sum(rss.get(p, 0) for p in tree) * page / 1e6


def run_child(python: str, tool: str, path: str, timeout: float) -> dict:
    """Run one tool in its own process; returns its figures or {"error": ...}."""
    cmd = [python, str(Path(__file__).resolve()), "--child", tool, "--path", path]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent,
                            env={**os.environ, "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"})
    peak = 0.0
    t0 = time.monotonic()
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        if time.monotonic() - t0 > timeout:
            subprocess.run(["pkill", "-TERM", "-P", str(proc.pid)], check=False)
            proc.kill()
            proc.communicate()
            return {"error": f"timeout after {timeout:.0f} s"}
        time.sleep(0.05)
    out, err = proc.communicate()
    if proc.returncode != 0:
        lines = [ln for ln in err.strip().splitlines() if ln.strip()]
        return {"error": f"failed: {lines[-1][:160] if lines else f'exit {proc.returncode}'}"}
    r = json.loads(out.strip().splitlines()[-1])
    r["peak_rss_mb"] = max(peak, r.pop("own_peak_rss_mb"), r.pop("children_peak_rss_mb"))
    return r


def peer_pythons(specs: list[str]) -> dict[str, str | None]:
    """Interpreter of each tool: --peer-python TOOL=PATH, DVTOOLS_PEER_<TOOL>, /tmp/peers/<tool>/bin/python."""
    given = {}
    for spec in specs:
        tool, sep, path = spec.partition("=")
        if not sep or tool not in TOOLS:
            raise SystemExit(f"--peer-python takes TOOL=PATH with TOOL in {', '.join(TOOLS)}: {spec!r}")
        given[tool] = path
    out: dict[str, str | None] = {}
    for tool in TOOLS:
        if tool in OWN:
            out[tool] = sys.executable
            continue
        path = given.get(tool) or os.environ.get(f"DVTOOLS_PEER_{tool.upper()}") or f"/tmp/peers/{tool}/bin/python"
        out[tool] = path if path and os.path.exists(path) else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--data-dir", default="/work/benchdata")
    ap.add_argument("--formats", nargs="+", default=["parquet"], choices=["parquet", "csv"])
    ap.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    ap.add_argument("--peer-python", action="append", default=[], metavar="TOOL=PATH")
    ap.add_argument("--limit", type=float, default=600.0, help="skip a peer predicted to take longer (s)")
    ap.add_argument("--mem-limit-gb", type=float, default=20.0, help="skip a peer predicted to need more")
    ap.add_argument("--timeout", type=float, default=1500.0, help="kill a run after this many seconds")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of the fast tools (dvtools, pyarrow, duckdb); the best is shown (shared machines)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.path)
        return
    pythons = peer_pythons(args.peer_python)
    print(f"{'data':<30} {'tool':<26} {'version':<9} {'wall s':>8} {'rows/s':>11} {'peak RSS MB':>11} "
          f"{'time x':>7} {'RSS x':>6}", flush=True)
    previous: dict[tuple[str, str], tuple[int, dict]] = {}
    for rows in sorted(args.rows):
        for fmt in args.formats:
            path = Path(args.data_dir) / f"data_{rows}.{fmt}"
            label = f"{rows:,} {fmt} ({path.stat().st_size / 1e6:,.0f} MB)" if path.exists() else ""
            if not path.exists():
                print(f"{rows:,} {fmt}: {path} not found (make it with ../shared/bench/make_data.py)")
                continue
            base: dict | None = None
            for tool in args.tools:
                head = f"{label:<30} {LABELS[tool]:<26}"
                python = pythons[tool]
                if python is None:
                    print(f"{head} not installed", flush=True)
                    continue
                prev = previous.get((tool, fmt))
                if prev is not None and tool not in FAST and "wall" in prev[1]:
                    scale = rows / prev[0]
                    est_s, est_gb = prev[1]["wall"] * scale, prev[1]["peak_rss_mb"] * scale / 1000
                    if est_s > args.limit or est_gb > args.mem_limit_gb:
                        print(f"{head} skipped: {prev[0]:,} rows took {prev[1]['wall']:.0f} s and "
                              f"{prev[1]['peak_rss_mb']:,.0f} MB, so ~{est_s:,.0f} s and ~{est_gb:.0f} GB here "
                              f"(limits {args.limit:.0f} s, {args.mem_limit_gb:.0f} GB)", flush=True)
                        continue
                runs = [run_child(python, tool, str(path), args.timeout)
                        for _ in range(args.repeat if tool in FAST else 1)]
                ok = [x for x in runs if "error" not in x]
                r = min(ok, key=lambda x: x["wall"]) if ok else runs[0]
                previous[(tool, fmt)] = (rows, r)
                if "error" in r:
                    print(f"{head} {r['error']}", flush=True)
                    continue
                if tool == "dvtools":
                    base = r
                tx = f"{r['wall'] / base['wall']:>7.2f}" if base else f"{'':>7}"
                rx = f"{r['peak_rss_mb'] / base['peak_rss_mb']:>6.2f}" if base else f"{'':>6}"
                print(f"{head} {str(r.get('version', ''))[:9]:<9} {r['wall']:>8.2f} {r['rows'] / r['wall']:>11,.0f} "
                      f"{r['peak_rss_mb']:>11,.0f} {tx} {rx}" + ("" if r["rows"] == rows else f"  ({r['rows']:,} rows!)"),
                      flush=True)


if __name__ == "__main__":
    main()
