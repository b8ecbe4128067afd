"""Example budgets of the fuzzing suite (generated files vs independent readers; mutated artifacts vs loaders)."""

from __future__ import annotations

import os

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


def budget(ci: int) -> int:
    """Examples per test: ``ci`` in the default profile (the CI budget), 30x that in the long one."""
    return ci * 30 if LONG else ci
