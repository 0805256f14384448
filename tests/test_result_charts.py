"""Result charts: the store's ``ui_visualizations`` applied to a task's results per
organization (charts.py), and the result viewer's ``visualizations``/``charts`` traits and
chart exports. A session that is never logged in stands in for the platform (its results,
task state and ``visualizations`` are set here); one test runs a real task."""

from __future__ import annotations

import copy
import json

import numpy
import pandas as pd
import pytest
from traitlets import TraitError

from labpanels.errors import InvalidArgument, LabpanelsError
from labpanels.vantage6 import Vantage6Session, tables
from labpanels.widgets import ResultViewer
from labpanels.widgets.charts import (
    LocationError,
    build_chart,
    build_charts,
    locate,
    records,
)

TASK = 7

#: a federated function's results: one per organization, the table under "by_age"
FEDERATED = [
    {"organization": "GAZEL", "organization_id": 1, "run_id": 11,
     "result": {"n": 3, "by_age": [{"age": 20, "mean": 1.5, "sd": 0.1},
                                   {"age": 40, "mean": 2.5, "sd": 0.2}]}},
    {"organization": "CANTABRIA", "organization_id": 2, "run_id": 12,
     "result": {"n": 4, "by_age": [{"age": 20, "mean": 3.0, "sd": 0.3},
                                   {"age": 40, "mean": "n/a", "sd": 0.4}]}},
]
TABLE = {"name": "Means", "type": "table", "description": "per age",
         "schema": {"location": ["by_age"], "columns": ["age", "mean"]}}
LINE = {"name": "Mean by age", "type": "line",
        "schema": {"location": ["by_age"], "x": "age", "y": "mean", "y_axis_min": 0}}


# -- locating data ------------------------------------------------------------------------
def test_locate_follows_keys_and_list_positions():
    value = {"data": {"table": [{"a": 1}, {"a": 2}]}}
    assert locate(value, []) is value
    assert locate(value, ["data", "table"]) == [{"a": 1}, {"a": 2}]
    assert locate(value, ["data", "table", "1", "a"]) == 2
    assert locate(value, ["data", "table", -1]) == {"a": 2}
    assert locate({"1": "x"}, [1]) == "x"  # JSON keys are text


@pytest.mark.parametrize(("value", "path", "words"), [
    ({"sum": 1, "count": 2}, ["per_org"], ["result has no key 'per_org'", "sum, count"]),
    ({"a": {"b": 1}}, ["a", "c"], ['result["a"] has no key \'c\'', "(it has: b)"]),
    ({"a": [1, 2]}, ["a", "x"], ['result["a"] is a list', "give a position"]),
    ({"a": [1, 2]}, ["a", "5"], ["list of 2: no position 5"]),
    ({"a": 3}, ["a", "b"], ['result["a"] is a number (3)']),
])
def test_a_missing_key_says_which_and_what_is_there(value, path, words):
    with pytest.raises(LocationError) as caught:
        locate(value, path)
    assert isinstance(caught.value, LabpanelsError) and isinstance(caught.value, KeyError)
    for word in words:
        assert word in str(caught.value), str(caught.value)


def test_tables_in_the_shapes_algorithms_return():
    assert records([{"a": 1}, {"a": 2, "b": 3}]) == [{"a": 1}, {"a": 2, "b": 3}]
    assert records({"x": [1, 2], "y": [3, 4]}) == [{"x": 1, "y": 3}, {"x": 2, "y": 4}]
    assert records({"sum": 1.5, "count": 2}) == [{"sum": 1.5, "count": 2}]
    assert records([1, 2], "age") == [{"age": 1}, {"age": 2}]
    assert records(5) == [{"value": 5}]
    assert records({}) == []
    assert records(None) is None
    assert records({"x": [1, 2], "y": [3]}) is None  # columns of different lengths
    assert records([[1, 2]]) is None


# -- declared tables ------------------------------------------------------------------------
def test_a_declared_table_has_the_declared_columns_and_an_organization_column():
    chart = build_chart(TABLE, FEDERATED)
    assert chart["type"] == "table" and chart["name"] == "Means"
    assert chart["description"] == "per age"
    assert chart["columns"] == ["organization", "age", "mean"]  # sd is not declared
    assert chart["group"] == "organization"
    assert chart["rows"] == [["GAZEL", 20, 1.5], ["GAZEL", 40, 2.5],
                             ["CANTABRIA", 20, 3.0], ["CANTABRIA", 40, "n/a"]]
    assert chart["problems"] == []
    json.dumps(chart)  # it travels as JSON


