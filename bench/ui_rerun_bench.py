#!/usr/bin/env python3
"""Dashboard rerun cost: the Anomalies page of ``app.py`` on a 100-feature training/serving pair.

    python bench/ui_rerun_bench.py [--features 100] [--rows 50000] [--reruns 20] [--profile FILE]

Builds a synthetic pair (half numeric, half categorical; ``--rows`` training rows, 40 % as many
serving rows, a third of the features drifted, a few with new categories, missing values and
out-of-range values), loads it into a Streamlit ``AppTest`` of ``app.py`` the way the AppTests do
(session state), opens the Anomalies page and runs it once so every cache is warm. Then, under the
``tfdv`` policy, it moves the L-infinity slider (``cmp_thr_categorical_l_infinity``) ``--reruns``
times to different values, timing each rerun, does the same with the Jensen-Shannon slider
(``cmp_thr_numeric_jensen_shannon_divergence``), and edits the schema ``--reruns`` times through
session state as the Schema page does (a new schema and schema version). It prints the median, 90th
percentile and maximum milliseconds per rerun of each, and the time of ``validate_statistics`` alone
on the same statistics (the floor of a threshold change: the drift/skew engine and the checks,
measured from scratch). Target: a threshold rerun under 300 ms for
100 features. ``--profile FILE`` writes a cProfile of the L-infinity reruns (``python -m pstats``).

Figures are printed, not asserted: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 300.0


def make_pair(features: int, rows: int, seed: int = 7) -> tuple[bytes, bytes]:
    """Training and serving data as Parquet bytes (as if uploaded): half numeric, half categorical."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_serve = max(1, rows * 2 // 5)
    train: dict[str, object] = {}
    serve: dict[str, object] = {}
    n_num = features // 2
    for j in range(n_num):
        drift = j % 3 == 0  # a third drifted
        loc, scale = rng.uniform(-50, 50), rng.uniform(1, 20)
        train[f"num_{j:03d}"] = rng.normal(loc, scale, rows)
        s = rng.normal(loc + (0.8 * scale if drift else 0.0), scale * (1.3 if drift else 1.0), n_serve)
        if j % 10 == 1:  # missing values appear in serving
            s[rng.random(n_serve) < 0.08] = np.nan
        serve[f"num_{j:03d}"] = s
    for j in range(features - n_num):
        k = 5 + j % 40
        cats = np.array([f"v{j:02d}_{i:02d}" for i in range(k + 3)])
        p = rng.dirichlet(np.ones(k))
        train[f"cat_{j:03d}"] = cats[rng.choice(k, rows, p=p)]
        if j % 3 == 0:  # drifted: shares shuffled, and a few new values
            q = rng.permutation(p)
            q = np.concatenate([q * 0.9, [0.05, 0.03, 0.02]])
            serve[f"cat_{j:03d}"] = cats[rng.choice(k + 3, n_serve, p=q / q.sum())]
        else:
            serve[f"cat_{j:03d}"] = cats[rng.choice(k, n_serve, p=p)]

    def parquet(columns: dict[str, object]) -> bytes:
        buf = io.BytesIO()
        pq.write_table(pa.table(columns), buf)
        return buf.getvalue()

    return parquet(train), parquet(serve)


def figures(ms: list[float]) -> str:
    """``median / p90 / max`` of a list of milliseconds."""
    s = sorted(ms)
    p90 = s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]
    return f"median {statistics.median(s):7.1f} ms   p90 {p90:7.1f} ms   max {s[-1]:7.1f} ms   (n={len(s)})"


