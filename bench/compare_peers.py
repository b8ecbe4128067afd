#!/usr/bin/env python3
"""dvtools next to other data-profiling tools, whole process, start-up included (figures, not a test).

    python bench/compare_peers.py [--sizes 1M 10M] [--data-dir /tmp/benchdata] [--formats parquet csv]
        [--tools dvtools dvtools-1 pyarrow duckdb polars whylogs evidently tfdv] [--reps 3]
    python bench/compare_peers.py --startup      # import dvtools, --version, stats/validate of 3 rows

It prints each run as it ends, then one table of medians and the same table in Markdown for the
README, with the machine, the load average during the runs and how long the benchmark took.

Every figure is a whole process as a user or a CI job waits for it: interpreter start, imports,
reading the file and the tool's work. Per tool and file: wall seconds, CPU seconds (user + system,
children included), peak RSS of the process tree, and "start-up": the same command on a 3-row file
with the same columns (written next to the data as ``tiny_<N>.<fmt>``), i.e. what the tool costs
before it reads any data (also run once beforehand, uncounted, to warm bytecode and page caches).
Fast tools run ``--reps`` times, alternated (dvtools, bare pass, ..., then in reverse order) so a
load spike on a shared machine hits all of them; the median is shown. Tools:

* ``dvtools``       ``dvtools stats FILE -o out.json --workers 2``: the CLI, all figures (quantiles,
                    histograms, top-k, distinct counts, lengths, sketches), streaming, 2 fold workers
                    (worker processes for the CSV files: CPU and memory are the whole process tree's)
* ``dvtools-1``     the same with one fold worker (``--workers 1``): the table shows 2 workers' speed-up
* ``dvtools-dask``  ``dvtools stats --engine dask``: a LocalCluster of 2 worker processes
* ``pyarrow``       the bare pass: read the whole table, then per column count, nulls, min, max,
                    mean and value_counts of strings (pyarrow only; the floor for any tool). It runs
                    with ``ARROW_DEFAULT_MEMORY_POOL=system``, the allocator the dvtools CLI picks
                    (``dvtools._arrow.choose_memory_pool``): pyarrow's default (mimalloc) purges pages
                    and costs 1-4 s of system time per 1M rows on this VM, which made the floor erratic
                    (1.5-5 s at 1M rows) and the ratio unfair either way
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
    "dvtools": "dvtools stats (2 workers)",
    "dvtools-1": "dvtools stats (1 worker)",
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
        if tool in ("dvtools", "dvtools-1"):
            cmd += ["--workers", "1" if tool == "dvtools-1" else "2"]
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
        return cmd, env
    if tool == "pyarrow":
        env["ARROW_DEFAULT_MEMORY_POOL"] = os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or "system"  # as dvtools'
    return [python, str(Path(__file__).resolve()), "--child", tool, "--path", path], env


def run_process(tool: str, python: str, path: str, timeout: float) -> dict:
    """One whole-process run: wall, CPU (user+sys of the process and its children), peak tree RSS, rows."""
    with tempfile.TemporaryDirectory() as out_dir:
        cmd, extra = command(tool, python, path, out_dir)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=out_dir,
                                env={**child_env(), **extra})
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


def startup_table(repeat: int) -> list[tuple[str, float, float]]:
    """Whole-process (median wall, median CPU) of dvtools' quick commands next to ``python -c pass``."""
    with tempfile.TemporaryDirectory() as d:
        tiny = os.path.join(d, "tiny.csv")
        with open(tiny, "w") as f:
            f.write("a,b,c\n1,x,2.5\n2,y,3.5\n3,z,\n")
        env = {**child_env(), "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        cli = [sys.executable, "-m", "dvtools.cli"]
        subprocess.run([*cli, "schema", "infer", tiny, "-o", os.path.join(d, "schema.json")], check=True,
                       capture_output=True, env=env)
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("python -c 'import dvtools'", [sys.executable, "-c", "import dvtools"]),
            ("dvtools --version", [*cli, "--version"]),
            ("dvtools stats tiny.csv (3 rows)", [*cli, "stats", tiny, "-o", os.path.join(d, "s.json")]),
            ("dvtools validate tiny.csv --schema", [*cli, "validate", tiny, "--schema", os.path.join(d, "schema.json")]),
        ]
        out = []
        for _, cmd in cases:  # warm-up (bytecode cache), not counted
            subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=d)
        _last_child_usage()
        for label, cmd in cases:
            walls, cpus = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=d)
                walls.append(time.perf_counter() - t0)
                cpus.append(_last_child_usage()["cpu"])
            out.append((label, statistics.median(walls), statistics.median(cpus)))
        return out


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


