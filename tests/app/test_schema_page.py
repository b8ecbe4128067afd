"""The Schema page: the grid, edits through the grid (valid and invalid), reset, download, upload."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dvtools.schema import schema_from_json, schema_from_pbtxt, schema_to_json, schema_to_pbtxt
from dvtools.ui import cache
from dvtools.validation import FeatureThresholds, Thresholds, validate_statistics

PAGE = "pages/schema_editor.py"
NASTY = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo(demo_page) -> AppTest:  # noqa: ANN001
    """The app with the demo loaded as ``analysis.load_demo`` does, on the Schema page."""
    return demo_page(PAGE)


def _edit(at: AppTest, feature: str, **cells: object) -> AppTest:
    """Edit cells of ``feature``'s row the way the browser does (each grid's edit state), and rerun."""
    for grid in at.data_editor:
        df = grid.value
        mine = {c: v for c, v in cells.items() if c in df.columns}
        if mine:
            i = int(df.index[df["name"] == feature][0])
            at.session_state[grid.key] = {"edited_rows": {i: mine}, "added_rows": [], "deleted_rows": []}
    return at.run()


def _grid(at: AppTest) -> pd.DataFrame:
    """Every column of the schema grid as the browser shows it: each grid's rows with its edits over them.

    (The page shows it as two grids over the same rows; a grid's data stays its first rows while
    its edit state holds the edits since, as ``st.data_editor`` keeps them.)
    """
    from dvtools.ui.schema_grid import with_grid_edits

    parts = [with_grid_edits(g.value, [at.session_state[g.key] if g.key in at.session_state else None])
             for g in at.data_editor]
    out = parts[0]
    for p in parts[1:]:
        out = out.join(p.drop(columns="name"))
    return out


def _anomalies(at: AppTest) -> set[tuple[str | None, str]]:
    """The anomalies under the schema the page put in state (statistics come from the app's cache)."""
    found = validate_statistics(cache.statistics_for(at.session_state["dataset_current"]),
                                at.session_state["schema"],
                                reference=cache.statistics_for(at.session_state["dataset_reference"]),
                                environment="SERVING", thresholds=at.session_state["thresholds"])
    return {(a.feature, a.type.value) for a in found}


def test_grid_shows_the_inferred_schema(demo):
    assert len(demo.data_editor) == 2 and demo.data_editor[0].key.startswith("schema_grid_")
    df = _grid(demo)
    assert list(df["name"])[:4] == ["run_id", "runner_id", "runner_email", "run_date"]
    assert len(df) == 22  # 18 + gender and three rater columns
    row = df.set_index("name").loc["device_os"]
    assert row["type"] == "STRING" and row["values"] == "Android 13, Android 14, iOS 16, iOS 17"
    assert df.set_index("name").loc["age", "max"] == "70"  # bounds are text: dates need it
    assert list(df.set_index("name").loc["completed", "not_in_environments"]) == ["SERVING"]
    assert any("inferred from the training" in m.value for m in demo.markdown)
    keys = {b.key for b in demo.get("download_button")}
    assert keys == {"schema_download_json", "schema_download_pbtxt"}
    assert demo.button(key="schema_reset")


def test_valid_edit_applies_and_the_anomalies_follow(demo):
    assert ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") in _anomalies(demo)
    version = demo.session_state["schema_version"]
    _edit(demo, "device_os", values="Android 13, Android 14, iOS 16, iOS 17, iOS 18, Android 15")
    assert not demo.exception
    assert not demo.error
    assert demo.session_state["schema_origin"] == "edited"
    assert demo.session_state["schema_version"] > version
    assert "iOS 18" in demo.session_state["schema"].feature("device_os").domain.values
    assert ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") not in _anomalies(demo)
    assert any("edited" in m.value for m in demo.markdown)
    # The Anomalies page reflects it.
    demo.switch_page("pages/anomalies.py").run()
    assert not demo.exception
    demo.multiselect(key="anom_feature").set_value(["device_os", "age"]).run()  # their cards (a page holds 10)
    assert not any(b.key == "current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:device_os" for b in demo.button)
    assert any(b.key == "current:accept:INT_TYPE_BIG_INT:age" for b in demo.button)


@pytest.mark.parametrize("cells", [
    {"values": "Android 13, Android 14, iOS 16, iOS 17, iOS 18, Android 15"},
    {"min_fraction": 0.5, "required": False, "drift_linf": 0.2, "not_in_environments": ["SERVING"]},
])
def test_the_edit_callback_reads_the_grids_as_the_run_does(demo, cells):
    """The grids' on_change applies an edit before the run (one run): it reads the edit state as the run's grids do."""
    from dvtools.ui.schema_grid import rows_to_schema, schema_to_rows, time_types, with_grid_edits

    before = demo.session_state["schema"]
    types = time_types(cache.statistics_for(demo.session_state["dataset_reference"]))
    _edit(demo, "device_os", **cells)  # AppTest sets the edit state without the callback: the run applies it
    assert not demo.exception and not demo.error
    edits = [demo.session_state[g.key] for g in demo.data_editor]
    read, errors = rows_to_schema(with_grid_edits(schema_to_rows(before, types), edits), before, types)
    assert not errors
    assert read == demo.session_state["schema"] != before


def test_range_edit_removes_the_range_anomaly(demo):
    assert ("age", "INT_TYPE_BIG_INT") in _anomalies(demo)
    _edit(demo, "age", max=200)
    assert not demo.exception
    assert demo.session_state["schema"].feature("age").domain.max == 200
    assert ("age", "INT_TYPE_BIG_INT") not in _anomalies(demo)


def test_invalid_edit_is_shown_and_not_applied(demo):
    before = demo.session_state["schema"].copy()
    _edit(demo, "age", min=100)
    assert not demo.exception
    assert len(demo.error) == 1
    assert "age: min 100 is greater than max 70" in demo.error[0].value.replace("\\", "")
    assert demo.session_state["schema"] == before
    _edit(demo, "pace_min_per_km", min_fraction=1.5, drift_js=3)
    assert "pace\\_min\\_per\\_km" in demo.error[0].value  # the feature named, escaped
    assert demo.session_state["schema"] == before


def test_out_of_range_share_is_an_error_not_a_silent_revert(demo):
    # issue 11 #7: "min fraction 2" was clamped/reverted by the widget without a word.
    before = demo.session_state["schema"].copy()
    _edit(demo, "age", min_fraction=2)
    assert not demo.exception
    assert len(demo.error) == 1
    assert "min_fraction must be within [0, 1], got 2" in demo.error[0].value.replace("\\", "")
    assert demo.session_state["schema"] == before


def test_every_row_and_column_is_visible(demo):
    # issue 11 #4: a fixed-height grid hid rows, a wide one hid environments and thresholds.
    from dvtools.ui.schema_grid import COLUMNS

    grids = list(demo.data_editor)
    shown = [c for g in grids for c in g.value.columns]
    assert set(shown) == set(COLUMNS)
    assert all(len(g.value.columns) <= 11 for g in grids)  # each part fits the page's width
    features = len(demo.session_state["schema"].features)
    assert features >= 17 and all(len(g.value) == features for g in grids)  # every feature in both grids


def test_dates_show_as_dates_and_edits_parse_back(demo):
    from dvtools.statistics.model import parse_timestamp

    row = _grid(demo).set_index("name").loc["run_date"]
    assert (row["min"], row["max"]) == ("2024-06-01", "2024-06-28")  # not 19875 / 19902 (days since 1970)
    domain = demo.session_state["schema"].feature("run_date").domain
    us = "timestamp[us]"  # the unit of date/timestamp statistics, so of the inferred range
    assert (domain.min, domain.max) == (parse_timestamp("2024-06-01", us), parse_timestamp("2024-06-28", us))
    # run_date is a timestamp (its inferred role): time moves forward, so later serving runs are no anomaly ...
    assert demo.session_state["schema"].feature("run_date").role == "timestamp"
    assert ("run_date", "INT_TYPE_BIG_INT") not in _anomalies(demo)
    # ... unless it is compared anyway: then serving runs going on to late December are out of range.
    demo.session_state["thresholds"] = Thresholds(per_feature={"run_date": FeatureThresholds(compare=True)})
    demo.run()
    assert ("run_date", "INT_TYPE_BIG_INT") in _anomalies(demo)
    _edit(demo, "run_date", max="2024-12-31")
    assert not demo.exception and not demo.error
    domain = demo.session_state["schema"].feature("run_date").domain
    assert (domain.min, domain.max) == (parse_timestamp("2024-06-01", us), parse_timestamp("2024-12-31", us))
    assert isinstance(domain.max, int)
    assert ("run_date", "INT_TYPE_BIG_INT") not in _anomalies(demo)
    assert _grid(demo).set_index("name").loc["run_date", "max"] == "2024-12-31"


@pytest.mark.parametrize("text", ["31/12/2024", "2024-02-30", "19999", "2024-12-31 25:00"])
def test_an_invalid_date_is_shown_and_not_applied(demo, text):
    before = demo.session_state["schema"].copy()
    _edit(demo, "run_date", max=text)
    assert not demo.exception
    assert len(demo.error) == 1
    message = demo.error[0].value.replace("\\", "")
    assert "run_date: max: " in message and text in message
    assert demo.session_state["schema"] == before


def test_reset_to_inferred(demo):
    _edit(demo, "age", max=200)
    assert demo.session_state["schema_origin"] == "edited"
    demo.button(key="schema_reset").click().run()
    assert not demo.exception
    assert demo.session_state["schema_origin"] == "inferred"
    assert demo.session_state["schema"].feature("age").domain.max == 70
    assert _grid(demo).set_index("name").loc["age", "max"] == "70"  # the grid refreshed


def test_dataset_constraints(demo):
    key = next(n.key for n in demo.number_input if n.key.startswith("schema_min_examples_"))
    demo.number_input(key=key).set_value(10_000).run()
    assert not demo.exception
    assert demo.session_state["schema"].dataset_constraints.min_examples_count == 10_000
    assert (None, "DATASET_LOW_NUM_EXAMPLES") in _anomalies(demo)


def test_downloads_round_trip(demo):
    schema = demo.session_state["schema"]
    assert schema_from_json(schema_to_json(schema)) == schema
    assert schema_from_pbtxt(schema_to_pbtxt(schema)).feature_names == schema.feature_names


def test_upload_json_and_pbtxt_and_bad_upload(demo):
    schema = demo.session_state["schema"].copy()
    schema.feature("age").with_domain((0, 130))
    demo.file_uploader(key="schema_upload").set_value(("mine.json", schema_to_json(schema).encode(),
                                                       "application/json")).run()
    assert not demo.exception
    assert demo.session_state["schema_origin"] == "uploaded"
    assert demo.session_state["schema"].feature("age").domain.max == 130
    assert _grid(demo).set_index("name").loc["age", "max"] == "130"
    demo.file_uploader(key="schema_upload").set_value(("schema.pbtxt", schema_to_pbtxt(schema).encode(),
                                                       "text/plain")).run()
    assert not demo.exception and demo.session_state["schema_origin"] == "uploaded"
    demo.file_uploader(key="schema_upload").set_value(("bad.json", b'{"format": "nope"}',
                                                       "application/json")).run()
    assert not demo.exception
    assert len(demo.error) == 1 and "bad\\.json" in demo.error[0].value
    assert demo.session_state["schema"].feature("age").domain.max == 130  # kept


def test_empty_state(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert any("Data page" in i.value for i in app.info)
    assert app.file_uploader(key="schema_upload")
    assert not app.data_editor


def test_names_from_data_show_literally(app, csv_ref, markdown_texts):
    df = pd.DataFrame({NASTY: ["*x*", "<b>y</b>"] * 10, "n": range(20)})
    app.session_state["dataset_reference"] = csv_ref(df, "**evil**.csv")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    grid = _grid(app)
    assert NASTY in list(grid["name"])
    assert grid.set_index("name").loc[NASTY, "values"] == "*x*, <b>y</b>"
    for text in markdown_texts(app):
        assert NASTY not in text and "**evil**" not in text


def test_notes_from_loading_are_shown(demo, markdown_texts):
    pbtxt = schema_to_pbtxt(demo.session_state["schema"]) + '\nbogus_field: "<b>x</b>"\n'
    demo.file_uploader(key="schema_upload").set_value(("odd.pbtxt", pbtxt.encode(), "text/plain")).run()
    assert not demo.exception
    assert demo.session_state["schema_origin"] == "uploaded"
    notes = demo.session_state["schema"].notes
    assert any("bogus_field" in n for n in notes)
    box = next(e for e in demo.expander if e.label.startswith("Notes from loading/inference"))
    text = "\n".join(m.value for m in box.markdown)
    assert "bogus\\_field" in text  # escaped: shown literally
    assert "<b>" not in "\n".join(markdown_texts(demo))


def test_inference_notes_are_shown(demo):
    box = next(e for e in demo.expander if e.label.startswith("Notes from loading/inference"))
    assert "inferred from 20000 examples" in "\n".join(m.value for m in box.markdown)


def test_an_edit_keeps_the_grids_data_so_edits_add_up(demo):
    """The grids' data stay the rows they were drawn with (new data would reset their edit state: a second run)."""
    before = demo.session_state["schema"].copy()
    drawn = [g.value.copy() for g in demo.data_editor]
    grid = demo.data_editor[0]
    i = int(grid.value.index[grid.value["name"] == "age"][0])
    j = int(grid.value.index[grid.value["name"] == "device_os"][0])
    demo.session_state[grid.key] = {"edited_rows": {i: {"max": "200"}}, "added_rows": [], "deleted_rows": []}
    demo.run()
    assert not demo.exception and not demo.error
    assert demo.session_state["schema"].feature("age").domain.max == 200
    assert demo.data_editor[0].key == grid.key  # the same grids ...
    for g, old in zip(demo.data_editor, drawn, strict=True):
        pd.testing.assert_frame_equal(g.value, old)  # ... over the same data: the browser keeps every edit since
    # A second edit: the grid's edit state holds both (as the browser keeps it); both apply.
    demo.session_state[grid.key] = {"edited_rows": {i: {"max": "200"}, j: {"min_fraction": 0.5}},
                                    "added_rows": [], "deleted_rows": []}
    demo.run()
    assert not demo.exception and not demo.error
    schema = demo.session_state["schema"]
    assert schema.feature("age").domain.max == 200 and schema.feature("device_os").presence.min_fraction == 0.5
    assert _grid(demo).set_index("name").loc["age", "max"] == "200"
    assert schema.feature("city") == before.feature("city")  # the rest as it was
    # Away and back: the grids start again from the schema in use (its edits kept, nothing reverted).
    demo.switch_page("pages/data.py").run()
    demo.switch_page(PAGE).run()
    assert not demo.exception and not demo.error
    assert demo.session_state["schema"] == schema
    rows = _grid(demo).set_index("name")
    assert rows.loc["age", "max"] == "200" and rows.loc["device_os", "min_fraction"] == 0.5


def test_the_editor_is_a_fragment_that_keeps_the_badges_true(demo):
    """An edit reruns the editor (a fragment), and the navigation's badges and the sidebar's counts follow it."""
    from dvtools.ui import frame

    assert "schema" in frame.LIVE_PAGES
    sidebar = [c.value for c in demo.sidebar.caption if "against the schema in use" in c.value]
    assert sidebar and all("(inferred)" in c for c in sidebar)  # the counts, drawn by the page's fragment
    _edit(demo, "age", max=200)
    assert not demo.exception and not demo.error
    sidebar = [c.value for c in demo.sidebar.caption if "against the schema in use" in c.value]
    assert sidebar and all("(edited)" in c for c in sidebar)
    assert len(sidebar) == len({c for c in sidebar})  # drawn once each, not once per run
