"""Defaults the CLI and the dashboard share, in a module that imports nothing (the CLI's parser reads it).

The drift/skew engine (:mod:`dvtools.comparison.comparators`) defines the policies and checks that
its names are these.
"""

#: The drift/skew policy when none is chosen: ``dvtools compare``, ``dvtools validate``, the API and the dashboard.
DEFAULT_POLICY = "auto"
#: The policies' names (see :data:`dvtools.comparison.comparators.POLICIES`).
POLICY_NAMES = ("tfdv", "auto")
