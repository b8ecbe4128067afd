"""Widen a schema so that new statistics conform to it: TFDV's ``update_schema``.

``tfdv.update_schema(schema, statistics)`` returns a schema under which the statistics raise no
schema anomaly: new features are added, and presence, value counts, string domains, numeric ranges,
NaN/infinity permissions and types are relaxed to what the statistics show. :func:`update_schema`
does the same by validating ``statistics`` against ``schema`` (no reference: drift and skew are not
the schema's concern) and accepting each widening anomaly with
:func:`~dvtools.validation.accept.accept_anomaly`, until none is left. It never narrows: a feature
of the schema absent from the statistics is kept as it is (TFDV would propose deprecating it;
do that by hand when the column is truly gone), and ours heuristics (zero as missing marker,
constant column...) are not schema constraints, so they are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dvtools.schema.model import Schema
from dvtools.statistics.model import DatasetStatistics
from dvtools.validation.accept import AnomalyNotAcceptable, accept_anomaly
from dvtools.validation.anomalies import Anomaly
from dvtools.validation.anomalies import AnomalyType as T
from dvtools.validation.validate import validate_statistics

__all__ = ["SchemaUpdate", "WIDENING_TYPES", "update_schema"]

#: Anomalies that updating a schema accepts (each relaxes or adds, never removes).
WIDENING_TYPES = frozenset({
    T.SCHEMA_NEW_COLUMN, T.FEATURE_TYPE_NOT_PRESENT, T.FEATURE_TYPE_LOW_FRACTION_PRESENT,
    T.FEATURE_TYPE_LOW_NUMBER_PRESENT, T.FEATURE_TYPE_LOW_NUMBER_VALUES, T.FEATURE_TYPE_HIGH_NUMBER_VALUES,
    T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, T.INT_TYPE_BIG_INT, T.INT_TYPE_SMALL_INT, T.FLOAT_TYPE_BIG_FLOAT,
    T.FLOAT_TYPE_SMALL_FLOAT, T.FLOAT_TYPE_HAS_NAN, T.FLOAT_TYPE_HAS_INF, T.UNEXPECTED_DATA_TYPE,
    T.DATASET_LOW_NUM_EXAMPLES,
})
_MAX_ROUNDS = 5  # accepting a type change can reveal a domain anomaly; a few rounds settle every case


@dataclass
class SchemaUpdate:
    """The widened schema, what was accepted, and what was left as it was (with why)."""

    schema: Schema
    accepted: list[Anomaly] = field(default_factory=list)
    kept: list[Anomaly] = field(default_factory=list)


def update_schema(schema: Schema, statistics: DatasetStatistics, *, environment: str | None = None) -> SchemaUpdate:
    """A copy of ``schema`` widened until ``statistics`` raise no widening anomaly (see the module docstring).

    ``environment``: validate as in that environment (features not expected there are not added
    to or relaxed). ``schema`` itself is not changed.
    """
    current = schema.copy()
    accepted: list[Anomaly] = []
    for _ in range(_MAX_ROUNDS):
        found = [a for a in validate_statistics(statistics, current, environment=environment)
                 if a.type in WIDENING_TYPES]
        if not found:
            break
        progress = False
        for a in found:
            try:
                current = accept_anomaly(current, a, current=statistics)
            except AnomalyNotAcceptable:
                continue  # e.g. stale after another change to the same feature: the next round sees it again
            accepted.append(a)
            progress = True
        if not progress:
            break
    kept = validate_statistics(statistics, current, environment=environment)
    return SchemaUpdate(current, accepted, kept)
