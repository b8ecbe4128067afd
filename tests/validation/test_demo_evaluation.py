"""The demo's evaluation split: drawn like training, one mild planted drift (``device_os``), nothing of serving's.

Oracles: pandas value shares and scipy's Jensen-Shannon distance, independent of the engine.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon

from dvtools import demo
from dvtools.schema import infer_schema
from dvtools.schema.inference import mark_raters
from dvtools.statistics.engine import compute_statistics
from dvtools.validation import validate_statistics


@lru_cache(maxsize=1)
def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    train, _ = demo.demo_frames()
    return train, demo.evaluation_frame()


def _js(a: pd.Series, b: pd.Series) -> float:
    p, q = a.value_counts(normalize=True, dropna=False), b.value_counts(normalize=True, dropna=False)
    p, q = p.align(q, fill_value=0.0)
    return float(jensenshannon(p.to_numpy(), q.to_numpy(), base=2))


def test_evaluation_is_a_held_out_split_of_the_same_table():
    train, evaluation = _frames()
    assert len(evaluation) == demo.EVALUATION_ROWS
    assert list(evaluation.columns) == list(train.columns)  # the label and the raters too: it is labelled data
    assert (evaluation.dtypes == train.dtypes).all()
    assert not set(evaluation[demo.KEY]) & set(train[demo.KEY])  # held out: no training run in it
    assert set(evaluation["runner_id"]) <= set(train["runner_id"]) | set(demo.demo_frames()[1]["runner_id"])
    # The week after training's four weeks.
    assert evaluation[demo.TIMESTAMP].min() > train[demo.TIMESTAMP].max()
    assert (evaluation[demo.TIMESTAMP].max() - evaluation[demo.TIMESTAMP].min()).days == 6


def test_evaluation_is_deterministic_and_leaves_the_pair_alone():
    a, b = demo.evaluation_frame(), demo.evaluation_frame()
    pd.testing.assert_frame_equal(a, b)
    assert demo.evaluation_csv_bytes() == demo.evaluation_csv_bytes()
    assert not demo.evaluation_frame(demo.SEED + 1).equals(a)
    train, serve = demo.demo_frames()
    assert len(train) == demo.TRAINING_ROWS and len(serve) == demo.SERVING_ROWS


def test_one_mild_planted_drift_by_an_independent_oracle():
    train, evaluation = _frames()
    js = {c: _js(train[c], evaluation[c]) for c in ("device_os", "run_name", "route_type", "weather", "city",
                                                     "signup_channel", "gender", demo.LABEL)}
    assert 0.1 < js["device_os"] < 0.2  # just over the default threshold: mild
    assert max(v for c, v in js.items() if c != "device_os") < 0.05  # the rest: sampling noise
    for c in ("distance_km", "pace_min_per_km", "temperature_c", "heart_rate", "age"):
        t, e = train[c].dropna(), evaluation[c].dropna()
        assert abs(t.mean() - e.mean()) < 0.1 * t.std(), c


def test_validation_finds_the_drift_and_none_of_servings_problems():
    train_csv, serve_csv = demo.demo_csv_bytes()
    train = compute_statistics(train_csv, name="runs_training.csv")
    evaluation = compute_statistics(demo.evaluation_csv_bytes(), name="runs_evaluation.csv")
    schema = infer_schema(train, label=demo.LABEL)
    mark_raters(schema, list(demo.RATERS))
    found = validate_statistics(evaluation, schema, reference=train, comparator="drift")
    errors = {(a.feature, str(a.type)) for a in found if str(a.severity) == "ERROR"}
    assert errors == {("device_os", "DISTRIBUTION_DRIFT")}
    kinds = {(a.feature, str(a.type)) for a in found}
    assert ("runner_email", "PII_DETECTED") in kinds  # privacy mode has the same planted column to find
    # What else a held-out split shows: a few values just past training's observed range (warnings).
    assert {t for _, t in kinds} <= {"DISTRIBUTION_DRIFT", "PII_DETECTED", "FLOAT_TYPE_BIG_FLOAT",
                                     "FLOAT_TYPE_SMALL_FLOAT", "INT_TYPE_BIG_INT", "INT_TYPE_SMALL_INT"}
    serving = validate_statistics(compute_statistics(serve_csv, name="runs_serving.csv"), schema, reference=train,
                                  comparator="skew", environment="SERVING")
    assert len(found) < len(serving) / 4
    assert np.isclose(evaluation.num_examples, demo.EVALUATION_ROWS)