def test_one_result_has_no_organization_column_and_undeclared_columns_are_all_of_them():
    central = [{"organization": "GAZEL", "organization_id": 1, "run_id": 3,
                "result": {"average": 41.5, "count": 10, "detail": {"a": 1}}}]
    chart = build_chart({"name": "Average", "type": "table", "schema": {"location": []}},
                        central)
    assert chart["group"] is None
    assert chart["columns"] == ["average", "count", "detail"]
    assert chart["rows"] == [[41.5, 10, '{"a": 1}']]  # nested values as JSON text


def test_missing_keys_and_columns_are_sentences_not_exceptions():
    items = [*FEDERATED,
             {"organization": "PhY", "organization_id": 3, "run_id": 13, "result": {"n": 0}},
             {"organization": "NONE", "organization_id": 4, "run_id": 14, "result": None},
             {"organization": "TEXT", "organization_id": 5, "run_id": 15,
              "result": {"by_age": "none yet"}}]
    chart = build_chart({**TABLE, "schema": {"location": ["by_age"],
                                             "columns": ["age", "median"]}}, items)
    problems = chart["problems"]
    assert "PhY: result has no key 'by_age' (it has: n)" in problems
    assert "NONE: the run gave no result" in problems
    assert "TEXT: no column 'age', 'median' in result[\"by_age\"] (it has: by_age)" \
        in problems
    assert any(p.startswith("GAZEL: no column 'median'") and "age, mean, sd" in p
               for p in problems), problems
    assert [r[0] for r in chart["rows"]] == ["GAZEL", "GAZEL", "CANTABRIA", "CANTABRIA"]
    assert chart["rows"][0] == ["GAZEL", 20, None]  # the missing column is empty


def test_unknown_types_and_bad_schemas_are_said():
    histogram = build_chart({"name": "H", "type": "histogram", "schema": {}}, FEDERATED)
    assert histogram["rows"] == [] and "not drawn here" in histogram["problems"][0]
    text_schema = build_chart({"type": "table", "schema": json.dumps(TABLE["schema"])},
                              FEDERATED)
    assert text_schema["columns"] == ["organization", "age", "mean"]
    assert text_schema["name"] == "Table"
    bad = build_chart({"type": "table", "schema": "{not json"}, FEDERATED)
    assert "its schema is not JSON" in bad["problems"]
    assert build_chart("table", FEDERATED)["problems"] == [
        "a visualization is a dict, not text ('table')"]
    assert build_charts([], FEDERATED) == []


# -- declared lines -------------------------------------------------------------------------
def test_a_line_chart_has_one_series_per_organization_and_its_axes():
    chart = build_chart(LINE, FEDERATED)
    assert chart["type"] == "line"
    assert (chart["x"], chart["y"], chart["y_min"], chart["y_max"]) == ("age", "mean", 0, None)
    assert chart["columns"] == ["organization", "age", "mean"]
    assert chart["group"] == "organization"
    assert chart["rows"] == [["GAZEL", 20, 1.5], ["GAZEL", 40, 2.5],
                             ["CANTABRIA", 20, 3.0], ["CANTABRIA", 40, None]]
    assert chart["problems"] == [
        "CANTABRIA: 1 value of 'mean' is not a number (left out of the line)"]


def test_a_line_without_its_axes_or_columns_says_so():
    no_axes = build_chart({"type": "line", "schema": {"location": ["by_age"]}}, FEDERATED)
    assert no_axes["rows"] == []
    assert no_axes["problems"] == ["the line chart declares no 'x' column",
                                   "the line chart declares no 'y' column"]
    wrong = build_chart({"type": "line", "schema": {"location": ["by_age"], "x": "age",
                                                    "y": "median"}}, FEDERATED)
    assert wrong["rows"] == []
    assert wrong["problems"][0].startswith("GAZEL: no column 'median' in result[\"by_age\"]")
    columns = build_chart({"type": "line", "schema": {"x": "t", "y": "v"}},
                          [{"organization": "A", "result": {"t": [1, 2, 3], "v": [2, 4, 8]}}])
    assert columns["group"] is None and columns["columns"] == ["t", "v"]
    assert columns["rows"] == [[1, 2], [2, 4], [3, 8]]


