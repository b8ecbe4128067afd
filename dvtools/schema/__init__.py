"""The schema: expected features, their types, presence, domains, environments and thresholds.

Build one with :func:`infer_schema` from training statistics, edit it (see
:mod:`dvtools.schema.model`), and save/load it as our JSON (:func:`schema_to_json`) or TFDV's
``schema.pbtxt`` (:func:`schema_to_pbtxt`); :func:`load_schema` picks the format by extension or
content.
"""

from dvtools.schema.inference import category_variants, infer_schema, with_default_thresholds
from dvtools.schema.model import (
    SERVING,
    TRAINING,
    BoolDomain,
    Comparator,
    DatasetConstraints,
    Feature,
    FeatureRole,
    FeatureType,
    FloatDomain,
    IntDomain,
    NumExamplesComparator,
    Presence,
    Schema,
    StringDomain,
    ValueCount,
)
from dvtools.schema.serialization import load_schema, save_schema, schema_from_json, schema_to_json
from dvtools.schema.tfdv import schema_from_pbtxt, schema_from_proto, schema_to_pbtxt, schema_to_proto

__all__ = [
    "FeatureRole",
    "Schema",
    "Feature",
    "FeatureType",
    "IntDomain",
    "FloatDomain",
    "StringDomain",
    "BoolDomain",
    "Presence",
    "ValueCount",
    "Comparator",
    "DatasetConstraints",
    "NumExamplesComparator",
    "TRAINING",
    "SERVING",
    "infer_schema",
    "with_default_thresholds",
    "category_variants",
    "schema_to_json",
    "schema_from_json",
    "save_schema",
    "load_schema",
    "schema_to_pbtxt",
    "schema_from_pbtxt",
    "schema_to_proto",
    "schema_from_proto",
]
