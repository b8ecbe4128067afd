"""Random threshold settings: validation's drift anomalies are exactly the engine's drifted features.

The settings cover every layer (policy, global method and thresholds, schema comparators by role,
per-feature overrides and "compare anyway"); the L-infinity the engine reports is checked against
category shares counted with pandas.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dvtools.comparison.comparators import CATEGORICAL_METHODS, NUMERIC_METHODS, TEST_METHODS, compare_statistics
from dvtools.demo import LABEL, demo_frames
from dvtools.schema import infer_schema
from dvtools.statistics.engine import compute_statistics
from dvtools.validation import FeatureThresholds, Thresholds, validate_statistics

DRIFT_TYPES = {"COMPARATOR_L_INFTY_HIGH", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "DISTRIBUTION_DRIFT"}


@functools.cache
def _demo() -> tuple:
    train, serve = demo_frames()
    return train, serve, compute_statistics(train), compute_statistics(serve)


def _threshold(method: str) -> st.SearchStrategy[float]:
    if method in TEST_METHODS:
        return st.floats(0.001, 0.2)
    return st.floats(0.0, 1.5)


@st.composite
def _settings(draw: st.DrawFn) -> tuple[Thresholds, dict[str, tuple[float | None, float | None]], str]:
    _, _, ref, _ = _demo()
    names = list(ref.features)
    methods = draw(st.dictionaries(st.sampled_from(sorted(set(CATEGORICAL_METHODS + NUMERIC_METHODS) - {"wasserstein"})),
                                   st.floats(0.001, 0.19), max_size=4))
    per_feature = draw(st.dictionaries(st.sampled_from(names), st.builds(
        FeatureThresholds, linf=st.none() | st.floats(0.0, 1.0), js=st.none() | st.floats(0.0, 1.0),
        compare=st.none() | st.booleans()), max_size=4))
    th = Thresholds(
        policy=draw(st.sampled_from(["auto", "tfdv"])),
        categorical_method=draw(st.none() | st.sampled_from(CATEGORICAL_METHODS)),
        numeric_method=draw(st.none() | st.sampled_from([m for m in NUMERIC_METHODS if m != "wasserstein"])),
        linf=draw(st.none() | st.floats(0.0, 1.0)), js=draw(st.none() | st.floats(0.0, 1.0)),
        methods=methods, per_feature=per_feature,
    )
    schema_thresholds = draw(st.dictionaries(st.sampled_from(names), st.tuples(
        st.none() | st.floats(0.0, 1.0), st.none() | st.floats(0.0, 1.0)), max_size=4))
    comparator = draw(st.sampled_from(["drift", "skew"]))
    return th, schema_thresholds, comparator


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_settings())
def test_random_settings_give_one_drifted_set(setting) -> None:  # noqa: ANN001
    th, schema_thresholds, comparator = setting
    train, serve, ref, cur = _demo()
    schema = infer_schema(ref, label=LABEL)
    for name, (linf, js) in schema_thresholds.items():
        kw = {f"{comparator}_linf": linf, f"{comparator}_js": js}
        schema.feature(name).set_threshold(**{k: v for k, v in kw.items() if v is not None})
    anomalies = validate_statistics(cur, schema, reference=ref, environment="SERVING", thresholds=th,
                                    comparator=comparator)
    comparison = compare_statistics(ref, cur, schema=schema, environment="SERVING", comparator=comparator,
                                    **th.comparison_options())
    assert {a.feature for a in anomalies if a.type in DRIFT_TYPES} == {f.feature for f in comparison.drifted}
    for f in comparison.features:
        assert f.verdict == f.spec.verdict(f.statistic)
        o = th.per_feature.get(f.feature)
        tfdv = "l_infinity" if f.kind == "categorical" else "jensen_shannon_divergence"
        if o is not None and (o.linf if f.kind == "categorical" else o.js) is not None:
            assert (f.threshold_source, f.primary_method) == ("override", tfdv)
        elif f.feature in schema_thresholds and schema_thresholds[f.feature][f.kind != "categorical"] is not None:
            assert (f.threshold_source, f.primary_method) == ("schema", tfdv)
        if f.primary_method == "l_infinity" and f.feature in train and train[f.feature].dtype == object:
            p = train[f.feature].value_counts(normalize=True)
            q = serve[f.feature].value_counts(normalize=True)
            expected = float(np.max(np.abs(p.reindex(p.index.union(q.index), fill_value=0)
                                           - q.reindex(p.index.union(q.index), fill_value=0))))
            assert abs(f.statistic - expected) < 1e-9
    # Identifiers and timestamps are not compared unless a per-feature setting says so.
    for name in ("runner_id", "run_date"):
        forced = th.per_feature.get(name) is not None and th.per_feature[name].compare
        assert (name in comparison) == bool(forced)