# -- the viewer -----------------------------------------------------------------------------
def _session(monkeypatch, items=FEDERATED, declared=None, *, task=TASK, raising=None):
    """A session that was never logged in, holding one finished task and its results."""
    s = Vantage6Session("http://127.0.0.1:9/api", live=False)
    entry = {**Vantage6Session._base_entry({"id": task, "name": "means", "status": "completed",
                                            "collaboration_id": 1}),
             "results": "ready", "total": len(items), "done": len(items)}
    s.task_state = {**s.task_state, task: entry}
    asked = []

    def results(task_ref, as_frame=True):
        return tables.results_frame(items) if as_frame else copy.deepcopy(items)

    def visualizations(task_ref):
        asked.append(task_ref)
        if raising is not None:
            raise raising
        return copy.deepcopy(declared) if declared is not None else []

    monkeypatch.setattr(s, "results", results)
    monkeypatch.setattr(s, "visualizations", visualizations)  # the store, never asked here
    s.asked = asked
    return s


def test_the_viewer_draws_what_the_session_declares(monkeypatch):
    session = _session(monkeypatch, declared=[TABLE, LINE])
    viewer = ResultViewer(session, TASK, follow=False)
    assert session.asked == [TASK]
    assert viewer.visualizations == [TABLE, LINE]
    assert [c["type"] for c in viewer.charts] == ["table", "line"]
    table, line = viewer.charts
    assert table["columns"] == ["organization", "age", "mean"]
    assert all(isinstance(r, list) and len(r) == 3 for r in table["rows"])
    assert line["rows"][-1] == ["CANTABRIA", 40, None]
    frame = viewer.chart_frame(1)
    assert list(frame.columns) == ["organization", "age", "mean"] and len(frame) == 4
    assert len(viewer.rows) == 2 and "organization" in viewer.columns  # the tables, as today
    state = viewer.get_state()
    assert state["charts"] == viewer.charts and "visualizations" not in state
    viewer._load(TASK)  # read again (e.g. a run's log arrived): the declarations are kept
    assert session.asked == [TASK]
    viewer.close()
    session.close()


def test_without_declarations_the_viewer_shows_the_tables_as_today(monkeypatch):
    session = _session(monkeypatch)  # its store declares nothing for the function
    viewer = ResultViewer(session, TASK, follow=False)
    assert viewer.visualizations == [] and viewer.charts == []
    assert viewer.tab_titles == ["All organizations", "GAZEL", "CANTABRIA"]
    assert viewer.message == ""
    viewer.close()
    empty = _session(monkeypatch, declared=[])
    viewer = ResultViewer(empty, TASK, follow=False)
    assert empty.asked == [TASK] and viewer.charts == [] and len(viewer.rows) == 2
    viewer.close()
    session.close()
    empty.close()


def test_when_the_declarations_cannot_be_read_the_tables_still_show(monkeypatch):
    session = _session(monkeypatch, raising=LabpanelsError("the algorithm store does not answer"))
    viewer = ResultViewer(session, TASK, follow=False)
    assert viewer.charts == [] and len(viewer.rows) == 2
    assert viewer.message_kind == "error"
    assert viewer.message == ("The charts declared for this task could not be read: "
                              "The algorithm store does not answer")
    viewer.close()
    session.close()


def test_a_notebook_author_sets_the_visualizations(monkeypatch):
    session = _session(monkeypatch, declared=[TABLE])
    session.task_state = {**session.task_state, 8: {**session.task_state[TASK], "id": 8}}
    viewer = ResultViewer(session, TASK, follow=False)
    assert [c["name"] for c in viewer.charts] == ["Means"]
    viewer.visualizations = [LINE]  # drawn from the results already read
    viewer.join(10)
    assert [c["name"] for c in viewer.charts] == ["Mean by age"]
    viewer.show(8)  # another task: the author's declarations stay
    assert viewer.visualizations == [LINE] and viewer.charts[0]["name"] == "Mean by age"
    assert session.asked == [TASK]
    assert viewer.reset_visualizations() == [TABLE]  # back to what the session declares
    assert session.asked == [TASK, 8] and viewer.visualizations == [TABLE]
    assert [c["name"] for c in viewer.charts] == ["Means"]
    assert len(viewer.chart_frame(numpy.int64(0))) == 4  # any integer counts
    with pytest.raises(TraitError, match="'visualizations' trait .* expected a dict"):
        viewer.visualizations = ["not a dict"]
    viewer.close()
    # given when the viewer is made: the session is not asked
    plain = _session(monkeypatch, declared=[TABLE])
    viewer = ResultViewer(plain, TASK, follow=False, visualizations=[LINE])
    assert plain.asked == [] and [c["type"] for c in viewer.charts] == ["line"]
    viewer.close()
    session.close()
    plain.close()


