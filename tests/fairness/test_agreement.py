"""Agreement statistics against independent implementations (scikit-learn, statsmodels, krippendorff) to 1e-9."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from dvtools.fairness import label_report
from dvtools.fairness.agreement import cohen_kappa, coincidences, fleiss_kappa, item_agreement, krippendorff_alpha


def _ratings(seed: int, raters: int, items: int, classes: int, missing: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, classes, items)
    skill = rng.uniform(0.3, 0.9, raters)[:, None]
    data = np.where(rng.random((raters, items)) < skill, truth, rng.integers(0, classes, (raters, items))).astype(float)
    data[rng.random((raters, items)) < missing] = np.nan
    return data


def _counts(data: np.ndarray, classes: int) -> np.ndarray:
    n = np.zeros((data.shape[1], classes))
    for r in range(data.shape[0]):
        ok = ~np.isnan(data[r])
        np.add.at(n, (np.flatnonzero(ok), data[r][ok].astype(int)), 1)
    return n


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_matches_krippendorff_package(seed: int, level: str) -> None:
    classes = 2 + seed % 4
    data = _ratings(seed, 3 + seed % 3, 200 + 37 * seed, classes, missing=0.25)
    # The package's value domain is the values present; ours is every class in order (zero counts add nothing).
    ours = krippendorff_alpha(coincidences(_counts(data, classes)), level, values=list(range(classes)))
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_cohen_kappa_matches_sklearn(seed: int) -> None:
    classes = 2 + seed % 3
    data = _ratings(seed, 2, 300, classes, missing=0.2)
    both = ~np.isnan(data).any(0)
    cm = np.zeros((classes, classes))
    np.add.at(cm, (data[0][both].astype(int), data[1][both].astype(int)), 1)
    assert cohen_kappa(cm) == pytest.approx(cohen_kappa_score(data[0][both], data[1][both]), abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_fleiss_kappa_matches_statsmodels(seed: int) -> None:
    raters, classes = 3 + seed % 3, 2 + seed % 4
    n = _counts(_ratings(seed, raters, 250, classes, missing=0.0), classes)
    ours = fleiss_kappa(item_agreement(n, raters).sum(), n.sum(0), len(n), raters)
    assert ours == pytest.approx(sm_fleiss(n, method="fleiss"), abs=1e-9)


def test_degenerate_values_are_nan() -> None:
    assert np.isnan(cohen_kappa(np.zeros((2, 2))))
    assert np.isnan(cohen_kappa(np.array([[5.0, 0.0], [0.0, 0.0]])))  # one category only: no chance model
    assert np.isnan(krippendorff_alpha(coincidences(np.array([[2.0, 0.0], [3.0, 0.0]]))))
    assert np.isnan(fleiss_kappa(0.0, np.zeros(2), 0, 3))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_label_report_agreement_streamed_matches_oracles(seed: int) -> None:
    """The streamed report (small batches, two threads, missing ratings, string labels) equals the oracles."""
    classes = 3
    data = _ratings(seed, 3, 900, classes, missing=0.2)
    names = np.array(["low", "mid", "high"], dtype=object)
    frame = pd.DataFrame({f"r{i}": pd.array([None if np.isnan(v) else names[int(v)] for v in data[i]], dtype="string")
                          for i in range(3)})
    frame["g"] = np.where(np.arange(900) % 3 == 0, "a", "b")
    r = label_report(frame, raters=["r0", "r1", "r2"], group="g", batch_size=128, workers=2)
    a = r.agreement
    assert a is not None
    assert a.alpha_nominal == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
                                            abs=1e-9)
    assert a.alpha_ordinal is None  # strings: unordered unless ordered=True
    both = ~np.isnan(data[:2]).any(0)
    assert a.cohen_kappa["r0 / r1"] == pytest.approx(cohen_kappa_score(data[0][both], data[1][both]), abs=1e-9)
    complete = ~np.isnan(data).any(0)
    assert a.fleiss_items == int(complete.sum())
    assert a.fleiss_kappa == pytest.approx(sm_fleiss(_counts(data[:, complete], classes)), abs=1e-9)
    for group, mask in (("a", np.arange(900) % 3 == 0), ("b", np.arange(900) % 3 != 0)):
        g = next(x for x in r.agreement_by_group if x.group == group)
        expected = krippendorff.alpha(reliability_data=data[:, mask], level_of_measurement="nominal")
        assert g.alpha_nominal == pytest.approx(expected, abs=1e-9)
        assert g.items == int(mask.sum())


def test_ordinal_alpha_of_numeric_raters_follows_value_order() -> None:
    data = _ratings(7, 4, 400, 5, missing=0.3)
    values = np.array([1, 3, 4, 8, 10])  # numeric labels: ordinal by value, interval by distance
    frame = pd.DataFrame({f"r{i}": pd.array([None if np.isnan(v) else int(values[int(v)]) for v in data[i]],
                                            dtype="Int64") for i in range(4)})
    a = label_report(frame, raters=list(frame.columns), batch_size=100).agreement
    mapped = np.where(np.isnan(data), np.nan, values[np.nan_to_num(data).astype(int)])
    assert a.alpha_ordinal == pytest.approx(krippendorff.alpha(reliability_data=mapped, level_of_measurement="ordinal"),
                                            abs=1e-9)
    assert a.alpha_interval == pytest.approx(
        krippendorff.alpha(reliability_data=mapped, level_of_measurement="interval"), abs=1e-9)


def test_majority_agreement_against_a_pandas_oracle() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"r{i}": pd.array(np.where(rng.random(500) < 0.15, None, rng.integers(0, 3, 500)),
                                            dtype="Int64") for i in range(3)})
    a = label_report(frame, raters=["r0", "r1", "r2"], batch_size=64).agreement
    for i, rater in enumerate(["r0", "r1", "r2"]):
        agree = total = 0
        for _, row in frame.iterrows():
            mine = row[rater]
            if pd.isna(mine):
                continue
            others = pd.Series([row[f"r{j}"] for j in range(3) if j != i]).dropna().value_counts()
            if others.empty or (len(others) > 1 and others.iloc[0] == others.iloc[1]):
                continue
            total += 1
            agree += int(others.index[0] == mine)
        assert a.majority_items[rater] == total
        assert a.majority_agreement[rater] == pytest.approx(agree / total, abs=1e-12)
