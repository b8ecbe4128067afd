"""The three datasets of the dashboard: their roles, names, colours and comparators, defined once.

Session keys and server arguments keep the library's words (``reference`` for training,
``current`` for serving, ``evaluation``); everything a user reads names the dataset by its role
(Training / Evaluation / Serving) and its file, never "reference" or "current". Every table and
chart draws a dataset in its one colour, :data:`COLORS`.
"""

from __future__ import annotations

#: The roles in display order: training first, then the two datasets compared with it.
ORDER = ("reference", "evaluation", "current")
#: What a user reads for each role.
NAMES = {"reference": "Training", "evaluation": "Evaluation", "current": "Serving"}
#: One colour per dataset, in every table and chart (fairness figures included).
COLORS = {"reference": "#3266c8", "evaluation": "#2ca02c", "current": "#f0892b"}
#: :data:`COLORS` in words, for captions ("Training in blue").
COLOR_NAMES = {"reference": "blue", "evaluation": "green", "current": "orange"}
#: The schema comparator that judges a dataset against training (TFDV: drift for evaluation, skew for serving).
COMPARATORS = {"evaluation": "drift", "current": "skew"}
#: The datasets compared with training, in the order the pages list their pairs.
COMPARED = ("evaluation", "current")


def name(role: str) -> str:
    """``Training`` / ``Evaluation`` / ``Serving``."""
    return NAMES[role]


def label(role: str, file_name: str | None = None) -> str:
    """``Training (runs_training.csv)``: the role, and the file when known."""
    return f"{NAMES[role]} ({file_name})" if file_name else NAMES[role]


def pair_title(role: str) -> str:
    """``Serving vs Training``: the pair of ``role`` with the training data."""
    return f"{NAMES[role]} vs {NAMES['reference']}"
