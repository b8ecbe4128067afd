"""compute_statistics over dvtools.io: sources, threads, slices, progress."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from _stats_helpers import assert_numeric, assert_same_stats, exact_fields, value_counts_oracle

from dvtools.errors import UsageError
from dvtools.privacy import PiiConfig
from dvtools.statistics import DatasetAccumulator, compute_statistics


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 20_000
    f = rng.normal(100, 15, n)
    f[::37] = np.nan
    return pd.DataFrame({
        "i": rng.integers(-100, 100, n),
        "f": f,
        "s": pd.array(rng.choice(["a", "b", "Zürich", "東京", "", None], n), dtype=object),
        "b": rng.random(n) < 0.3,
        "t": pd.to_datetime(rng.integers(0, 10**9, n), unit="s"),
        "k": rng.choice(["x", "y", "z"], n),
    })


def test_workers_two_equals_one(frame: pd.DataFrame) -> None:
    one = compute_statistics(frame, workers=1, batch_size=1_000)
    two = compute_statistics(frame, workers=2, batch_size=1_000)
    assert one.num_examples == two.num_examples == len(frame)
    assert list(one.features) == list(two.features) == list(frame.columns)
    for f in one:
        assert exact_fields(f) == exact_fields(two[f.name])
        assert_same_stats(f, two[f.name], rel=1e-12)


def test_workers_with_slices(frame: pd.DataFrame) -> None:
    one = compute_statistics(frame, workers=1, batch_size=700, slice_by="k")
    three = compute_statistics(frame, workers=3, batch_size=700, slice_by="k")
    assert list(one.slices) == list(three.slices) == ["x", "y", "z"]
    for label in one.slices:
        assert one.slices[label].num_examples == three.slices[label].num_examples
        for f in one.slices[label]:
            assert_same_stats(f, three.slices[label][f.name], rel=1e-12)


def test_against_oracles_and_direct_fold(frame: pd.DataFrame) -> None:
    stats = compute_statistics(frame, workers=2, batch_size=4_096)
    assert_numeric(stats["i"], frame["i"].tolist())
    f = frame["f"].to_numpy()
    assert_numeric(stats["f"], [None if np.isnan(v) else v for v in f])  # pandas NaN is a missing value
    assert stats["f"].num_missing == int(np.isnan(f).sum())
    assert stats["s"].top_values(10) == value_counts_oracle(frame["s"].tolist())
    assert stats["b"].num_true == int(frame["b"].sum())
    table = pa.Table.from_pandas(frame, preserve_index=False)
    acc = DatasetAccumulator(table.schema, pii=PiiConfig())  # the engine folds personal-data tallies too
    acc.add_batch(table)
    direct = acc.finalize()
    for name in ("i", "s", "b", "k"):
        ours, theirs = exact_fields(stats[name]), exact_fields(direct[name])
        ours.pop("arrow_type"), theirs.pop("arrow_type")  # io reads pandas strings as string, not large_string
        assert ours == theirs


def test_sources_names_and_progress(frame: pd.DataFrame) -> None:
    seen: list = []
    stats = compute_statistics(pa.Table.from_pandas(frame.head(5000), preserve_index=False), workers=2,
                               batch_size=1000, progress=seen.append, name="demo")
    assert stats.name == "demo" and stats.num_examples == 5000
    rows = [p.rows for p in seen]
    assert rows == sorted(rows) and rows[-1] == 5000
    last = seen[-1]
    assert last.total_rows == 5000 and last.fraction == 1.0 and last.total_parts == 1


def test_progress_counts_bytes_and_files(tmp_path) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"part{i}.csv"
        p.write_text("a,b\n" + "".join(f"{j},{j % 7}\n" for j in range(2000)))
        paths.append(str(p))
    seen: list = []
    compute_statistics(paths, batch_size=500, progress=seen.append)
    total = sum(os.path.getsize(p) for p in paths)
    assert {p.total_bytes for p in seen} == {total} and {p.total_parts for p in seen} == {3}
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)
    assert seen[-1].rows == 6000 and seen[0].parts_done == 0 and seen[-1].parts_done >= 2
    assert 0 < seen[0].fraction < 1


def test_csv_upload_progress_follows_the_rows_parsed() -> None:
    """An upload is in memory and pyarrow reads all of it ahead of parsing: the share read follows the rows."""
    n = 200_000
    data = ("a,b\n" + "".join(f"{j},{'x' * (50 + j % 5)}\n" for j in range(n))).encode()  # ~12 MB: 3 blocks
    seen: list = []
    compute_statistics(data, name="up.csv", batch_size=20_000, progress=seen.append)
    assert seen[-1].rows == n
    # Per block parsed (the bytes move once per block, the rows per batch folded): the share read is the
    # share of rows parsed by the end of that block, not the share pyarrow has read ahead (all of it).
    levels = sorted({p.fraction for p in seen})
    assert len(levels) >= 3 and [p.fraction for p in seen] == sorted(p.fraction for p in seen)
    for level in levels:
        assert level == pytest.approx(max(p.rows for p in seen if p.fraction == level) / n, abs=0.02)


def test_unknown_engine_and_slice_column(frame: pd.DataFrame) -> None:
    with pytest.raises(UsageError):
        compute_statistics(frame, engine="spark")
    with pytest.raises(UsageError, match="nope"):
        compute_statistics(frame, slice_by="nope")