def test_export_as_csv_at_once_and_as_svg_or_png_through_the_view(monkeypatch, tmp_path):
    session = _session(monkeypatch, declared=[TABLE, LINE])
    viewer = ResultViewer(session, TASK, follow=False)
    sent = []
    viewer.send = lambda content, buffers=None: sent.append((content, buffers))

    done = viewer.export_chart(0, tmp_path / "means.csv", "csv")
    assert done.result(0) == tmp_path / "means.csv"
    back = pd.read_csv(tmp_path / "means.csv")
    assert list(back.columns) == ["organization", "age", "mean"] and len(back) == 4

    with pytest.raises(LabpanelsError, match="display the viewer"):
        viewer.export_chart(1, tmp_path / "line.svg")  # no view drawn it yet
    with pytest.raises(InvalidArgument, match="is a table"):
        viewer.export_chart(0, tmp_path / "t.svg")
    with pytest.raises(InvalidArgument, match="no chart 5"):
        viewer.export_chart(5, tmp_path / "x.svg")
    with pytest.raises(InvalidArgument, match="not 'gif'"):
        viewer.export_chart(1, tmp_path / "x.gif", "gif")

    def from_view(content, buffers=()):
        viewer._handle_custom_msg(content, list(buffers))

    from_view({"type": "view", "view": "v1", "drawn": True})
    future = viewer.export_chart(1, tmp_path / "line.svg", "svg")
    (request, _), = sent
    assert request["type"] == "export" and request["index"] == 1
    assert request["format"] == "svg" and request["view"] == "v1"
    assert not future.done()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    from_view({"type": "exported", "id": request["id"], "format": "svg"}, [memoryview(svg)])
    assert future.result(0) == tmp_path / "line.svg"
    assert (tmp_path / "line.svg").read_bytes() == svg

    failing = viewer.export_chart(1, tmp_path / "line.png", "png")
    from_view({"type": "exported", "id": sent[-1][0]["id"], "error": "no canvas"})
    with pytest.raises(LabpanelsError, match="could not make the file: no canvas"):
        failing.result(0)
    slow = viewer.export_chart(1, tmp_path / "slow.png", "png", timeout=0.2)
    with pytest.raises(TimeoutError, match="did not send chart 1 within 0.2 s"):
        slow.result(5)
    from_view({"type": "view", "view": "v1", "drawn": False})  # the view was removed
    with pytest.raises(LabpanelsError, match="display the viewer"):
        viewer.export_chart(1, tmp_path / "line.svg")

    sent.clear()  # the Save buttons: the view saves the file itself
    from_view({"type": "action", "name": "download_chart",
               "args": {"index": 1, "format": "png", "view": "v2"}})
    (request, _), = sent
    assert request == {"type": "export", "index": 1, "format": "png", "save": True,
                       "filename": f"task-{TASK}-mean-by-age.png", "view": "v2"}
    assert viewer.download_chart(0, "csv") == f"task-{TASK}-means.csv"
    content, buffers = sent[-1]
    assert content["type"] == "file" and bytes(buffers[0]).decode().startswith(
        "organization,age,mean")
    viewer.close()
    session.close()


def test_closing_the_viewer_ends_waiting_exports(monkeypatch, tmp_path):
    session = _session(monkeypatch, declared=[LINE])
    viewer = ResultViewer(session, TASK, follow=False)
    viewer.send = lambda content, buffers=None: None
    viewer._handle_custom_msg({"type": "view", "view": "v", "drawn": True}, [])
    future = viewer.export_chart(0, tmp_path / "x.svg")
    viewer.close()
    with pytest.raises(LabpanelsError, match="was closed"):
        future.result(0)
    session.close()


# -- the real platform ----------------------------------------------------------------------
@pytest.mark.platform
def test_charts_of_a_real_partial_average(v6):
    session = Vantage6Session(v6["url"], live=False)
    session.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    session.select("PhY-research")
    task = session.create_task("harbor2.vantage6.ai/demo/average", "partial_average",
                               kwargs={"column_name": "age"})
    session.wait(task)
    declared = [{"name": "Sums", "type": "table", "schema": {"location": [],
                                                            "columns": ["count", "sum"]}},
                {"name": "Sum by count", "type": "line",
                 "schema": {"location": [], "x": "count", "y": "sum"}}]
    viewer = ResultViewer(session, task, follow=False, visualizations=declared)
    viewer.join(30)
    frame = viewer.table
    table, line = viewer.charts
    assert table["columns"] == ["organization", "count", "sum"]
    expected = {(r["organization"], r["count"], r["sum"]) for _, r in frame.iterrows()}
    assert {tuple(r) for r in table["rows"]} == expected
    assert len(line["rows"]) == len(frame) and line["problems"] == []
    viewer.close()
    session.close()
