"""Shared helpers for the schema tests: statistics of small in-memory tables."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.model import DatasetStatistics

DATA = Path(__file__).parent / "data"


def statistics_of(data: pa.Table | pd.DataFrame) -> DatasetStatistics:
    """Statistics of a table without going through dvtools.io (one batch, one accumulator)."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    acc = DatasetAccumulator(table.schema)
    acc.add_batch(table)
    return acc.finalize()


@pytest.fixture
def stats_of():
    return statistics_of


@pytest.fixture
def data_dir() -> Path:
    return DATA


def make_rich_schema():
    """A schema using every field of the model."""
    from dvtools.schema import (
        BoolDomain,
        Comparator,
        DatasetConstraints,
        Feature,
        FeatureType,
        FloatDomain,
        IntDomain,
        NumExamplesComparator,
        Presence,
        Schema,
        StringDomain,
        ValueCount,
    )

    return Schema(
        features=[
            Feature("age", FeatureType.INT, Presence(1.0, 1), required=True, domain=IntDomain(0, 120),
                    description="age in years", notes=["from the census"]),
            Feature("bucket", FeatureType.INT, Presence(None, 1), domain=IntDomain(1, 5), is_categorical=True,
                    drift_comparator=Comparator(infinity_norm_threshold=0.2)),
            Feature("price", FeatureType.FLOAT, Presence(0.95, 10),
                    domain=FloatDomain(0.1, 99.99, True, False),
                    skew_comparator=Comparator(jensen_shannon_divergence_threshold=0.05),
                    drift_comparator=Comparator(0.3, 0.1)),
            Feature("ratio", FeatureType.FLOAT, domain=FloatDomain(-math.inf, math.inf, False, True)),
            Feature("city", FeatureType.STRING, Presence(1.0, 1), required=True,
                    domain=StringDomain(["Lyon", "Paris", "Nice"]), is_categorical=True),
            Feature("city2", FeatureType.STRING, domain=StringDomain(["Lyon", "Paris", "Nice"], name="city"),
                    is_categorical=True),
            Feature("country", FeatureType.STRING, domain=StringDomain(["FR", "DE"], name="countries"),
                    is_categorical=False, in_environment=["TRAINING"]),
            Feature("free_text", FeatureType.STRING, Presence(0.5, None), description="two\nlines"),
            Feature("blob", FeatureType.BYTES, deprecated=True),
            Feature("flag", FeatureType.BOOL, Presence(1.0, 1), required=False, domain=BoolDomain()),
            Feature("answer", FeatureType.BOOL, domain=BoolDomain("yes", "no")),
            Feature("bare_bool", FeatureType.BOOL),
            Feature("ts", FeatureType.TIMESTAMP, Presence(1.0, 1), required=True,
                    domain=IntDomain(1_600_000_000_000_000_000, 1_700_000_000_000_000_000)),
            Feature("ts2", FeatureType.TIMESTAMP),
            Feature("tags", FeatureType.STRING, value_count=ValueCount(0, 5), domain=StringDomain(["a", "b"]),
                    is_categorical=True),
            Feature("one_list", FeatureType.INT, value_count=ValueCount(1, 1)),
            Feature("open_list", FeatureType.FLOAT, value_count=ValueCount(2, None)),
            Feature("label", FeatureType.INT, Presence(1.0, 1), required=True, not_in_environment=["SERVING"],
                    domain=IntDomain(0, 1), is_categorical=True),
        ],
        default_environments=["TRAINING", "SERVING"],
        dataset_constraints=DatasetConstraints(
            min_examples_count=100,
            num_examples_drift_comparator=NumExamplesComparator(0.8, 1.25),
            num_examples_version_comparator=NumExamplesComparator(None, 2.0),
        ),
        notes=["hand-made", "covers every field"],
    )


@pytest.fixture
def rich_schema():
    return make_rich_schema()
