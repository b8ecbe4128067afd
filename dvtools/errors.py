"""The one exception tree of dvtools.

::

    DvtoolsError                  anything dvtools raises on purpose
    ├── DataLoadError             a file or upload cannot be read (names the file and the problem)
    ├── StatisticsFormatError     a statistics file is not ours, or of an unknown version
    ├── SchemaError               a schema file is invalid, or an edit would make it invalid
    └── UsageError                the caller asked for something that cannot be done (bad option)

Messages are one line, meant to be shown as is to a person (CLI stderr, UI error box).
Anomalies found in data are *not* exceptions: they are values (see ``dvtools.validation``).
"""

from __future__ import annotations


class DvtoolsError(Exception):
    """Base class: every error dvtools raises on purpose."""


class DataLoadError(DvtoolsError):
    """A data source cannot be read; the message names the source and the problem."""


class StatisticsFormatError(DvtoolsError):
    """A serialized statistics file is malformed or of an unsupported version."""


class SchemaError(DvtoolsError):
    """A schema is malformed, or an edit would make it inconsistent."""


class UsageError(DvtoolsError):
    """A caller passed options that cannot work together."""
