"""The drift/skew controls every page shares: policy, the method per kind, its global threshold, "compare anyway".

They edit the session's :class:`~dvtools.validation.thresholds.Thresholds` (the engine's policy
and global layers, and the per-feature ``compare`` setting) and nothing else: the Anomalies page
(sidebar) and the Skew & drift page render the same widgets, so a threshold moved on one page is
the threshold of every page, of the badge and of the validation.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dvtools.comparison.comparators import POLICIES, STRICT_METHODS, TEST_METHODS
from dvtools.ui import anomaly_view, drift_view, state
from dvtools.ui.format import md_escape
from dvtools.ui.frame import changes_counts
from dvtools.ui.threshold_input import threshold_input

POLICY_RULE = "policy rule"
POLICY_HELP = ("auto (default, as the CLI): a statistical test when the training data is small (<= 1000 rows), else "
               "the Jensen-Shannon distance (categories; numbers on the training data's quantile bins), counted only when "
               "a chi-square test on the same counts is significant. A method's threshold applies wherever it decides. "
               "tfdv: TensorFlow Data Validation's comparators (L-infinity for categories, Jensen-Shannon "
               "divergence for numbers, threshold 0.1, strictly above).")
KIND_LABELS = {"categorical": "Categorical features", "numeric": "Numeric features"}
PRECEDENCE = ("Precedence: policy < these global settings < the schema's skew/drift comparator < a per-feature "
              "override. Each verdict names the layer its threshold came from.")


@changes_counts
def _set_policy() -> None:
    th = state.get_thresholds()
    state.set_thresholds(anomaly_view.with_globals(th, policy=st.session_state["cmp_policy"] or th.policy))


@changes_counts
def _set_method(kind: str) -> None:
    choice = st.session_state[f"cmp_method_{kind}"]
    method = None if choice in (None, POLICY_RULE) else str(choice)
    state.set_thresholds(anomaly_view.with_method(state.get_thresholds(), kind, method))


@changes_counts
def _set_threshold(method: str, value: float | None) -> None:
    if value is not None:
        state.set_thresholds(anomaly_view.with_method_threshold(state.get_thresholds(), method, float(value)))


def render(reference_rows: int, comparison: Any | None = None) -> None:
    """The policy, and per kind the deciding method and its threshold (values from the session's Thresholds)."""
    th = state.get_thresholds()
    st.session_state["cmp_policy"] = th.policy
    # The precedence in the policy's help, not a caption: one element less on every rerun that draws the controls.
    st.segmented_control("Drift policy", list(POLICIES), key="cmp_policy", required=True, on_change=_set_policy,
                         help=f"{POLICY_HELP}\n\n{PRECEDENCE}")
    observed: dict[str, list[float]] = {}
    if comparison is not None:
        for f in comparison.features:
            for m, v in f.distances.items():
                observed.setdefault(m, []).append(v)
    for kind in ("categorical", "numeric"):
        chosen = th.categorical_method if kind == "categorical" else th.numeric_method
        if chosen is None and kind == "categorical" and th.linf is not None:
            chosen = "l_infinity"
        if chosen is None and kind == "numeric" and th.js is not None:
            chosen = "jensen_shannon_divergence"
        policy_method = POLICIES[th.policy].rule(kind, reference_rows).method
        options = [POLICY_RULE, *anomaly_view.KIND_METHODS[kind]]
        st.session_state[f"cmp_method_{kind}"] = chosen if chosen in options else POLICY_RULE
        st.selectbox(f"{KIND_LABELS[kind]}: decided by", options, key=f"cmp_method_{kind}",
                     format_func=lambda m, pm=policy_method: f"policy rule ({pm})" if m == POLICY_RULE else m,
                     on_change=_set_method, args=(kind,))
        method = anomaly_view.effective_method(th, kind, reference_rows)
        value = anomaly_view.effective_threshold(th, kind, reference_rows)
        bounds = anomaly_view.slider_range(method, observed.get(method, ()))
        key = f"cmp_thr_{kind}_{method}"
        st.session_state[key] = bounds.clamp(value)  # the state's truth (another page may have moved it)
        strict = method in STRICT_METHODS
        label = (f"{method}: significance level (p below it: drift)" if method in TEST_METHODS
                 else f"{method}: threshold ({'above' if strict else 'at or above'} it: drift)")
        # An exact number box (TFDV's 0.001 can be set and reads "0.001"), bounded per statistic.
        threshold_input(label, key=key, value=bounds.clamp(value), low=bounds.low, high=bounds.high,
                        on_change=lambda v, m=method: _set_threshold(m, v))


@changes_counts
def _set_compared(names: list[str]) -> None:
    chosen = set(st.session_state.get("cmp_anyway") or [])
    th = state.get_thresholds()
    for name in names:
        th = anomaly_view.with_compare(th, name, True if name in chosen else None)
    state.set_thresholds(th)


def not_compared(comparison: Any) -> None:
    """"Not compared: identifier / timestamp" with a one-click "compare anyway" per feature."""
    th = state.get_thresholds()
    by_role = dict(comparison.not_compared_by_role)
    forced = [n for n, ft in th.per_feature.items() if ft.compare]
    if comparison.not_compared:
        st.caption("Not compared: " + md_escape(drift_view.not_compared_text(comparison)))
    names = list(dict.fromkeys([*by_role, *forced]))
    if not names:
        return
    st.session_state["cmp_anyway"] = [n for n in forced if n in names]
    st.pills("Compare anyway (identifiers and timestamps are not compared by default)", names,
             selection_mode="multi", key="cmp_anyway", on_change=_set_compared, args=(names,),
             format_func=lambda n: f"{n} ({by_role.get(n, 'compared anyway')})")
