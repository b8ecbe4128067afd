"""The Anomalies page: the demo's planted problems, threshold sliders, accept, drill-down, empty states."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dvtools.statistics.engine import compute_statistics

PAGE = "pages/anomalies.py"
NASTY = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo(demo_page) -> AppTest:  # noqa: ANN001
    """The app with the demo loaded as ``analysis.load_demo`` does, on the Anomalies page, thresholds open."""
    at = demo_page(PAGE)
    at.session_state["anom_thresholds"] = True  # the user opens both threshold panels (built only while open)
    at.session_state["anom_overrides"] = True
    at.run()
    assert not at.exception
    return at


def _table(at: AppTest) -> pd.DataFrame:
    for df in at.dataframe:
        v = df.value
        if {"severity", "feature", "type", "description"} <= set(v.columns):
            return v
    raise AssertionError("no anomaly table on the page")


def _found(at: AppTest) -> set[tuple[str, str]]:
    t = _table(at)
    return set(zip(t["feature"], t["type"], strict=True))


def _metric(at: AppTest, label: str) -> str:
    """The first group's "Anomalies" metric, or its errors / warnings / features affected (the line beneath it)."""
    import re

    metric = next(m for m in at.metric if m.label == "Anomalies")
    if label == "Anomalies":
        return metric.value
    words = {"Errors": "error", "Warnings": "warning", "Features affected": "feature"}[label]
    return re.search(rf"(\d[\d,]*) {words}", metric.proto.delta).group(1)


def _cards_of(at: AppTest, *features: str) -> AppTest:
    """Show the cards of these features (the Feature filter): a page holds ``CARDS_PER_PAGE`` cards."""
    at.multiselect(key="anom_feature").set_value(list(features)).run()
    assert not at.exception
    return at


def _accept_keys(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("current:accept:")]


def test_demo_shows_every_planted_problem(demo):
    found = _found(demo)
    planted = {
        ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES"),
        ("elevation_ft", "UNEXPECTED_DATA_TYPE"),
        ("app_version", "SCHEMA_NEW_COLUMN"),
        ("weather", "SCHEMA_MISSING_COLUMN"),
        ("age", "INT_TYPE_BIG_INT"),
        ("heart_rate", "ZERO_AS_MISSING_MARKER"),
        ("city", "CATEGORY_VARIANTS"),
        ("signup_channel", "MISSING_SHARE_INCREASE"),
        ("temperature_c", "DISTRIBUTION_DRIFT"),  # the default policy (auto): normalized Wasserstein
        ("distance_km", "DISTRIBUTION_DRIFT"),
        ("gps_accuracy_m", "FLOAT_TYPE_HAS_INF"),
        ("route_type", "CONSTANT_COLUMN"),
    }
    assert planted <= found
    assert all(f != "completed" for f, _ in found)  # the label is not expected in SERVING
    # Identifiers and the timestamp are not compared by default (no drift, no range): the page says so.
    assert not {f for f, _ in found} & {"run_id", "runner_id", "run_date"}
    captions = [c.value.replace("\\", "") for c in demo.caption]  # Markdown escapes
    assert any("Not compared: " in c and "identifier: runner_id" in c and "timestamp: run_date" in c for c in captions)
    t = _table(demo)
    assert int(_metric(demo, "Anomalies")) == len(t)
    assert int(_metric(demo, "Errors")) == (t["severity"] == "ERROR").sum() > 0
    assert int(_metric(demo, "Warnings")) == (t["severity"] == "WARNING").sum() > 0
    markdown = "\n".join(m.value for m in demo.markdown)
    assert ":red-badge[ERROR]" in markdown  # errors first: the first page of cards
    assert {s.value for s in demo.subheader} >= {f"Errors ({_metric(demo, 'Errors')})"}
    demo.number_input(key="anom_cards_page_current").set_value(demo.number_input(key="anom_cards_page_current").max)
    demo.run()
    markdown = "\n".join(m.value for m in demo.markdown)
    assert ":orange-badge[WARNING]" in markdown and ":red-badge[ERROR]" not in markdown  # the last page: warnings
    assert {s.value for s in demo.subheader} >= {f"Warnings ({_metric(demo, 'Warnings')})"}


