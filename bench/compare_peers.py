#!/usr/bin/env python3
"""dvtools next to other data-profiling tools, whole process, start-up included (figures, not a test).

    python bench/compare_peers.py [--rows 1000000 10000000] [--data-dir /tmp/benchdata]
        [--formats parquet csv] [--tools dvtools pyarrow duckdb ...] [--repeat 3] [--markdown]

Every figure is a whole process as a user or a CI job waits for it: interpreter start, imports,
reading the file and the tool's work. Per tool and file: wall seconds, CPU seconds (user + system,
children included), peak RSS of the process tree, and "start-up": the same command on a 3-row file
with the same columns (written next to the data as ``tiny_<N>.<fmt>``), i.e. what the tool costs
before it reads any data. Fast tools run ``--repeat`` times, alternated (dvtools, bare pass, dvtools,
...) so a load spike on a shared machine hits both; the median is shown. Tools:

* ``dvtools``       ``dvtools stats FILE -o out.json``: the CLI, all figures (quantiles, histograms,
                    top-k, distinct counts, lengths, sketches), streaming, 2 threads on 2 cores
* ``dvtools-1``     the same with one fold thread (``--workers 1``): the threads' speed-up
* ``dvtools-dask``  ``dvtools stats --engine dask``: a LocalCluster of 2 worker processes
* ``pyarrow``       the bare pass: read the whole table, then per column count, nulls, min, max,
                    mean and value_counts of strings (pyarrow only; the floor for any tool)
* ``duckdb``        ``SUMMARIZE SELECT * FROM read_parquet(...)`` / ``read_csv(...)``
* ``polars``        ``pl.read_parquet(...)`` / ``read_csv`` then ``DataFrame.describe()``
* ``whylogs``       ``why.log(df).view().to_pandas()`` on ``pandas.read_parquet`` / ``read_csv``
* ``evidently``     ``Report([DataSummaryPreset()]).run(df, None)`` on a pandas frame
* ``tfdv``          ``tfdv.generate_statistics_from_dataframe(df)`` (timestamps as int64: TFDV has no
                    timestamp type)

The peers live in their own virtual environments, because their pins clash with dvtools' and with
each other's; ``/tmp/peers/<tool>/bin/python`` is used (or ``--peer-python TOOL=PATH``, or the
environment variable ``DVTOOLS_PEER_<TOOL>``). A peer without an interpreter prints "not
installed". The environments (Python 3.11, against PyPI)::

    python3.11 -m venv /tmp/peers/duckdb    && /tmp/peers/duckdb/bin/pip install "duckdb>=1.1" pyarrow pandas
    python3.11 -m venv /tmp/peers/polars    && /tmp/peers/polars/bin/pip install polars pyarrow
    python3.11 -m venv /tmp/peers/whylogs   && /tmp/peers/whylogs/bin/pip install whylogs "numpy<2" "pandas<2.3" "pyarrow<21"
    python3.11 -m venv /tmp/peers/evidently && /tmp/peers/evidently/bin/pip install evidently pyarrow "pandas<3"
    python3.11 -m venv /tmp/peers/tfdv      && /tmp/peers/tfdv/bin/pip install \\
        tensorflow-data-validation==1.16.1 tensorflow==2.16.2 pyarrow==10.0.1 numpy==1.26.4 \\
        pandas==1.5.3 apache-beam==2.61.0 protobuf==4.25.5

(whylogs 1.6.4 needs numpy < 2 (``np.unicode_``); evidently 0.7 fails to import with pandas 3.)
dvtools and the bare pass run with this interpreter. Peers that load the whole dataset into pandas
are skipped at the larger size when the smaller run predicts (linearly) more than ``--limit``
seconds or ``--mem-limit-gb`` of memory; the estimate is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TOOLS = ("dvtools", "dvtools-1", "dvtools-dask", "pyarrow", "duckdb", "polars", "whylogs", "evidently", "tfdv")
DEFAULT_TOOLS = ("dvtools", "dvtools-1", "pyarrow", "duckdb", "polars", "whylogs", "evidently", "tfdv")
OWN = ("dvtools", "dvtools-1", "dvtools-dask", "pyarrow")
FAST = ("dvtools", "dvtools-1", "pyarrow", "duckdb", "polars")
LABELS = {
    "dvtools": "dvtools stats (2 threads)",
    "dvtools-1": "dvtools stats (1 thread)",
    "dvtools-dask": "dvtools stats --engine dask",
    "pyarrow": "bare pyarrow pass",
    "duckdb": "DuckDB SUMMARIZE",
    "polars": "polars describe()",
    "whylogs": "whylogs why.log(df)",
    "evidently": "Evidently DataSummaryPreset",
    "tfdv": "TFDV from_dataframe",
}


# ---- children: one tool, one file, in this process; print {"rows": N, "version": V} last --------

def _pandas_frame(path: str):  # noqa: ANN202 - runs in the peers' environments
    import pandas as pd

    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)


def run_tool(tool: str, path: str) -> dict:
    """Run one tool on one file (in this process, the peer's environment)."""
    if tool == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        table = pq.read_table(path) if path.endswith(".parquet") else pacsv.read_csv(path)
        for name in table.column_names:
            col = table.column(name)
            _ = (len(col), col.null_count)
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                pc.value_counts(col)
            elif not pa.types.is_boolean(col.type):
                pc.min_max(col)
                if not pa.types.is_timestamp(col.type):
                    pc.mean(col)
        return {"rows": table.num_rows, "version": pa.__version__}
    if tool == "duckdb":
        import duckdb

        src = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
        rel = duckdb.sql(f"SUMMARIZE SELECT * FROM {src}")
        names = [d[0] for d in rel.description]
        rows = rel.fetchall()
        return {"rows": int(rows[0][names.index("count")]), "version": duckdb.__version__}
    if tool == "polars":
        import polars as pl

        df = pl.read_parquet(path) if path.endswith(".parquet") else pl.read_csv(path, try_parse_dates=True)
        df.describe()
        return {"rows": df.height, "version": pl.__version__}
    if tool == "whylogs":
        import whylogs
        import whylogs as why

        df = _pandas_frame(path)
        why.log(df).view().to_pandas()
        return {"rows": len(df), "version": whylogs.__version__}
    if tool == "evidently":
        import evidently
        from evidently import Report
        from evidently.presets import DataSummaryPreset

        df = _pandas_frame(path)
        snapshot = Report([DataSummaryPreset()]).run(df, None)
        snapshot.dict()
        return {"rows": len(df), "version": evidently.__version__}
    if tool == "tfdv":
        import tensorflow_data_validation as tfdv

        df = _pandas_frame(path)
        for col in df.columns:
            if str(df[col].dtype).startswith("datetime64"):
                df[col] = df[col].astype("int64")
        stats = tfdv.generate_statistics_from_dataframe(df)
        return {"rows": int(stats.datasets[0].num_examples), "version": tfdv.__version__}
    raise SystemExit(f"unknown tool {tool!r}")


# ---- parent: run whole processes, sample memory, tabulate ---------------------------------------

def _tree_rss_mb(root: int) -> float:
    """Total RSS (MB) of ``root`` and all its descendants, from /proc (Dask and Beam start processes)."""
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
        parents[int(entry)] = int(stat[stat.rfind(")") + 2:].split()[1])
        rss[int(entry)] = pages
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(p, 0) for p in tree) * os.sysconf("SC_PAGE_SIZE") / 1e6


