"""Numerical building blocks of the accumulators, close to their textbook form."""

from __future__ import annotations

import math

import numpy as np

_DOT_BLOCK = 8192
"""Longest np.dot call: OpenBLAS runs dots of more than 10,000 values on its thread pool."""


def moments(values: np.ndarray) -> tuple[int, float, float]:
    """Count, mean and sum of squared deviations (M2) of finite float64 values, two-pass for accuracy.

    Values near the float64 limit (beyond ~1e154) may give an infinite M2 (the variance itself is not
    representable as a sum of squares); the mean stays finite.
    """
    n = int(values.size)
    if n == 0:
        return 0, 0.0, 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(values.sum() / n)
        if not math.isfinite(mean):  # the sum overflowed: scale first
            mean = float((values / n).sum())
        d = values - mean
        if n <= _DOT_BLOCK:
            return n, mean, float(np.dot(d, d))
        # Longer dots run on OpenBLAS's thread pool, whose spinning threads take CPU from the engine's
        # own threads (a third of the fold's CPU time on 2 cores): dot block by block instead.
        return n, mean, float(sum(np.dot(d[i:i + _DOT_BLOCK], d[i:i + _DOT_BLOCK]) for i in range(0, n, _DOT_BLOCK)))


def merge_moments(n_a: int, mean_a: float, m2_a: float, n_b: int, mean_b: float, m2_b: float) -> tuple[int, float, float]:
    """Combine (count, mean, M2) of two disjoint parts.

    Chan, Golub & LeVeque (1979), "Updating formulae and a pairwise algorithm for computing sample
    variances": ``delta = mean_b - mean_a``, ``M2 = M2_a + M2_b + delta^2 * n_a * n_b / n``.
    Exact in real arithmetic, so the merge is associative and commutative up to rounding.
    """
    if n_a == 0:
        return n_b, mean_b, m2_b
    if n_b == 0:
        return n_a, mean_a, m2_a
    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    if not math.isfinite(mean):  # delta overflowed (means near the float64 limit)
        mean = mean_a * (n_a / n) + mean_b * (n_b / n)
    m2 = m2_a + m2_b + delta * delta * (n_a * n_b / n)
    return n, mean, m2
