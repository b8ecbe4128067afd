"""Counts agree with their nouns (regression, issue 11 defect 7: "1 anomalies")."""

from __future__ import annotations

import pandas as pd


def test_one_anomaly_one_column(app, csv_ref):  # noqa: ANN001
    train = pd.DataFrame({"x": list(range(50))})
    serve = train.assign(extra=["a"] * 50)  # one new column: one anomaly
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = csv_ref(serve, "serve.csv")
    app.run()
    assert not app.exception
    captions = " ".join(c.value for c in app.sidebar.caption)
    assert "Serving vs Training: 1 anomaly against" in captions
    texts = " ".join(t.value for t in app.sidebar.text)
    assert "1 column" in texts and "1 columns" not in texts and "2 columns" in texts
    app.switch_page("pages/anomalies.py").run()
    assert not app.exception
    assert "1 anomalies" not in " ".join(str(e.value) for e in [*app.caption, *app.markdown, *app.sidebar.caption])
