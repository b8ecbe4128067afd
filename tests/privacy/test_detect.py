"""detect_pii over real sources: files through dvtools.io, a DataFrame, bad input."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dvtools.errors import DataLoadError, UsageError
from dvtools.privacy import PiiConfig, PiiKind, detect_pii

CONFIG = PiiConfig(as_of=dt.date(2026, 1, 1))


def _frame(n=300):
    return pd.DataFrame({
        "email": [f"user{i}@example.com" for i in range(n)],
        "note": ["fine"] * n,
        "card": ["4242 4242 4242 4242" if i % 2 else None for i in range(n)],
        "amount": [i * 1.5 for i in range(n)],
    })


def test_detect_pii_on_a_parquet_file_in_small_batches(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pandas(_frame(), preserve_index=False), path, row_group_size=64)
    report = detect_pii(str(path), config=CONFIG)
    assert report.num_rows == 300
    assert {c: f.kind for c, f in report.findings.items()} == {"email": PiiKind.EMAIL, "card": PiiKind.PAYMENT_CARD}
    card = next(c for c in report.columns if c.name == "card")
    assert card.num_values == 150 and card.match(PiiKind.PAYMENT_CARD).count == 150
    assert report.findings["email"].example == "u****@e******.com"


def test_detect_pii_on_csv_bytes_and_selected_columns(tmp_path):
    csv = _frame(50).to_csv(index=False).encode()
    report = detect_pii(csv, name="d.csv", columns=["email", "note"], config=CONFIG)
    assert [c.name for c in report.columns] == ["email", "note"]
    assert set(report.findings) == {"email"}


def test_detect_pii_bad_input():
    with pytest.raises(DataLoadError):
        detect_pii("/nonexistent/file.parquet")
    with pytest.raises(UsageError, match="nope"):
        detect_pii(_frame(5), columns=["nope"])