def _timed(fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--reruns", type=int, default=20)
    p.add_argument("--profile", default=None, help="write a cProfile of the L-infinity reruns to this file")
    a = p.parse_args(argv)

    from streamlit.testing.v1 import AppTest

    from dvtools.schema.model import IntDomain
    from dvtools.ui import cache
    from dvtools.ui.analysis import ref_from_upload
    from dvtools.validation import validate_statistics

    t0 = time.perf_counter()
    train, serve = make_pair(a.features, a.rows)
    ref, cur = ref_from_upload("bench_training.parquet", train), ref_from_upload("bench_serving.parquet", serve)
    print(f"data: {a.features} features, {a.rows:,} training / {a.rows * 2 // 5:,} serving rows "
          f"({(time.perf_counter() - t0):.1f} s to make)")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["_server_args_applied"] = True  # pytest's (or this script's) arguments are not the app's
    at.session_state["dataset_reference"] = ref
    at.session_state["dataset_current"] = cur
    at.session_state["opt_environment"] = "SERVING"
    t0 = time.perf_counter()
    at.run()
    at.switch_page("pages/anomalies.py").run()
    cold = time.perf_counter() - t0
    assert not at.exception, at.exception
    at.button_group(key="cmp_policy").set_value("tfdv").run()  # TFDV's comparators: L-infinity and JS sliders
    assert not at.exception, at.exception
    warm = _timed(at.run)
    print(f"cold first run (statistics of both datasets, schema inference): {cold:.1f} s; warm rerun {warm:.0f} ms")

    values = [round(0.02 + 0.9 * i / max(1, a.reruns - 1), 2) for i in range(a.reruns)]
    values = values[1::2] + values[::2]  # jump around rather than sweep

    def move(key: str) -> list[float]:
        out = []
        for v in values:
            slider = at.number_input(key=key)  # threshold_input: an exact number box
            slider.set_value(v)
            out.append(_timed(at.run))
            assert not at.exception, at.exception
        return out

    profiler = None
    if a.profile:  # the script runs in the ScriptRunner's thread: profile there
        import cProfile

        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        profiler = cProfile.Profile()
        run_script = ScriptRunner._run_script

        def profiled(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            profiler.enable()
            try:
                return run_script(self, *args, **kwargs)
            finally:
                profiler.disable()

        ScriptRunner._run_script = profiled  # type: ignore[method-assign]
    linf = move("cmp_thr_categorical_l_infinity")
    if profiler is not None:
        ScriptRunner._run_script = run_script  # type: ignore[method-assign]
        profiler.dump_stats(a.profile)
    js = move("cmp_thr_numeric_jensen_shannon_divergence")

    edits = []
    for i in range(a.reruns):
        schema = at.session_state["schema"].copy()
        f = schema.feature("num_000")
        f.domain = IntDomain(-1000 - i, 1000 + i) if f.type.value == "INT" else None
        if f.domain is None:
            from dvtools.schema.model import FloatDomain

            f.domain = FloatDomain(-1000.0 - i, 1000.0 + i)
        at.session_state["schema"] = schema  # as state.set_schema does
        at.session_state["schema_origin"] = "edited"
        at.session_state["schema_version"] = at.session_state["schema_version"] + 1
        edits.append(_timed(at.run))
        assert not at.exception, at.exception

    rstats, cstats = cache.statistics_for(ref), cache.statistics_for(cur)
    schema, thresholds = at.session_state["schema"], at.session_state["thresholds"]
    found: list = []
    alone = [_timed(lambda: found.append(validate_statistics(cstats, schema, reference=rstats,
                                                             environment="SERVING", thresholds=thresholds)))
             for _ in range(a.reruns)]

    print(f"anomalies at the last thresholds: {len(found[-1])}")
    print(f"rerun after an L-infinity change:   {figures(linf)}")
    print(f"rerun after a Jensen-Shannon change: {figures(js)}")
    print(f"rerun after a schema edit:          {figures(edits)}")
    print(f"validate_statistics alone:          {figures(alone)}")
    worst = max(statistics.median(linf), statistics.median(js))
    verdict = "meets" if worst < TARGET_MS else "misses"
    print(f"threshold rerun median {worst:.0f} ms {verdict} the {TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
