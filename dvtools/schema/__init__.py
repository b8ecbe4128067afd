"""The schema: expected features, their types, presence, domains, environments and thresholds.

Build one with :func:`infer_schema` from training statistics, edit it (see
:mod:`dvtools.schema.model`), and save/load it as our JSON (:func:`schema_to_json`) or TFDV's
``schema.pbtxt`` (:func:`schema_to_pbtxt`); :func:`load_schema` picks the format by extension or
content.
"""

from dvtools._lazy import attach

# name -> module: imported on first use (see dvtools._lazy).
_API = {
    "FeatureRole": "dvtools.schema.model",
    "Schema": "dvtools.schema.model",
    "Feature": "dvtools.schema.model",
    "FeatureType": "dvtools.schema.model",
    "IntDomain": "dvtools.schema.model",
    "FloatDomain": "dvtools.schema.model",
    "StringDomain": "dvtools.schema.model",
    "BoolDomain": "dvtools.schema.model",
    "Presence": "dvtools.schema.model",
    "ValueCount": "dvtools.schema.model",
    "Comparator": "dvtools.schema.model",
    "DatasetConstraints": "dvtools.schema.model",
    "NumExamplesComparator": "dvtools.schema.model",
    "TRAINING": "dvtools.schema.model",
    "SERVING": "dvtools.schema.model",
    "infer_schema": "dvtools.schema.inference",
    "with_default_thresholds": "dvtools.schema.inference",
    "category_variants": "dvtools.schema.inference",
    "schema_to_json": "dvtools.schema.serialization",
    "schema_from_json": "dvtools.schema.serialization",
    "save_schema": "dvtools.schema.serialization",
    "load_schema": "dvtools.schema.serialization",
    "schema_to_pbtxt": "dvtools.schema.tfdv",
    "schema_from_pbtxt": "dvtools.schema.tfdv",
    "schema_to_proto": "dvtools.schema.tfdv",
    "schema_from_proto": "dvtools.schema.tfdv",
}

__getattr__, __dir__, __all__ = attach(__name__, _API)
