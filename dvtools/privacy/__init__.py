"""Personal data in datasets: detection (mergeable, on every value), masking, hashing and aggregation.

::

    from dvtools.privacy import PiiTally, flag_columns
    tally = PiiTally.create("customer_email")
    for batch in batches:
        tally.add(batch.column("customer_email"))
    findings = flag_columns([tally.finalize()])   # {"customer_email": PiiFinding(kind=EMAIL, share=0.99, ...)}

Or over a whole data source: ``detect_pii("data.parquet").findings``.

Privacy mode: ``redact_statistics(stats, PrivacyPolicy("on"))`` and ``mask_rows(frame, sensitive)``
(:mod:`~dvtools.privacy.redact`); ``pii_findings(stats)`` reads the tallies the statistics pass folded.

Built here: the detectors (:mod:`~dvtools.privacy.detectors`), the accumulator and the flagging
decision (:mod:`~dvtools.privacy.tally`), and the redaction helpers (:mod:`~dvtools.privacy.masking`).
"""

from dvtools.privacy.detect import PiiReport, detect_pii
from dvtools.privacy.detectors import PiiKind, geo_axis, name_hints
from dvtools.privacy.masking import (
    DEFAULT_K,
    aggregate_rare,
    coarsen_quantiles,
    coarsen_range,
    hash_values,
    mask_card,
    mask_email,
    mask_iban,
    mask_ip,
    mask_phone,
    mask_ssn,
    mask_value,
    redact_counts,
    resolve_salt,
    round_to,
    salted_hash,
)
from dvtools.privacy.redact import (
    OFF,
    PrivacyPolicy,
    mask_rows,
    pii_findings,
    redact_anomalies,
    redact_statistics,
    redact_together,
    sensitive_features,
)
from dvtools.privacy.tally import (
    ColumnPii,
    PiiConfig,
    PiiFinding,
    PiiMatch,
    PiiPolicy,
    PiiTally,
    flag_column,
    flag_columns,
    tally_table,
)

__all__ = [
    "DEFAULT_K",
    "OFF",
    "PrivacyPolicy",
    "mask_rows",
    "pii_findings",
    "redact_statistics",
    "sensitive_features",
    "ColumnPii",
    "PiiConfig",
    "PiiFinding",
    "PiiKind",
    "PiiMatch",
    "PiiPolicy",
    "PiiReport",
    "PiiTally",
    "aggregate_rare",
    "coarsen_quantiles",
    "coarsen_range",
    "detect_pii",
    "flag_column",
    "flag_columns",
    "geo_axis",
    "hash_values",
    "mask_card",
    "mask_email",
    "mask_iban",
    "mask_ip",
    "mask_phone",
    "mask_ssn",
    "mask_value",
    "name_hints",
    "redact_anomalies",
    "redact_counts",
    "redact_together",
    "resolve_salt",
    "round_to",
    "salted_hash",
    "tally_table",
]
