"""Defaults the CLI and the dashboard share, in a module that imports nothing (the CLI's parser reads it).

The drift/skew engine (:mod:`dvtools.comparison.comparators`) defines the policies and checks that
its names are these.
"""

#: The drift/skew policy when none is chosen: ``dvtools compare``, ``dvtools validate``, the API and the dashboard.
DEFAULT_POLICY = "auto"
#: The policies' names (see :data:`dvtools.comparison.comparators.POLICIES`).
POLICY_NAMES = ("tfdv", "auto")
#: Defaults of the group (fairness) thresholds (:class:`dvtools.validation.group_thresholds.GroupThresholds`
#: reads them; so does ``dvtools fairness --help``): minimum share and count of a group, share change and
#: ratio, lowest/highest label rate ratio (the four-fifths line), missing-share gap and ratio.
GROUP_THRESHOLDS = {"min_share": 0.01, "min_count": 30, "max_share_change": 0.1, "max_share_ratio": 2.0,
                    "min_rate_ratio": 0.8, "max_missing_gap": 0.1, "missing_ratio": 2.0}
#: What a user reads for the two datasets of a comparison, by comparator, when the caller does not name
#: them: the training data against serving data (``skew``) or against evaluation data (``drift``).
#: Anomaly descriptions say "serving values lie outside the training range", never "reference"/"current".
DATASET_NAMES = {"skew": ("training", "serving"), "drift": ("training", "evaluation")}
