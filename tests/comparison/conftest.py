"""Fixtures for the comparison tests."""

from __future__ import annotations

import pytest
from cmp_helpers import stats_of


@pytest.fixture
def make_stats():
    return stats_of
