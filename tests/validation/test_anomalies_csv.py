"""anomalies_to_csv: one parseable row per anomaly, the JSON's fields, data-derived text never a formula."""

from __future__ import annotations

import csv
import io
import json

from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity
from dvtools.validation.validate import ANOMALY_CSV_COLUMNS, anomalies_to_csv, anomalies_to_json


def _anomaly(feature: str | None, observed, expected, description: str = "d") -> Anomaly:  # noqa: ANN001
    kind = next(iter(AnomalyType))
    return Anomaly(feature=feature, type=kind, severity=Severity.ERROR, description=description,
                   observed=observed, expected=expected)


def test_rows_match_the_json_and_parse_back() -> None:
    found = [_anomaly("age", 0.25, {"max": 0.1}, 'has "quotes", commas\nand a newline'),
             _anomaly(None, [1, 2], None)]
    rows = list(csv.DictReader(io.StringIO(anomalies_to_csv(found))))
    assert list(rows[0]) == list(ANOMALY_CSV_COLUMNS)
    as_json = json.loads(anomalies_to_json(found))["anomalies"]
    assert [r["feature"] or None for r in rows] == [a["feature"] for a in as_json]
    assert rows[0]["description"] == 'has "quotes", commas\nand a newline'
    assert float(rows[0]["observed"]) == 0.25 and json.loads(rows[0]["expected"]) == {"max": 0.1}
    assert json.loads(rows[1]["observed"]) == [1, 2] and rows[1]["expected"] == ""


def test_formula_like_text_is_kept_as_text() -> None:
    found = [_anomaly('=HYPERLINK("http://x","y")', "-1+2", -3.5, "@SUM(A1)")]
    row = next(csv.DictReader(io.StringIO(anomalies_to_csv(found))))
    assert row["feature"] == "'=HYPERLINK(\"http://x\",\"y\")" and row["description"] == "'@SUM(A1)"
    assert row["observed"] == "'-1+2"  # text starting with "-"
    assert float(row["expected"]) == -3.5  # a number stays a number