def command(tool: str, python: str, path: str, out_dir: str) -> tuple[list[str], dict[str, str]]:
    """The whole-process command line of ``tool`` on ``path`` and its extra environment."""
    env = {"PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"}
    if tool.startswith("dvtools"):
        cmd = [python, "-m", "dvtools.cli", "stats", path, "-o", os.path.join(out_dir, "stats.json")]
        if tool == "dvtools-dask":
            cmd += ["--engine", "dask"]
        if tool == "dvtools-1":
            cmd += ["--workers", "1"]
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
        return cmd, env
    return [python, str(Path(__file__).resolve()), "--child", tool, "--path", path], env


def run_process(tool: str, python: str, path: str, timeout: float) -> dict:
    """One whole-process run: wall, CPU (user+sys of the process and its children), peak tree RSS, rows."""
    with tempfile.TemporaryDirectory() as out_dir:
        cmd, extra = command(tool, python, path, out_dir)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=out_dir,
                                env={**os.environ, **extra})
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                proc.communicate()
                _last_child_usage()
                return {"error": f"timeout after {timeout:.0f} s"}
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        out, err = proc.communicate()
        usage = _last_child_usage()
        if proc.returncode not in (0,):
            lines = [ln for ln in err.decode(errors="replace").strip().splitlines() if ln.strip()]
            return {"error": f"failed: {lines[-1][:160] if lines else f'exit {proc.returncode}'}"}
        if tool.startswith("dvtools"):
            with open(os.path.join(out_dir, "stats.json")) as f:
                r = {"rows": json.load(f)["num_examples"], "version": _dvtools_version()}
        else:
            r = json.loads(out.decode().strip().splitlines()[-1])
        r.update(wall=wall, cpu=usage["cpu"], peak_rss_mb=max(peak, usage["maxrss_mb"]))
        return r


