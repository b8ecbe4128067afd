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


import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Restore ``sys.modules["__main__"]`` after each test.

    Streamlit's script runner (AppTest) installs the page script as ``__main__`` and leaves it
    there; a later Dask LocalCluster spawns workers that re-run ``__main__`` from its file, and an
    ``AppTest.from_function`` script cannot run outside AppTest ("name '__args' is not defined").
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main
