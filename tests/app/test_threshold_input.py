"""The reusable threshold widget (dvtools.ui.threshold_input): 0.001 can be set and reads back as 0.001."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dvtools.ui.threshold_input import NUMBER_FORMAT, log_steps


def _app(mode: str, value: float | None = 0.1, allow_blank: bool = False) -> AppTest:
    def script(mode: str, value: float | None, allow_blank: bool) -> None:
        import streamlit as st

        from dvtools.ui.format import format_threshold
        from dvtools.ui.threshold_input import threshold_input

        got = threshold_input("L-infinity", key="thr", value=value, mode=mode, allow_blank=allow_blank,
                              on_change=lambda v: st.session_state.__setitem__("seen", v))
        st.text(f"value={format_threshold(got)}")

    return AppTest.from_function(script, args=(mode, value, allow_blank), default_timeout=30)


def test_number_box_takes_0_001_and_shows_it() -> None:
    at = _app("number").run()
    assert not at.exception
    box = at.number_input(key="thr")
    assert box.format == NUMBER_FORMAT and box.step == pytest.approx(0.001)
    box.set_value(0.001).run()
    assert not at.exception
    assert at.text[0].value == "value=0.001"
    assert at.session_state["seen"] == pytest.approx(0.001)
    at.number_input(key="thr").set_value(0.0005).run()  # finer than the step: kept exactly
    assert at.text[0].value == "value=0.0005"


def test_blank_allowed_for_overrides() -> None:
    at = _app("number", value=None, allow_blank=True).run()
    assert not at.exception
    assert at.number_input(key="thr").value is None
    assert at.text[0].value == "value=–"


def test_log_slider_reaches_0_001_and_keeps_the_value() -> None:
    at = _app("log", value=0.003).run()
    assert not at.exception
    slider = at.select_slider(key="thr")
    assert 0.001 in slider.options or "0.001" in slider.options
    assert at.text[0].value == "value=0.003"  # a value between steps is kept, not snapped
    slider.set_value(0.001).run()
    assert at.text[0].value == "value=0.001"


def test_log_steps() -> None:
    steps = log_steps(0.0, 1.0)
    assert steps[0] == 0.0 and 0.001 in steps and 0.0001 in steps and steps[-1] == 1.0
    assert steps == sorted(set(steps))
    assert 0.5 in steps and 0.2 in steps
    assert 16.97 in log_steps(0.01, 100.0, include=16.97)
    with pytest.raises(ValueError, match="invalid threshold bounds"):
        log_steps(1.0, 0.5)