_usage_before = [0.0]


def _last_child_usage() -> dict:
    """CPU seconds of the child just reaped (difference of RUSAGE_CHILDREN) and the children's max RSS."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = ru.ru_utime + ru.ru_stime
    cpu, _usage_before[0] = total - _usage_before[0], total
    return {"cpu": cpu, "maxrss_mb": 0.0}  # ru_maxrss is the max over all children so far: use the sampler


def _dvtools_version() -> str:
    sys.path.insert(0, str(ROOT))
    import dvtools

    return dvtools.__version__


def tiny_copy(path: Path, rows: int = 3) -> Path:
    """A ``rows``-row file with the same columns and format next to ``path`` (for start-up alone)."""
    out = path.with_name(f"tiny_{path.name}")
    if out.exists():
        return out
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        pq.write_table(pq.ParquetFile(path).read_row_group(0).slice(0, rows), out)
    else:
        with open(path, "rb") as f:
            lines = [f.readline() for _ in range(rows + 1)]
        out.write_bytes(b"".join(lines))
        pacsv.read_csv(out)  # a valid CSV
    return out


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


def _median_run(runs: list[dict]) -> dict:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    r = dict(min(ok, key=lambda x: abs(x["wall"] - statistics.median(y["wall"] for y in ok))))
    for key in ("wall", "cpu", "peak_rss_mb"):
        r[key] = statistics.median(x[key] for x in ok)
    r["runs"] = len(ok)
    return r


def machine() -> str:
    """CPU model, cores, memory and the load average (the machine may be shared)."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), model)
        with open("/proc/meminfo") as f:
            mem = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1]) / 2**20
    except (OSError, StopIteration):
        mem = float("nan")
    load = os.getloadavg()
    return (f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {sys.version.split()[0]}; "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--data-dir", default="/tmp/benchdata")
    ap.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv"])
    ap.add_argument("--tools", nargs="+", default=list(DEFAULT_TOOLS), choices=TOOLS)
    ap.add_argument("--peer-python", action="append", default=[], metavar="TOOL=PATH")
    ap.add_argument("--limit", type=float, default=600.0, help="skip a slow peer predicted to take longer (s)")
    ap.add_argument("--mem-limit-gb", type=float, default=16.0, help="skip a peer predicted to need more")
    ap.add_argument("--timeout", type=float, default=1500.0, help="kill a run after this many seconds")
    ap.add_argument("--repeat", type=int, default=3, help="alternated runs of the fast tools; the median is shown")
    ap.add_argument("--startup-repeat", type=int, default=3, help="runs of each tool on the 3-row file")
    ap.add_argument("--markdown", action="store_true", help="also print the table as Markdown (for the README)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_tool(args.child, args.path)))
        return
    pythons = peer_pythons(args.peer_python)
    print(f"machine: {machine()}", flush=True)
    header = (f"{'data':<24} {'tool':<28} {'version':<8} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} "
              f"{'start s':>7} {'x bare':>6}")
    print(header, flush=True)
    table: list[list[str]] = []
    previous: dict[tuple[str, str], tuple[int, dict]] = {}
    for rows in sorted(args.rows):
        for fmt in args.formats:
            path = Path(args.data_dir) / f"data_{rows}.{fmt}"
            if not path.exists():
                print(f"{rows:,} {fmt}: {path} not found (make it with ../shared/bench/make_data.py)", flush=True)
                continue
            tiny = tiny_copy(path)
            label = f"{rows / 1e6:g}M {fmt} ({path.stat().st_size / 1e6:,.0f} MB)"
            tools = [t for t in args.tools if pythons[t] is not None]
            for t in args.tools:
                if pythons[t] is None:
                    print(f"{label:<24} {LABELS[t]:<28} not installed", flush=True)
            skip: dict[str, str] = {}
            for t in tools:
                prev = previous.get((t, fmt))
                if prev is not None and t not in FAST and "wall" in prev[1]:
                    scale = rows / prev[0]
                    est_s, est_gb = prev[1]["wall"] * scale, prev[1]["peak_rss_mb"] * scale / 1000
                    if est_s > args.limit or est_gb > args.mem_limit_gb:
                        skip[t] = (f"skipped: {prev[0] / 1e6:g}M rows took {prev[1]['wall']:.0f} s and "
                                   f"{prev[1]['peak_rss_mb']:,.0f} MB, so ~{est_s:,.0f} s and ~{est_gb:.0f} GB here")
            runs: dict[str, list[dict]] = {t: [] for t in tools}
            for i in range(args.repeat):  # alternated: dvtools, bare, duckdb, ..., dvtools, bare, ...
                for t in tools:
                    if t in skip or (i > 0 and t not in FAST):
                        continue
                    runs[t].append(run_process(t, pythons[t], str(path), args.timeout))
            for t in tools:
                head = f"{label:<24} {LABELS[t]:<28}"
                if t in skip:
                    print(f"{head} {skip[t]}", flush=True)
                    table.append([label, LABELS[t], "", "", "", "", "", skip[t]])
                    continue
                r = _median_run(runs[t])
                previous[(t, fmt)] = (rows, r)
                if "error" in r:
                    print(f"{head} {r['error']}", flush=True)
                    table.append([label, LABELS[t], "", "", "", "", "", r["error"]])
                    continue
                starts = [run_process(t, pythons[t], str(tiny), args.timeout)
                          for _ in range(args.startup_repeat if t in FAST else 1)]
                start = _median_run(starts)
                r["start"] = start.get("wall", float("nan"))
                ratio = ""
                note = "" if r["rows"] == rows else f"  ({r['rows']:,} rows!)"
                results_line = (f"{head} {str(r.get('version', ''))[:8]:<8} {r['wall']:>7.2f} {r['cpu']:>7.2f} "
                                f"{r['peak_rss_mb']:>8,.0f} {r['start']:>7.2f} {ratio:>6}{note}")
                print(results_line, flush=True)
                table.append([label, LABELS[t], str(r.get("version", "")), f"{r['wall']:.2f}", f"{r['cpu']:.2f}",
                              f"{r['peak_rss_mb']:,.0f}", f"{r['start']:.2f}", note.strip(), t, r])
            bare = next((row[-1] for row in table if len(row) == 10 and row[0] == label and row[8] == "pyarrow"), None)
            if bare:
                for row in table:
                    if len(row) == 10 and row[0] == label:
                        row[7] = (f"{row[-1]['wall'] / bare['wall']:.2f}x wall" + (f" {row[7]}" if row[7] else ""))
                ratios = {row[8]: row[7] for row in table if len(row) == 10 and row[0] == label}
                print(f"{label:<24} ratios to the bare pass: "
                      + ", ".join(f"{t} {v.split()[0]}" for t, v in ratios.items()), flush=True)
    print(f"machine at the end: {machine()}", flush=True)
    if args.markdown:
        print("\n| data | tool | version | wall s | CPU s | peak RSS MB | start-up s | vs bare pass |")
        print("|---|---|---|---:|---:|---:|---:|---|")
        for row in table:
            print("| " + " | ".join(row[:8]) + " |")


if __name__ == "__main__":
    main()
