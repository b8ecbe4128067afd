"""``PiiTally``: a mergeable count, per detector, of the values of one column that are personal data.

``create -> add(array) -> merge(other) -> finalize()`` like the statistics accumulators: every value
of every batch is checked (no sampling, no top-k), counts are exact integers, and the one example
kept per detector is the smallest matching value (a deterministic choice, whatever the batch order).
``merge`` is associative and commutative and the created tally is its identity, so batches, threads
and workers can each fold a part.

The raw example lives only inside the tally; :meth:`PiiTally.finalize` returns it masked, and
:func:`flag_columns` turns the finalized counts into findings: the one decision of whether a
column holds personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dvtools import _arrow
from dvtools.errors import UsageError
from dvtools.privacy import detectors as d
from dvtools.privacy.detectors import PiiKind
from dvtools.privacy.masking import mask_value
from dvtools.privacy.phones import DEFAULT_NATIONAL_REGIONS

_DAYS_PER_YEAR = 365.2425
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d")
_ORDER = {kind: i for i, kind in enumerate(PiiKind)}
EXAMPLE_CHARS = 120
DISTINCT_MIN_ROWS = 1_024  # from this many values a batch is checked per distinct value when they repeat
DISTINCT_SHARE = 0.5  # ... when at most this share of the values are distinct
DISTINCT_SAMPLE = 4_096  # values sampled first (no full value count of a column of distinct texts)


def _repeats(s: pa.Array) -> bool:
    """Whether a sample of ``s`` (its first values) repeats enough for a distinct-value pass to pay off."""
    head = s.slice(0, DISTINCT_SAMPLE)
    return len(pc.unique(head)) <= 0.8 * len(head)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class PiiConfig:
    """What detection depends on besides the data.

    ``as_of``: the day ages are computed from (dates of birth imply an age in (0, 120) years);
    ``national_regions``: regions whose national phone formats count without a "+".
    """

    as_of: dt.date = field(default_factory=_today)
    national_regions: tuple[str, ...] = DEFAULT_NATIONAL_REGIONS


@dataclass(frozen=True)
class PiiMatch:
    """How many non-missing values of a column one detector matched, and a masked example."""

    kind: PiiKind
    count: int
    share: float
    example: str


@dataclass(frozen=True)
class ColumnPii:
    """The finalized tally of one column: non-missing values seen and the detectors that matched any."""

    name: str
    num_values: int
    matches: tuple[PiiMatch, ...]
    hints: frozenset[PiiKind]
    geo_axis: str | None = None

    def match(self, kind: PiiKind) -> PiiMatch | None:
        """The match of ``kind``, or None if it matched no value."""
        return next((m for m in self.matches if m.kind == kind), None)


class PiiTally:
    """Exact per-detector counts of personal-data values in one column (see the module docstring)."""

    __slots__ = ("name", "config", "hints", "geo_axis", "num_values", "counts", "_examples")

    def __init__(self, name: str, config: PiiConfig | None = None) -> None:
        self.name = name
        self.config = config or PiiConfig()
        self.hints = d.name_hints(name)
        self.geo_axis = d.geo_axis(name)
        self.num_values = 0
        self.counts: dict[PiiKind, int] = {}
        self._examples: dict[PiiKind, str] = {}

    @classmethod
    def create(cls, name: str, config: PiiConfig | None = None) -> PiiTally:
        """The empty tally of column ``name`` (the identity of :meth:`merge`)."""
        return cls(name, config)

    # ------------------------------------------------------------------------------------------ folding
    def _record(self, kind: PiiKind, values: pa.Array, mask: np.ndarray, weights: np.ndarray | None = None) -> None:
        n = int(np.count_nonzero(mask)) if weights is None else int(weights[mask].sum())
        if n == 0:
            return
        self.counts[kind] = self.counts.get(kind, 0) + n
        chosen = values.filter(_arrow.from_numpy(np.asarray(mask, dtype=bool)))
        if not pa.types.is_string(chosen.type):
            chosen = pc.cast(chosen, pa.string())
        # Truncation keeps the order (a <= b implies prefix(a) <= prefix(b)), so the example stays the
        # smallest value's prefix whatever the batches, and its memory is bounded.
        chosen = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(chosen), 0, EXAMPLE_CHARS)
        smallest = pc.min(chosen).as_py()
        old = self._examples.get(kind)
        if old is None or smallest < old:
            self._examples[kind] = smallest

    def add(self, arr: pa.Array | pa.ChunkedArray) -> None:
        """Fold one chunk of the column (any Arrow type; types without detectors only count values)."""
        if isinstance(arr, pa.ChunkedArray):
            for chunk in arr.chunks:
                self.add(chunk)
            return
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        values = arr.drop_null() if arr.null_count else arr
        if len(values) == 0:
            return
        self.num_values += len(values)
        t = values.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            s = values.cast(pa.string())
            if len(s) >= DISTINCT_MIN_ROWS and _repeats(s):
                # Repeated values (categories) are checked once each, their counts as weights: same counts,
                # same example (the checks are per value), a fraction of the work on low-cardinality columns.
                vc = pc.value_counts(s)
                if len(vc) <= DISTINCT_SHARE * len(s):
                    self._add_strings(vc.field("values"), _arrow.to_numpy(vc.field("counts")).astype(np.int64))
                    return
            self._add_strings(s)
        elif pa.types.is_integer(t):
            self._add_integers(values)
        elif pa.types.is_floating(t) or pa.types.is_decimal(t):
            if self.geo_axis is not None and PiiKind.GEOLOCATION in self.hints:
                x = np.asarray(_arrow.filled(pc.cast(values, pa.float64())))
                self._record(PiiKind.GEOLOCATION, values, d.precise_coordinate(x, self.geo_axis))
        elif pa.types.is_date(t) or pa.types.is_timestamp(t):
            if PiiKind.DATE_OF_BIRTH in self.hints:
                self._add_dates(values)

    def add_counts(self, values: pa.Array, counts: np.ndarray) -> None:
        """Fold a chunk of a text column given as its distinct non-null values and their counts.

        The statistics pass already counts each batch's values: the same counts and example as
        :meth:`add` of the chunk (every check is per value, weighted by its count), without counting again.
        """
        if len(values) == 0:
            return
        self.num_values += int(counts.sum())
        self._add_strings(values if pa.types.is_string(values.type) else values.cast(pa.string()), counts)

    def _add_strings(self, s: pa.Array, weights: np.ndarray | None = None) -> None:
        hints = self.hints
        for kind, fn in ((PiiKind.PERSON_NAME, d.person_name), (PiiKind.STREET_ADDRESS, d.street_address)):
            if kind in hints:
                self._record(kind, s, fn(s, True), weights)
        if PiiKind.DATE_OF_BIRTH in hints:
            self._add_date_strings(s, weights)
        routes = d.routes(s)
        for kind, fn in d.STRING_DETECTORS:
            if kind == PiiKind.STREET_ADDRESS and kind in hints:
                continue  # counted above on every value
            route = routes[kind]
            if not route.any():
                continue
            whole = route.all()
            sub = s if whole else d._subset(s, route)
            if kind == PiiKind.PHONE:
                mask = d.phone(sub, kind in hints, self.config.national_regions)
            else:
                mask = fn(sub, kind in hints)
            self._record(kind, sub, mask, None if weights is None else (weights if whole else weights[route]))

    def _add_integers(self, values: pa.Array) -> None:
        # Card numbers stored as integers: 13 to 19 digits (the IIN pattern checks the length); only 64-bit types hold them.
        if values.type.bit_width < 64:
            return
        big = d._np(pc.greater_equal(values, _arrow.scalar(10**12, values.type)))
        if big.any():
            digits = pc.cast(d._subset(values, big), pa.string())
            self._record(PiiKind.PAYMENT_CARD, digits, d.card_digits(digits))

    def _ages_ok(self, days: np.ndarray) -> np.ndarray:
        as_of = (self.config.as_of - dt.date(1970, 1, 1)).days
        age = (as_of - days) / _DAYS_PER_YEAR
        return (age > 0) & (age < 120)

    def _add_dates(self, values: pa.Array) -> None:
        days = np.asarray(_arrow.filled(pc.cast(pc.cast(values, pa.date32()), pa.int32())))
        self._record(PiiKind.DATE_OF_BIRTH, pc.cast(values, pa.date32()), self._ages_ok(days))

    def _add_date_strings(self, s: pa.Array, weights: np.ndarray | None = None) -> None:
        trimmed = pc.utf8_trim_whitespace(s)
        parsed = pa.nulls(len(s), pa.timestamp("s"))
        for fmt in _DATE_FORMATS:
            if parsed.null_count == 0:
                break
            attempt = pc.strptime(trimmed, format=fmt, unit="s", error_is_null=True)
            parsed = pc.coalesce(parsed, attempt)
        known = d._np(pc.is_valid(parsed))
        if not known.any():
            return
        seconds = pc.fill_null(pc.cast(parsed, pa.int64()), _arrow.scalar(0, pa.int64()))
        days = np.asarray(_arrow.filled(pc.cast(pc.cast(pc.cast(seconds, pa.timestamp("s")), pa.date32()), pa.int32())))
        self._record(PiiKind.DATE_OF_BIRTH, trimmed, known & self._ages_ok(days), weights)

    # ------------------------------------------------------------------------------------------ merging
    def merge(self, other: PiiTally) -> None:
        """Fold another tally of the same column and configuration into this one."""
        if other.name != self.name or other.config != self.config:
            raise UsageError(f"cannot merge the personal-data tally of {other.name!r} into that of {self.name!r}")
        self.num_values += other.num_values
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
        for kind, ex in other._examples.items():
            old = self._examples.get(kind)
            if old is None or ex < old:
                self._examples[kind] = ex

    def state(self) -> tuple:
        """Everything the tally holds except the raw examples (for tests and equality of folds)."""
        return (self.name, self.num_values, tuple(sorted((k.value, n) for k, n in self.counts.items())))

    def example_digest(self) -> tuple:
        """The masked examples per detector (compare folds without exposing raw values)."""
        return tuple(sorted((k.value, mask_value(k, ex)) for k, ex in self._examples.items()))

    def finalize(self) -> ColumnPii:
        """Counts, shares of the non-missing values, and masked examples; raw values do not leave the tally."""
        matches = tuple(
            PiiMatch(kind, n, n / self.num_values if self.num_values else 0.0, mask_value(kind, self._examples[kind]))
            for kind, n in sorted(self.counts.items(), key=lambda kv: _ORDER[kv[0]])
        )
        return ColumnPii(self.name, self.num_values, matches, self.hints, self.geo_axis)


# ---------------------------------------------------------------------------------------------- decision
@dataclass(frozen=True)
class PiiPolicy:
    """When a column counts as holding personal data.

    ``share``: a detector matches at least this share of the non-missing values (any column);
    ``hinted_share``: the smaller share enough when the column's name hints that detector
    (``customer_phone`` with 20 % valid numbers). Hint-only detectors (names, dates of birth,
    numeric coordinates) need ``share``, as their value shape alone is weak evidence.
    """

    share: float = 0.5
    hinted_share: float = 0.1
    min_count: int = 1


@dataclass(frozen=True)
class PiiFinding:
    """A column flagged as personal data: which detector, on what share of its values, a masked example."""

    column: str
    kind: PiiKind
    share: float
    count: int
    example: str
    hinted: bool
    threshold: float

    def describe(self) -> str:
        """One line for people: ``"email: 98.2% of 10,000 values look like email addresses (e.g. j***@g****.com)"``."""
        total = round(self.count / self.share) if self.share else 0
        return (f"{self.kind.value}: {self.share:.1%} of {total:,} values match"
                f"{' (name hints it)' if self.hinted else ''}, e.g. {self.example}")


def flag_column(column: ColumnPii, policy: PiiPolicy | None = None) -> PiiFinding | None:
    """The finding of one column on its own, or None: the detector with the largest share that passes.

    Coordinates in numeric columns also need their partner axis; :func:`flag_columns` applies that.
    """
    policy = policy or PiiPolicy()
    best: PiiFinding | None = None
    for m in column.matches:
        hinted = m.kind in column.hints
        hint_only = m.kind in d.HINT_ONLY or (m.kind == PiiKind.GEOLOCATION and column.geo_axis is not None)
        threshold = policy.share if (hint_only or not hinted) else policy.hinted_share
        if m.count < policy.min_count or m.share < threshold:
            continue
        if best is None or m.share > best.share:
            best = PiiFinding(column.name, m.kind, m.share, m.count, m.example, hinted, threshold)
    return best


def flag_columns(columns: Iterable[ColumnPii], policy: PiiPolicy | None = None) -> dict[str, PiiFinding]:
    """The findings of a table's columns (only flagged ones), the one decision every output reads.

    A numeric latitude column is precise geolocation only next to a flagged longitude column (and
    vice versa): a lone ``lat`` of floats is not a position.
    """
    found = {c.name: (c, f) for c in columns if (f := flag_column(c, policy)) is not None}
    axes = {c.geo_axis for c, f in found.values() if f.kind == PiiKind.GEOLOCATION and c.geo_axis}
    paired = axes >= {"lat", "lon"}
    return {name: f for name, (c, f) in found.items()
            if not (f.kind == PiiKind.GEOLOCATION and c.geo_axis and not paired)}


def tally_table(table: pa.Table | pa.RecordBatch, config: PiiConfig | None = None,
                columns: Sequence[str] | None = None) -> dict[str, PiiTally]:
    """One tally per column of an in-memory table (a convenience for tests and small data)."""
    out = {}
    for name in columns or table.column_names:
        t = PiiTally.create(name, config)
        t.add(table.column(name))
        out[name] = t
    return out


# ---------------------------------------------------------------------------------------------- statistics pass
def wants_tally(name: str, arrow_type: pa.DataType) -> bool:
    """Whether the statistics pass folds a tally for column ``name`` of ``arrow_type``.

    Text always (every text detector); 64-bit integers (card numbers stored as numbers); floats
    named like a latitude/longitude; dates and timestamps named like a birth date. Other columns
    have no detector, so they cost nothing.
    """
    t = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return True
    if pa.types.is_integer(t):
        return t.bit_width >= 64
    hints = d.name_hints(name)
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return d.geo_axis(name) is not None and PiiKind.GEOLOCATION in hints
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return PiiKind.DATE_OF_BIRTH in hints
    return False


def column_pii(name: str, num_values: int, matches: Iterable[tuple[str, int, str]]) -> ColumnPii:
    """A :class:`ColumnPii` rebuilt from stored counts (``(kind, count, masked example)``); hints come from the name."""
    ms = tuple(PiiMatch(PiiKind(k), c, c / num_values if num_values else 0.0, ex) for k, c, ex in matches)
    return ColumnPii(name, num_values, tuple(sorted(ms, key=lambda m: _ORDER[m.kind])), d.name_hints(name),
                     d.geo_axis(name))