def _size(text: str) -> int:
    """``1M``, ``10M``, ``500k`` or a number of rows."""
    t = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    try:
        return int(float(t[:-1] if scale > 1 else t) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 1M, 10M or 1000000)") from None


def child_env() -> dict[str, str]:
    """The environment of every measured process: bytecode cached as after ``pip install``.

    Installed packages have their ``.pyc`` files; a source checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would compile dvtools on every start (~0.1 s). The caches go to a
    directory under /tmp (``PYTHONPYCACHEPREFIX``), not into the repository.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "dvtools-bench-pycache")
    return env


def _fmt_ratio(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", "--rows", dest="sizes", type=_size, nargs="+", default=[1_000_000, 10_000_000],
                    help="rows of the benchmark files: 1M 10M (data_<rows>.<format> in --data-dir)")
    ap.add_argument("--data-dir", default="/tmp/benchdata")
    ap.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv"])
    ap.add_argument("--tools", nargs="+", default=list(DEFAULT_TOOLS), choices=TOOLS)
    ap.add_argument("--peer-python", action="append", default=[], metavar="TOOL=PATH")
    ap.add_argument("--limit", type=float, default=600.0, help="skip a slow peer predicted to take longer (s)")
    ap.add_argument("--mem-limit-gb", type=float, default=16.0, help="skip a peer predicted to need more")
    ap.add_argument("--timeout", type=float, default=1500.0, help="kill a run after this many seconds")
    ap.add_argument("--reps", "--repeat", dest="reps", type=int, default=3,
                    help="alternated runs of the fast tools (slow peers run once); the median is shown")
    ap.add_argument("--startup-reps", "--startup-repeat", dest="startup_reps", type=int, default=3,
                    help="runs of each fast tool on the 3-row file (start-up alone)")
    ap.add_argument("--markdown", action="store_true", help=argparse.SUPPRESS)  # always printed now
    ap.add_argument("--startup", action="store_true",
                    help="only time dvtools' quick commands (import, --version, stats/validate of a 3-row file)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_tool(args.child, args.path)))
        return
    pythons = peer_pythons(args.peer_python)
    print(f"machine: {machine()}", flush=True)
    print("every figure: one whole process (interpreter start, imports, read, work); CPU = user + system of the "
          "process tree; peak RSS of the process tree; load = 1-min load average when the run started", flush=True)
    if args.startup:
        _last_child_usage()
        print(f"{'command (whole process)':<38} {'median wall s':>13} {'CPU s':>7}   ({args.startup_reps * 2} runs each)")
        for label, wall, cpu in startup_table(args.startup_reps * 2):
            print(f"{label:<38} {wall:>13.3f} {cpu:>7.3f}", flush=True)
        print(f"machine at the end: {machine()}", flush=True)
        return
    t_begin = time.perf_counter()
    loads: list[float] = []
    rows_out: list[dict] = []  # one per (file, tool)
    previous: dict[tuple[str, str], tuple[int, dict]] = {}
    for rows in sorted(args.sizes):
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
                    rows_out.append({"data": label, "tool": t, "note": "not installed"})
            skip: dict[str, str] = {}
            for t in tools:
                prev = previous.get((t, fmt))
                if prev is not None and t not in FAST and "wall" in prev[1]:
                    scale = rows / prev[0]
                    est_s, est_gb = prev[1]["wall"] * scale, prev[1]["peak_rss_mb"] * scale / 1000
                    if est_s > args.limit or est_gb > args.mem_limit_gb:
                        skip[t] = (f"skipped: {prev[0] / 1e6:g}M rows took {prev[1]['wall']:.0f} s and "
                                   f"{prev[1]['peak_rss_mb']:,.0f} MB, so ~{est_s:,.0f} s and ~{est_gb:.0f} GB here")
            # Start-up alone first (the 3-row file): also warms the bytecode and page caches of every tool.
            starts: dict[str, dict] = {}
            for t in tools:
                if t in skip:
                    continue
                run_process(t, pythons[t], str(tiny), args.timeout)  # warm-up, not counted
                starts[t] = _median_run([run_process(t, pythons[t], str(tiny), args.timeout)
                                         for _ in range(args.startup_reps if t in FAST else 1)])
            runs: dict[str, list[dict]] = {t: [] for t in tools}
            for i in range(args.reps):  # alternated: dvtools, dvtools-1, bare, duckdb, ..., dvtools, ...
                order = tools if i % 2 == 0 else tools[::-1]
                for t in order:
                    if t in skip or (i > 0 and t not in FAST):
                        continue
                    loads.append(os.getloadavg()[0])
                    r = run_process(t, pythons[t], str(path), args.timeout)
                    r["load"] = loads[-1]
                    runs[t].append(r)
                    if "error" not in r:
                        print(f"  {label} {t}: wall {r['wall']:.2f} s, CPU {r['cpu']:.2f} s, "
                              f"{r['peak_rss_mb']:,.0f} MB (load {r['load']:.1f})", flush=True)
            for t in tools:
                out = {"data": label, "tool": t}
                if t in skip:
                    out["note"] = skip[t]
                    rows_out.append(out)
                    continue
                r = _median_run(runs[t])
                previous[(t, fmt)] = (rows, r)
                if "error" in r:
                    out["note"] = r["error"]
                    rows_out.append(out)
                    continue
                s = starts.get(t, {})
                out.update(version=str(r.get("version", "")), wall=r["wall"], cpu=r["cpu"], rss=r["peak_rss_mb"],
                           start_wall=s.get("wall"), start_cpu=s.get("cpu"), n=r.get("runs", 1),
                           load=statistics.median(x["load"] for x in runs[t] if "load" in x),
                           note="" if r["rows"] == rows else f"{r['rows']:,} rows!")
                rows_out.append(out)
            bare = next((o for o in rows_out if o["data"] == label and o["tool"] == "pyarrow" and "wall" in o), None)
            one = next((o for o in rows_out if o["data"] == label and o["tool"] == "dvtools-1" and "wall" in o), None)
            for o in rows_out:
                if o["data"] == label and "wall" in o:
                    o["x_bare"] = o["wall"] / bare["wall"] if bare else None
                    o["x_bare_cpu"] = o["cpu"] / bare["cpu"] if bare else None
                    if o["tool"] == "dvtools" and one:
                        o["speedup"] = one["wall"] / o["wall"]
    elapsed = time.perf_counter() - t_begin
    _print_tables(rows_out, loads, elapsed)


def _print_tables(rows_out: list[dict], loads: list[float], elapsed: float) -> None:
    """The results as one plain table, then as a README-ready Markdown table with the machine and load."""
    head = ["data", "tool", "version", "wall s", "CPU s", "peak RSS MB", "start-up wall s", "start-up CPU s",
            "vs bare pass", "load", "runs"]
    table = []
    for o in rows_out:
        if "wall" not in o:
            table.append([o["data"], LABELS[o["tool"]], "", "", "", "", "", "", o.get("note", ""), "", ""])
            continue
        vs = ""
        if o.get("x_bare") is not None and o["tool"] != "pyarrow":
            vs = f"{o['x_bare']:.2f}x wall, {o['x_bare_cpu']:.2f}x CPU"
        if o.get("speedup") is not None:
            vs += f"; 2 workers {o['speedup']:.2f}x over 1"
        if o.get("note"):
            vs += f" ({o['note']})"
        table.append([o["data"], LABELS[o["tool"]], o["version"][:10], f"{o['wall']:.2f}", f"{o['cpu']:.2f}",
                      f"{o['rss']:,.0f}", "" if o["start_wall"] is None else f"{o['start_wall']:.2f}",
                      "" if o["start_cpu"] is None else f"{o['start_cpu']:.2f}", vs.strip("; "),
                      f"{o['load']:.1f}", str(o["n"])])
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(head)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    span = f"{min(loads):.1f}-{max(loads):.1f}" if loads else "n/a"
    print(f"\nmachine at the end: {machine()}; load average during the runs {span}; "
          f"benchmark took {elapsed / 60:.1f} min", flush=True)
    print(f"\nMachine: {machine().split('; load')[0]}; 1-min load average {span} during the runs.\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---", "---:", "---:"]) + "|")
    for r in table:
        print("| " + " | ".join(c.replace("|", "/") for c in r) + " |")


if __name__ == "__main__":
    main()