def test_cards_a_page_at_a_time(demo):
    """Every anomaly has its card on exactly one page; the page number stays in range when a filter shrinks the list."""
    from dvtools.ui.anomaly_panel import CARDS_PER_PAGE

    n = len(_table(demo))
    assert n > 2 * CARDS_PER_PAGE  # the demo needs three pages
    pages = -(-n // CARDS_PER_PAGE)
    assert demo.number_input(key="anom_cards_page_current").max == pages
    seen: list[str] = []
    for page in range(1, pages + 1):
        demo.number_input(key="anom_cards_page_current").set_value(page).run()
        assert not demo.exception
        cards = [m.value for m in demo.markdown if "-badge[" in m.value]
        assert len(cards) == (CARDS_PER_PAGE if page < pages else n - CARDS_PER_PAGE * (pages - 1))
        assert any(f"cards {(page - 1) * CARDS_PER_PAGE + 1}–" in c.value for c in demo.caption)
        seen += cards
    assert len(seen) == len(set(seen)) == n
    _cards_of(demo, "device_os")  # two anomalies: one page, no page box
    assert not any(w.key == "anom_cards_page_current" for w in demo.number_input)
    assert len(_accept_keys(demo)) == 2


def test_card_details_are_built_when_opened(demo):
    from dvtools.ui.components import stable_key

    _cards_of(demo, "device_os")
    markdown = "\n".join(m.value for m in demo.markdown)
    assert "**What it means.**" not in markdown  # closed expanders cost nothing on a rerun
    assert not any({"detail", "value"} <= set(d.value.columns) for d in demo.dataframe)
    uid = stable_key("card", "current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:device_os")
    demo.session_state[f"{uid}_details"] = True  # the user opens the card's details
    demo.run()
    assert not demo.exception
    markdown = "\n".join(m.value for m in demo.markdown)
    assert markdown.count("**What it means.**") == 1
    unexpected = next(d.value for d in demo.dataframe if list(d.value.columns) == ["value", "count"])
    assert set(unexpected["value"]) == {"iOS 18", "Android 15"}


def test_linf_slider_hides_and_shows_comparator_anomalies(demo):
    def linf(at: AppTest) -> set[str]:
        return {f for f, t in _found(at) if t == "COMPARATOR_L_INFTY_HIGH"}

    assert linf(demo) == set()  # the default policy (auto) decides categorical features by JS distance
    demo.button_group(key="cmp_policy").set_value("tfdv").run()  # TFDV: L-infinity > 0.1
    assert not demo.exception and demo.session_state["thresholds"].policy == "tfdv"
    assert {"route_type", "device_os"} <= linf(demo)
    demo.number_input(key="cmp_thr_categorical_l_infinity").set_value(1.0).run()
    assert not demo.exception
    assert linf(demo) == set()
    assert demo.session_state["thresholds"].methods["l_infinity"] == 1.0
    demo.number_input(key="cmp_thr_categorical_l_infinity").set_value(0.01).run()
    assert not demo.exception
    assert "route_type" in linf(demo) and len(linf(demo)) >= 3
    demo.number_input(key="cmp_thr_numeric_jensen_shannon_divergence").set_value(1.0).run()
    assert not any(t == "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH" for _, t in _found(demo))


def test_missing_tolerance_slider(demo):
    assert ("signup_channel", "MISSING_SHARE_INCREASE") in _found(demo)
    demo.number_input(key="thr_missing").set_value(0.5).run()
    assert ("signup_channel", "MISSING_SHARE_INCREASE") not in _found(demo)


def test_accept_removes_the_anomaly(demo):
    key = "current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:device_os"
    _cards_of(demo, "device_os")
    demo.button(key=key).click().run()
    assert not demo.exception
    found = _found(demo)
    assert ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") not in found
    assert ("device_os", "DISTRIBUTION_DRIFT") in found  # only that one was accepted
    assert demo.session_state["schema_origin"] == "edited"
    assert set(demo.session_state["schema"].feature("device_os").domain.values) >= {"iOS 18", "Android 15"}
    assert any("Accepted ENUM" in i.value for i in demo.info)


def test_accept_new_column_and_missing_column(demo):
    _cards_of(demo, "app_version", "weather")
    demo.button(key="current:accept:SCHEMA_NEW_COLUMN:app_version").click().run()
    demo.button(key="current:accept:SCHEMA_MISSING_COLUMN:weather").click().run()
    assert not demo.exception
    found = _found(demo)
    assert not {("app_version", "SCHEMA_NEW_COLUMN"), ("weather", "SCHEMA_MISSING_COLUMN")} & found


def test_override_editor_and_no_accept_for_an_override(demo):
    demo.selectbox(key="thr_feature").set_value("route_type")
    demo.number_input(key="thr_feature_linf").set_value(0.2)
    demo.button(key="thr_override_set").click().run()
    assert not demo.exception
    assert demo.session_state["thresholds"].per_feature["route_type"].linf == 0.2
    assert ("route_type", "COMPARATOR_L_INFTY_HIGH") in _found(demo)  # 0.40 > 0.2
    _cards_of(demo, "route_type", "device_os")
    keys = {b.key for b in demo.button}
    assert "current:accept:COMPARATOR_L_INFTY_HIGH:route_type" not in keys  # comes from the override
    assert "current:accept:DISTRIBUTION_DRIFT:device_os" in keys
    demo.number_input(key="thr_feature_linf").set_value(0.5)
    demo.button(key="thr_override_set").click().run()
    assert ("route_type", "COMPARATOR_L_INFTY_HIGH") not in _found(demo)
    demo.button(key="thr_override_clear").click().run()
    assert demo.session_state["thresholds"].per_feature == {}


def test_filters(demo):
    demo.multiselect(key="anom_severity").set_value(["WARNING"]).run()
    assert set(_table(demo)["severity"]) == {"WARNING"}
    demo.multiselect(key="anom_severity").set_value([])
    demo.multiselect(key="anom_feature").set_value(["device_os"]).run()
    assert set(_table(demo)["feature"]) == {"device_os"}
    assert {b.key for b in demo.button if b.key.startswith("current:accept:")} == {
        "current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:device_os", "current:accept:DISTRIBUTION_DRIFT:device_os"}


def test_drilldown_shows_the_offending_rows(demo):
    from dvtools.ui.components import stable_key

    key = "current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:device_os"
    _cards_of(demo, "device_os")
    demo.session_state[f"drill:{key}"] = True
    demo.run()
    assert not any("row" in d.value.columns for d in demo.dataframe)  # inside the card's details: closed
    demo.session_state[f"{stable_key('card', key)}_details"] = True  # the user opens them
    demo.run()
    assert not demo.exception
    assert demo.toggle(key=f"drill:{key}").value
    rows = next(d.value for d in demo.dataframe if "row" in d.value.columns and "device_os" in d.value.columns)
    assert len(rows) == 20
    assert set(rows["device_os"]) <= {"iOS 18", "Android 15"}
    assert any("1,927 rows of 8,000" in c.value for c in demo.caption)


def test_statistics_only_current_says_drilldown_needs_rows(app, csv_ref, bytes_ref):
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "c": ["a", "b"] * 20})
    serve = pd.DataFrame({"x": [1.0, 2.0, 50.0, 4.0] * 10, "c": ["a", "zz"] * 20})
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = bytes_ref(compute_statistics(serve).to_json().encode(), "serve_stats.json")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert ("c", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") in _found(app)
    from dvtools.ui.components import stable_key

    app.session_state[f"{stable_key('card', 'current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:c')}_details"] = True
    app.run()
    assert not app.exception
    assert any("Drill-down needs the raw rows" in c.value.replace("\\", "") and "Serving" in c.value
               for c in app.caption)
    assert not any(t.key and t.key.startswith("drill:") for t in app.toggle)


def test_empty_states(app, csv_ref):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert any("Data page" in i.value for i in app.info)
    same = pd.DataFrame({"x": [1, 2, 3, 4] * 5, "c": ["a", "b"] * 10})
    app.session_state["dataset_reference"] = csv_ref(same, "a.csv")
    app.session_state["dataset_current"] = csv_ref(same, "b.csv")
    app.run()
    assert not app.exception
    assert any("No anomalies" in s.value for s in app.success)


def test_names_from_data_show_literally(app, csv_ref, markdown_texts):
    train = pd.DataFrame({"x": [1, 2, 3, 4] * 5})
    serve = pd.DataFrame({"x": [1, 2, 3, 4] * 5, NASTY: ["*boom*", "<b>x</b>"] * 10})
    app.session_state["dataset_reference"] = csv_ref(train, "a.csv")
    app.session_state["dataset_current"] = csv_ref(serve, "b.csv")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert (NASTY, "SCHEMA_NEW_COLUMN") in _found(app)
    for text in markdown_texts(app):
        assert NASTY not in text and "*boom*" not in text and "<b>x" not in text
    assert any("\\<img src=x onerror=alert\\(1\\)\\>" in m.value for m in app.markdown)


def _page_titles(at: AppTest) -> list[str]:
    return [p["page_name"] for p in at._registered_pages.values()]


def test_validation_failure_badge_and_one_line_error(demo, monkeypatch):
    assert any(t.startswith("Anomalies (") and t[len("Anomalies ("):-1].isdigit() for t in _page_titles(demo))

    def boom(*args, **kwargs):
        raise RuntimeError("validator exploded\nsecond line")

    monkeypatch.setattr("dvtools.validation.validate_statistics", boom)
    demo.session_state["opt_environment"] = "TRAINING"  # a new validation (the last result is remembered)
    demo.run()
    assert not demo.exception
    assert "Anomalies (!)" in _page_titles(demo)
    assert "Anomalies (0)" not in _page_titles(demo)
    assert len(demo.error) == 1
    assert "validation failed" in demo.error[0].value and "RuntimeError" in demo.error[0].value
    assert "\n" not in demo.error[0].value  # one line
    assert not _table_or_none(demo)
    assert any("validation failed" in c.value.lower() for c in demo.sidebar.caption)
    monkeypatch.undo()
    demo.run()
    assert not demo.exception and not demo.error
    assert "Anomalies (!)" not in _page_titles(demo)
    assert "_badge_error" not in demo.session_state


def _table_or_none(at: AppTest) -> pd.DataFrame | None:
    try:
        return _table(at)
    except AssertionError:
        return None


def test_server_argument_errors_are_escaped(monkeypatch):
    import sys

    path = "/tmp/no_such_**dir**/[x](y)_file.csv"
    monkeypatch.setattr(sys, "argv", ["app.py", "--reference", path])
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "\\*\\*dir\\*\\*" in errors[0] and "\\[x\\]\\(y\\)" in errors[0]
    assert "**dir**" not in errors[0]


def test_badges_stay_true_after_every_action(demo):
    """Threshold moves, accept and undo (callbacks that may ask for the app run themselves): the badge counts the page."""
    def badge() -> int:
        title = next(t for t in _page_titles(demo) if t.startswith("Anomalies ("))
        return int(title[len("Anomalies ("):-1])

    counts = [badge()]
    assert counts[0] == int(_metric(demo, "Anomalies"))
    steps = [
        lambda: demo.number_input(key="cmp_thr_categorical_jensen_shannon_distance").set_value(1.0),
        lambda: demo.number_input(key="thr_missing").set_value(0.5),
        lambda: demo.button(key=_accept_keys(demo)[0]).click(),
        lambda: demo.button(key="anom_undo").click(),
        lambda: demo.number_input(key="cmp_thr_categorical_jensen_shannon_distance").set_value(0.05),
    ]
    for act in steps:
        act()
        demo.run()
        assert not demo.exception
        counts.append(badge())
        assert counts[-1] == int(_metric(demo, "Anomalies")) == len(_table(demo))
    assert len(set(counts)) > 2  # the actions changed the count, and the badge followed each time


def test_threshold_panels_are_built_only_when_open(demo_page):
    """Closed, each threshold panel is one element on every run of the fragment (an accept, a filter)."""
    at = demo_page(PAGE)
    keys = {w.key for w in at.number_input} | {w.key for w in at.selectbox}
    assert not {k for k in keys if k and (k.startswith("cmp_thr_") or k.startswith("thr_"))}
    labels = [e.label for e in at.expander]
    assert "Thresholds (shared with the Skew & drift page)" in labels and "Per-feature overrides" in labels
    at.session_state["anom_thresholds"] = True
    at.run()
    keys = {w.key for w in at.number_input}
    assert {"cmp_thr_categorical_jensen_shannon_distance", "thr_missing"} <= keys
    assert "thr_feature_linf" not in keys  # the overrides panel is still closed
    at.session_state["anom_overrides"] = True
    at.run()
    assert "thr_feature_linf" in {w.key for w in at.number_input}


def test_card_is_one_markdown_block_with_badge_texts_and_values(demo):
    _cards_of(demo, "device_os")
    texts = [m.value for m in demo.markdown if "ENUM_TYPE_UNEXPECTED_STRING_VALUES" in m.value]
    assert len(texts) == 1  # title, description and observed/expected in one block
    text = texts[0]
    assert text.startswith((":red-badge[ERROR] **device\\_os**", ":orange-badge[WARNING] **device\\_os**"))
    assert "observed:" in text and "expected:" in text


def test_downloads_build_the_latest_anomalies_after_an_accept(demo):
    """The sidebar's buttons build their files at click time from the fragment's last lists (no stale file)."""
    import json

    from dvtools.ui.anomaly_panel import _LIVE_FILES

    def serving_json() -> list:
        return json.loads(demo.session_state[_LIVE_FILES]["dl_anomalies_json_current"].build())["anomalies"]

    before = serving_json()
    assert any(a["feature"] == "weather" and a["type"] == "SCHEMA_MISSING_COLUMN" for a in before)
    _cards_of(demo, "weather")
    demo.button(key="current:accept:SCHEMA_MISSING_COLUMN:weather").click().run()
    assert not demo.exception
    after = serving_json()
    assert len(after) == len(before) - 1
    assert not any(a["feature"] == "weather" and a["type"] == "SCHEMA_MISSING_COLUMN" for a in after)
    assert any(b.label == "Serving anomalies (JSON)" for b in demo.sidebar.get("download_button"))


def _blocks(node, pattern: str) -> list:  # noqa: ANN001
    """The blocks under ``node`` whose key matches ``pattern`` (a regular expression, at the id's end)."""
    import re

    out = []
    for child in getattr(node, "children", {}).values():
        if re.search(pattern + "$", str(getattr(getattr(child, "proto", None), "id", ""))):
            out.append(child)
        out += _blocks(child, pattern)
    return out


def test_a_card_is_four_elements(demo):
    """A card re-sent on every threshold move or accept: its block, its text, Accept and one closed expander."""
    cards = _blocks(demo.main, "-card_[0-9a-f]{12}")
    assert len(cards) == 10
    for card in cards:
        kinds = [c.type for c in card.children.values()]
        assert kinds in (["markdown", "button", "expander"], ["markdown", "expander"])
        expander = list(card.children.values())[-1]
        assert not expander.children  # built when opened
    labels = {list(c.children.values())[-1].label for c in cards}
    assert "Numbers behind it · what it means · rows" in labels  # with the drill-down where it applies


def test_anomaly_table_is_plain_data(demo):
    """No Styler: plain text cells, the severity a pill in its colour (no per-cell styles built or sent)."""
    import json

    from dvtools.ui.charts import SEVERITY_COLORS

    table = next(d for d in demo.dataframe if "severity" in d.value.columns)
    assert not table.proto.arrow_data.HasField("styler")
    config = json.loads(table.proto.columns)
    assert config["severity"]["type_config"]["options"] == [
        {"value": s, "color": c} for s, c in SEVERITY_COLORS.items()]
    assert set(table.value["severity"]) == {"ERROR", "WARNING"}
    assert "index" not in table.value.columns


def test_card_texts_follow_a_threshold(demo):
    """Card texts are remembered per anomaly: a moved threshold still shows the new observed/expected values."""
    demo.button_group(key="cmp_policy").set_value("tfdv").run()
    demo.number_input(key="cmp_thr_categorical_l_infinity").set_value(0.3).run()
    _cards_of(demo, "route_type")
    markdown = "\n".join(m.value for m in demo.markdown if "COMPARATOR_L_INFTY_HIGH" in m.value)
    assert "expected: 0.3" in markdown.replace("\\", "")
    demo.number_input(key="cmp_thr_categorical_l_infinity").set_value(0.2).run()
    markdown = "\n".join(m.value for m in demo.markdown if "COMPARATOR_L_INFTY_HIGH" in m.value)
    assert "expected: 0.2" in markdown.replace("\\", "") and "expected: 0.3" not in markdown.replace("\\", "")


def test_one_metric_per_group(demo):
    """Each group's count is one metric, its errors, warnings and features affected in the line beneath it."""
    assert [m.label for m in demo.metric] == ["Anomalies"]  # the serving group's (the fixture has no evaluation)
    t = _table(demo)
    assert int(_metric(demo, "Errors")) + int(_metric(demo, "Warnings")) == int(_metric(demo, "Anomalies")) == len(t)
    assert int(_metric(demo, "Features affected")) == len(set(t["feature"]) - {"(dataset)"})
