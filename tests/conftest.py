"""Suite-wide test configuration: hypothesis profiles.

``ci`` (the default): a fixed, derandomized example budget, so a run is reproducible and its time
is bounded. ``long``: many more examples for local bug hunting, ``HYPOTHESIS_PROFILE=long pytest
tests/fuzz``. Tests that scale their own budget read :data:`LONG`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", deadline=None, max_examples=2_000, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
