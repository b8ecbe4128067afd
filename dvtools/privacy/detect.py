"""``detect_pii``: personal-data findings per column of a data source, in one streaming pass.

An integration point that works today, beside the statistics pass: it reads the source through
:mod:`dvtools.io` (the same batches ``compute_statistics`` folds) and folds one
:class:`~dvtools.privacy.tally.PiiTally` per column. Folding the tallies inside the statistics
engine, so one pass yields both, is the next step (the accumulator is built for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dvtools.privacy.tally import ColumnPii, PiiConfig, PiiFinding, PiiPolicy, PiiTally, flag_columns


@dataclass(frozen=True)
class PiiReport:
    """The finalized tally of every column, and the findings of the flagged ones (by column name)."""

    columns: tuple[ColumnPii, ...]
    findings: dict[str, PiiFinding]
    num_rows: int


def detect_pii(source: Any, *, name: str | None = None, columns: Sequence[str] | None = None,
               config: PiiConfig | None = None, policy: PiiPolicy | None = None) -> PiiReport:
    """Tally every value of every column (or of ``columns``) of ``source`` and flag personal data.

    ``source``: anything :func:`dvtools.io.open_source` opens (a path, paths, a glob, bytes with
    ``name``, a DataFrame, an Arrow table, a ``BatchStream``). Bad input raises the one-line
    :class:`~dvtools.errors.DataLoadError` of ``dvtools.io``; an unknown column a ``UsageError``.
    """
    from dvtools.errors import UsageError
    from dvtools.io import open_source

    stream = open_source(source, name=name)
    names = list(columns) if columns is not None else list(stream.schema.names)
    unknown = [c for c in names if c not in stream.schema.names]
    if unknown:
        raise UsageError(f"no column named {unknown[0]!r} in the data")
    tallies = {c: PiiTally.create(c, config) for c in names}
    rows = 0
    for batch in stream:
        rows += batch.num_rows
        for c in names:
            tallies[c].add(batch.column(c))
    finalized = tuple(t.finalize() for t in tallies.values())
    return PiiReport(finalized, flag_columns(finalized, policy), rows)
