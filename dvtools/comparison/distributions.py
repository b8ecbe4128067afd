"""Put two features' statistics on common ground: aligned categories, shared numeric bins.

Separately binned histograms mislead, so a numeric comparison puts both sides on common bins
(:func:`shared_bins`). Three binnings:

* ``quantile`` (the default): the *reference's* 20 quantile bins (5 % of its mass each), a
  value holding at least 2.5 % of the mass (the zeros of a tips column, each value of a
  low-cardinality integer) in a bin of its own, plus an underflow and an overflow bin for current
  values outside the reference range. Outliers cannot swallow the bulk: a fare column whose maximum
  is 700 while 99 % of fares are under 60 still has 19 bins below 60, so a shift of the bulk shows
  in JS, PSI and Hellinger. Why 20: with ``K`` bins, two samples of the *same* distribution differ
  by a JS divergence of about ``(K - 1) (1/n_ref + 1/n_cur) / (8 ln 2)`` (the chi-square
  approximation): at 20 bins and 1,000 rows a side that is a JS *distance* of 0.08, under the 0.1
  threshold, while 50 bins would give 0.13 (false alarms on every small sample) and 10 bins see
  too little of the shape (each bin averages a tenth of the data). The KLL sketch's rank error
  (< 0.3 %) is small against a bin's 5 %.
* ``tfdv``: TFDV's own approximation, for users migrating TFDV thresholds: the two sides'
  10-bucket equal-width *standard* histograms (each over its own range) aligned on the union of
  their boundaries with uniform spreading (:func:`tfdv_align`), as TFDV's
  ``jensen_shannon_divergence`` comparator does; JS on these equals TFDV's number. It is coarse:
  one outlier stretches the equal-width buckets so that the bulk sits in one bucket, and a random
  split of the same heavy-tailed data can read as JS 0.3-0.7 when the two maxima differ.
* ``equal-width``: the reference's 10 equal-width bins plus under/overflow (the former default).

Counts come from the quantile sketches (exact up to 100k values, KLL beyond). Categorical
comparisons align category counts on the union of both sides' categories.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dvtools.comparison._common import dataset_names
from dvtools.comparison.distances import histogram_from_cdf
from dvtools.statistics.model import FeatureStatistics, LogicalType

DEFAULT_BINS = 10


@dataclass(frozen=True)
class AlignedCategories:
    """Category labels with reference and current counts on the same positions."""

    labels: list[Any]
    reference: np.ndarray
    current: np.ndarray
    exact: bool
    has_other: bool = False
    """True when the last label is the ``(other)`` bucket (values a non-exact counter does not list)."""

    @property
    def new_categories(self) -> list[Any]:
        """Categories seen in current but not in reference."""
        return [v for v, r, c in self._real() if r == 0 and c > 0]

    @property
    def vanished_categories(self) -> list[Any]:
        """Categories seen in reference but not in current."""
        return [v for v, r, c in self._real() if c == 0 and r > 0]

    def _real(self) -> list[tuple[Any, float, float]]:
        pairs = list(zip(self.labels, self.reference, self.current, strict=True))
        return pairs[:-1] if self.has_other else pairs


@dataclass(frozen=True)
class SharedBins:
    """Counts of both sides on common bins: ``[underflow, bins..., overflow, *extra]``.

    ``edges`` are strictly increasing, except for a constant reference (two equal edges: one
    point bin). ``underflow`` / ``overflow`` hold the values below ``edges[0]`` / above
    ``edges[-1]`` (with the ``quantile`` and ``equal-width`` binnings: the current values outside
    the reference range). ``extra`` names buckets that are not intervals, appended after the
    overflow bin: only the ``tfdv`` binning has them (point masses, infinities, NaN, as TFDV adds
    them). ``binning`` says how the bins were made.
    """

    edges: np.ndarray
    reference: np.ndarray
    current: np.ndarray
    binning: str = "equal-width"
    extra: tuple[str, ...] = ()
    integer: bool = False
    """Integer feature: a bin ``[a, a + 1)`` holds the one value ``a``."""

    @property
    def overflow_index(self) -> int:
        """Position of the overflow bin in ``reference`` and ``current``."""
        return max(len(self.edges), 1)

    @property
    def labels(self) -> list[str]:
        """Human bin labels, underflow, overflow and extra buckets included."""
        return self.labels_with(_fmt)

    def labels_with(self, fmt: Callable[[float], str]) -> list[str]:
        """Bin labels with edges written by ``fmt`` (e.g. as dates); a one-value bin reads ``= v``."""
        e = self.edges
        if len(e) == 0:
            return ["(below)", "(above)", *self.extra]
        k = len(e) - 1
        up = [bool(e[i + 1] == np.nextafter(e[i], np.inf)) for i in range(k)]
        top = k >= 1 and e[k - 1] == np.nextafter(e[k], -np.inf)  # the maximum's own bin
        inner = []
        for i in range(k):
            last = i == k - 1
            if self.integer and e[i] != e[i + 1]:
                first = math.ceil(e[i])
                final = math.floor(e[i + 1]) if last else math.ceil(e[i + 1]) - 1
                if first == final:
                    inner.append(f"= {fmt(first)}")
                elif first < final:
                    inner.append(f"[{fmt(first)}, {fmt(final)}]" if last else f"[{fmt(first)}, {fmt(final + 1)})")
                else:
                    inner.append(f"({fmt(e[i])}, {fmt(e[i + 1])}) (no integer)")
                continue
            if e[i] == e[i + 1] or (up[i] and not last):
                inner.append(f"= {fmt(e[i])}")
            elif last and top:
                inner.append(f"= {fmt(e[k])}")
            else:
                after_atom = i > 0 and e[i] == np.nextafter(e[i - 1], np.inf)
                left = f"({fmt(e[i - 1])}" if after_atom else f"[{fmt(e[i])}"
                right = f"{fmt(e[k])})" if (i == k - 2 and top) else f"{fmt(e[i + 1])}{']' if last else ')'}"
                inner.append(f"{left}, {right}")
        return [f"< {fmt(e[0])}", *inner, f"> {fmt(e[-1])}", *self.extra]


def _fmt(x: float) -> str:
    return f"{x:.4g}"


OTHER = "(other)"


def aligned_categories(reference: FeatureStatistics, current: FeatureStatistics) -> AlignedCategories:
    """Category counts of both sides aligned on the union of their categories (reference order first).

    The one alignment used everywhere (``compare`` and ``validate``'s L-infinity alike): when a
    side's counter is no longer exact, the values it does not list are pooled in a last ``(other)``
    category (``has_other``), so shares are of all present values. When the two sides' logical
    types differ, values are aligned as text (``True`` -> ``"true"``, ``1`` -> ``"1"``).
    """
    rvals, cvals = reference.values, current.values
    rd = rvals.as_dict() if rvals else {}
    cd = cvals.as_dict() if cvals else {}
    if reference.logical_type != current.logical_type and rd and cd:
        rd, cd = _as_text_keys(rd), _as_text_keys(cd)
    labels = list(rd)
    seen = set(rd)
    labels += [v for v in cd if v not in seen]
    r = np.array([rd.get(v, 0) for v in labels], dtype=np.float64)
    c = np.array([cd.get(v, 0) for v in labels], dtype=np.float64)
    r_other = max(float(rvals.counter.total) - float(r.sum()), 0.0) if rvals else 0.0
    c_other = max(float(cvals.counter.total) - float(c.sum()), 0.0) if cvals else 0.0
    has_other = r_other > 0 or c_other > 0
    if has_other:
        labels.append(OTHER)
        r = np.append(r, r_other)
        c = np.append(c, c_other)
    exact = bool(rvals and rvals.exact and cvals and cvals.exact)
    return AlignedCategories(labels, r, c, exact, has_other)


def _as_text_keys(d: dict[Any, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in d.items():
        key = ("true" if k else "false") if isinstance(k, bool) else str(k)
        out[key] = out.get(key, 0) + v
    return out


def _numeric(f: FeatureStatistics):  # -> NumericStatistics | None
    if f.numeric is not None:
        return f.numeric
    if f.values_statistics is not None:
        return f.values_statistics.numeric
    return None


#: Binnings of :func:`shared_bins`.
BINNINGS: tuple[str, ...] = ("quantile", "tfdv", "equal-width")
#: Quantile bins of the ``quantile`` binning (before atoms get their own bin).
QUANTILE_BINS = 20


def shared_bins(
    reference: FeatureStatistics, current: FeatureStatistics, *, binning: str = "quantile",
    num_bins: int | None = None, names: tuple[str, str] | None = None,
) -> SharedBins:
    """Counts of both sides of a numeric feature on common bins; see the module docstring.

    ``binning``: ``"quantile"`` (default: the reference's quantile bins, atoms apart, plus
    under/overflow), ``"tfdv"`` (TFDV's alignment of the two standard histograms) or
    ``"equal-width"`` (the reference's equal-width bins plus under/overflow). ``num_bins``:
    bins of the quantile (default :data:`QUANTILE_BINS`) or equal-width (default
    :data:`DEFAULT_BINS`) binning; ignored by ``tfdv``, which uses the histograms as they are.
    A side imported from TFDV (no sketch, :attr:`~dvtools.statistics.sketches.QuantileSketch.from_histogram`)
    cannot be put on quantile bins: ``quantile`` then falls back to ``tfdv``, and the result's
    ``binning`` says so. ``names``: the datasets' roles in the labels of ``tfdv``'s one-sided
    buckets (default ``("training", "evaluation")``, :func:`~dvtools.comparison._common.dataset_names`).
    Raises ``ValueError`` when a side is not numeric or the binning is unknown.
    """
    rn, cn = _numeric(reference), _numeric(current)
    if rn is None or cn is None:
        raise ValueError(f"feature {reference.name!r} is not numeric on both sides")
    if binning == "tfdv" or (binning == "quantile" and (rn.sketch.from_histogram or cn.sketch.from_histogram)):
        # Statistics imported from TFDV have no sketch to bin on the reference's quantiles:
        # TFDV's own binning is what they support (``binning`` of the result says so).
        return _tfdv_bins(rn, cn, dataset_names("drift", names))
    if binning not in BINNINGS:
        raise ValueError(f"unknown binning {binning!r}: use one of {', '.join(BINNINGS)}")
    basis = rn if rn.num_finite else cn
    if basis.num_finite == 0 or not (math.isfinite(basis.min) and math.isfinite(basis.max)):
        edges = np.array([0.0, 1.0])
    elif basis.min == basis.max:
        # A constant reference: one bin at its value, so any other value is under/overflow.
        edges = np.array([basis.min, basis.max])
    elif binning == "quantile":
        edges = quantile_edges(basis, num_bins or QUANTILE_BINS, integer=_is_integer(reference))
    else:
        edges = np.linspace(basis.min, basis.max, (num_bins or DEFAULT_BINS) + 1)
        if not np.all(np.isfinite(edges)):  # the range overflows float64: interpolate halves
            edges = np.linspace(basis.min / 2, basis.max / 2, (num_bins or DEFAULT_BINS) + 1) * 2
    integer = binning == "quantile" and _is_integer(reference)  # integer edges: labels name the integers
    return SharedBins(edges, _counts(rn, edges), _counts(cn, edges), binning, integer=integer)


def _is_integer(f: FeatureStatistics) -> bool:
    return f.value_view.logical_type == LogicalType.INT


def _counts(n, edges: np.ndarray) -> np.ndarray:  # noqa: ANN001 - a NumericStatistics
    """``[underflow, bins..., overflow]`` counts of ``n``'s finite values (bins closed on the left)."""
    if n.num_finite == 0:
        return np.zeros(len(edges) + 1)
    sk = n.sketch
    if len(edges) == 2 and edges[0] == edges[1]:
        # A single point: underflow, the point itself, overflow.
        below = float(sk.cdf(edges[:1], inclusive=False)[0])
        at_most = float(sk.cdf(edges[:1], inclusive=True)[0])
        out = np.array([below, at_most - below, 1.0 - at_most])
        return np.clip(out, 0, None) * n.num_finite
    return histogram_from_cdf(edges, lambda x: sk.cdf(x, inclusive=True), float(n.num_finite),
                              cdf_left=lambda x: sk.cdf(x, inclusive=False))


def quantile_edges(n, num_bins: int = QUANTILE_BINS, *, integer: bool = False) -> np.ndarray:  # noqa: ANN001
    """Edges of ``num_bins`` equal-mass bins of ``n``'s finite values, each heavy value in a bin of its own.

    The edges are ``n``'s minimum, its quantiles at ``1/B, ..., (B-1)/B`` and its maximum (from the
    quantile sketch: exact up to 100k values, KLL beyond with a rank error far below a bin's
    ``1/B`` mass). Ties collapse: repeated quantiles become one edge. A value holding at least
    ``1/(2B)`` of the mass (an *atom*: the zeros of a tips column, each value of a low-cardinality
    integer column; counted exactly on an exact sketch, found among the quantiles at levels
    ``k/(4B)`` of a KLL sketch) gets a bin of its own,
    ``[v, next float after v)`` (integers: ``[v, v + 1)``), so a change of its share is not
    averaged with its neighbours'; the maximum's own bin is ``[float before max, max]`` (which also
    holds the float before the maximum: no bin fits between two adjacent floats).
    Integer columns get integer interior edges (``[a, b)`` then holds ``a, ..., b - 1``).
    ``n`` must have at least two distinct finite values.
    """
    sk, lo, hi = n.sketch, float(n.min), float(n.max)
    exact = sketch_values(sk)
    if exact is not None:
        inner = np.asarray(sk.quantiles(np.arange(1, num_bins) / num_bins), dtype=np.float64)
        # Atoms, exactly: runs of equal values in the sorted sample.
        starts = np.flatnonzero(np.r_[True, exact[1:] != exact[:-1]])
        counts = np.diff(np.r_[starts, exact.size])
        atoms = exact[starts][counts / exact.size >= 0.5 / num_bins]
    else:
        # A KLL sketch returns kept items as quantiles, and a value holding at least 1/(2B) of the
        # mass spans more than one step of 1/(4B) in the CDF: it is the quantile at one of the
        # levels k/(4B) (every fourth of which is a bin edge k/B, the same float).
        fine = np.asarray(sk.quantiles(np.arange(1, 4 * num_bins) / (4 * num_bins)), dtype=np.float64)
        inner = fine[3::4]
        fine = np.unique(np.clip(np.concatenate([[lo], fine[np.isfinite(fine)], [hi]]), lo, hi))
        mass = sk.cdf(fine, inclusive=True) - sk.cdf(fine, inclusive=False)
        atoms = fine[mass >= 0.5 / num_bins]
    inner = inner[np.isfinite(inner)]
    if integer:
        inner = np.ceil(inner)
    cand = np.unique(np.clip(np.concatenate([[lo], inner, atoms, [hi]]), lo, hi))
    extra = [(a + 1.0 if integer else np.nextafter(a, np.inf)) for a in atoms if a < hi]
    if hi in atoms:
        extra.append(np.nextafter(hi, -np.inf))
    edges = np.unique(np.concatenate([cand, np.asarray(extra, dtype=np.float64)]))
    return edges[(edges >= lo) & (edges <= hi)]


# --------------------------------------------------------------------------- TFDV's alignment


Bucket = tuple[float, float, float]
"""A histogram bucket ``(low, high, count)`` as in TFDV's ``Histogram.Bucket``."""


def tfdv_align(buckets_1: list[Bucket], num_nan_1: float, buckets_2: list[Bucket], num_nan_2: float,
               names: tuple[str, str] | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Put two histograms on common buckets exactly as TFDV's Jensen-Shannon comparator does.

    The algorithm of ``AlignHistograms`` in TFDV ``anomalies/metrics.cc`` (the numeric
    ``jensen_shannon_divergence`` drift/skew comparator, on the features' STANDARD histograms):

    1. buckets with an infinite bound are removed and their counts summed per side; zero-width
       (point) buckets are removed and their counts kept per point value;
    2. if the two remaining sets of bucket boundaries differ, both histograms are re-bucketed on
       the union of the boundaries, each bucket's count spread over the new buckets it covers in
       proportion to their width (values assumed uniform within a bucket), 0 where a histogram
       has no bucket;
    3. one bucket per point value (in increasing order) is appended with each side's mass there;
    4. an infinite-bound mass becomes its own bucket, empty on the other side (first side 1's,
       then side 2's);
    5. NaN counts (the histogram's ``num_nan``) become two buckets, ``(0, nan_2)`` then
       ``(nan_1, 0)``, so NaNs always count as disjoint mass. TFDV's re-bucketing in step 2 builds
       new histograms without ``num_nan``, so NaN buckets only appear when the boundaries were
       equal; this is reproduced as is.

    Returns ``(boundaries, counts_1, counts_2, extra_labels)``: the interval buckets on
    ``boundaries`` come first, then one count per label in ``extra_labels`` (a one-sided bucket
    names its side by ``names``, :func:`~dvtools.comparison._common.dataset_names`: ``"NaN (serving)"``).
    The Jensen-Shannon
    divergence of the two count vectors (:func:`~dvtools.comparison.distances.jensen_shannon_divergence`,
    base 2, capped at 1) is then TFDV's number.
    """
    names = dataset_names("drift", names)
    parts = [_strip(buckets_1), _strip(buckets_2)]
    (b1, p1, inf1), (b2, p2, inf2) = parts
    bounds_1 = {x for lo, hi, _ in b1 for x in (lo, hi)}
    bounds_2 = {x for lo, hi, _ in b2 for x in (lo, hi)}
    nan_1, nan_2 = float(num_nan_1), float(num_nan_2)
    boundaries = np.array(sorted(bounds_1 | bounds_2), dtype=np.float64)
    # On equal boundary sets TFDV keeps the buckets as they are, which is the same as spreading
    # them onto those boundaries (TFDV would stop on a failed check if one side had a gap there).
    c1, c2 = _spread(b1, boundaries), _spread(b2, boundaries)
    if bounds_1 != bounds_2:
        nan_1 = nan_2 = 0.0  # lost with the re-bucketed histograms, as in TFDV
    labels: list[str] = []
    x1, x2 = list(c1), list(c2)
    for point in sorted(set(p1) | set(p2)):
        x1.append(p1.get(point, 0.0))
        x2.append(p2.get(point, 0.0))
        labels.append(f"= {_fmt(point)}")
    if inf1:
        x1.append(inf1)
        x2.append(0.0)
        labels.append(f"infinite ({names[0]})")
    if inf2:
        x1.append(0.0)
        x2.append(inf2)
        labels.append(f"infinite ({names[1]})")
    if nan_1 > 0 or nan_2 > 0:
        x1 += [0.0, nan_1]
        x2 += [nan_2, 0.0]
        labels += [f"NaN ({names[1]})", f"NaN ({names[0]})"]
    return boundaries, np.array(x1, dtype=np.float64), np.array(x2, dtype=np.float64), labels


def _strip(buckets: list[Bucket]) -> tuple[list[Bucket], dict[float, float], float]:
    kept: list[Bucket] = []
    points: dict[float, float] = {}
    infinite = 0.0
    for lo, hi, c in buckets:
        if not (math.isfinite(lo) and math.isfinite(hi)):
            infinite += c
        elif lo == hi:
            points[lo] = points.get(lo, 0.0) + c
        else:
            kept.append((lo, hi, c))
    return kept, points, infinite


def _spread(buckets: list[Bucket], boundaries: np.ndarray) -> np.ndarray:
    """Each bucket's count spread uniformly over the union buckets it covers (its bounds are in ``boundaries``)."""
    out = np.zeros(max(len(boundaries) - 1, 0))
    widths = np.diff(boundaries)
    for lo, hi, c in buckets:
        i, j = int(np.searchsorted(boundaries, lo)), int(np.searchsorted(boundaries, hi))
        out[i:j] += widths[i:j] / (hi - lo) * c
    return out


def tfdv_buckets(n) -> tuple[list[Bucket], float]:  # noqa: ANN001 - a NumericStatistics
    """``n``'s standard histogram as TFDV buckets, and its NaN count.

    Our histograms hold finite values only; TFDV's put infinities in infinite-bound buckets, which
    its alignment turns into one extra bucket per side: one ``(-inf, inf)`` bucket with the
    infinite values stands for them.
    """
    if n.sketch.from_histogram and n.sketch.standard:  # imported from TFDV: its histogram as it was
        return list(n.sketch.standard), float(n.sketch.num_nan)
    h = n.histogram
    out: list[Bucket] = [(h.edges[i], h.edges[i + 1], h.counts[i]) for i in range(len(h.counts))]
    infinite = n.num_pos_inf + n.num_neg_inf
    if infinite:
        out.append((-math.inf, math.inf, float(infinite)))
    return out, float(n.num_nan)


def _tfdv_bins(rn, cn, names: tuple[str, str]) -> SharedBins:  # noqa: ANN001 - NumericStatistics
    b1, nan1 = tfdv_buckets(rn)
    b2, nan2 = tfdv_buckets(cn)
    edges, c1, c2, labels = tfdv_align(b1, nan1, b2, nan2, names)
    k = max(len(edges) - 1, 0)
    # No values fall outside the union of both ranges: underflow and overflow stay empty.
    r = np.concatenate([[0.0], c1[:k], [0.0], c1[k:]])
    c = np.concatenate([[0.0], c2[:k], [0.0], c2[k:]])
    return SharedBins(edges, r, c, "tfdv", tuple(labels))


def sketch_values(sketch) -> np.ndarray | None:  # noqa: ANN001 - a QuantileSketch
    """Sorted finite values kept by an *exact* quantile sketch, or ``None`` once it is a KLL sketch.

    Exact sketches (up to 100k values) keep every value, which lets KS and Wasserstein be computed
    exactly (equal to ``scipy.stats.ks_2samp`` / ``wasserstein_distance``) instead of on a grid.
    """
    if not sketch.is_exact:
        return None
    if sketch.n == 0:
        return np.empty(0)
    return sketch._values()
