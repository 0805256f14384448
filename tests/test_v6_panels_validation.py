"""The task builder refuses what cannot be a valid task before sending anything: each
invalid form gives its own sentence in the panel and makes no request at all."""

from __future__ import annotations

import pytest

from labpanels.widgets import TaskBuilder
from tests.v6_sessions import researcher

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"
SUMMARY = "harbor2.vantage6.ai/demo/summary"


@pytest.fixture(scope="module")
def research(v6):
    with researcher(v6) as s:
        yield s


@pytest.fixture
def requests_made(research, monkeypatch):
    """Every HTTP request the session makes from now on (method, url)."""
    made: list[tuple[str, str]] = []
    real = research.http.session.request

    def counting(method, url, *args, **kwargs):
        made.append((method, url))
        return real(method, url, *args, **kwargs)

    monkeypatch.setattr(research.http.session, "request", counting)
    return made


def _json(image: str, method: str, text: str):
    def fill(builder: TaskBuilder) -> None:
        builder.set(image=image, method=method)
        builder.json_mode = True
        builder.json_text = text
    return fill


def _form(**values):
    def fill(builder: TaskBuilder) -> None:
        builder.set(**values)
    return fill


def _choose_no_organization(builder: TaskBuilder) -> None:
    builder.set(image=AVERAGE, method="partial_average", kwargs={"column_name": "age"})
    builder.organizations = []


def _no_image(builder: TaskBuilder) -> None:
    builder.image = ""


def _no_function(builder: TaskBuilder) -> None:
    builder.set(image="ghcr.io/example/not-described")
    builder.method = ""


#: (what the user did, how, the start of the sentence the panel must show)
INVALID = [
    ("malformed JSON", _json(AVERAGE, "partial_average", "{column_name: age}"),
     "The arguments are not valid JSON: Expecting property name enclosed in double quotes"),
    ("JSON that is not an object", _json(AVERAGE, "partial_average", '["age"]'),
     'The arguments must be a JSON object, e.g. {"column_name": "age"}'),
    ("an unknown argument name", _json(AVERAGE, "partial_average", '{"column": "age"}'),
     "The function partial_average has no argument 'column'; its arguments: column_name"),
    ("a number for a column name", _json(AVERAGE, "partial_average", '{"column_name": 123}'),
     "Column_name must be a column name (text), not 123 (int)"),
    ("a list for a column name", _json(AVERAGE, "partial_average",
                                       '{"column_name": ["age"]}'),
     "Column_name must be a column name (text), not ['age'] (list)"),
    ("NaN", _json(AVERAGE, "partial_average", '{"column_name": NaN}'),
     "NaN is not a number JSON can carry"),
    ("Infinity", _json(SUMMARY, "central_summary", '{"organizations": [Infinity]}'),
     "Infinity is not a number JSON can carry"),
    ("an empty required argument", _json(AVERAGE, "partial_average", '{"column_name": ""}'),
     "Give a value for column_name"),
    ("a missing required argument", _json(AVERAGE, "partial_average", "{}"),
     "Give a value for column_name"),
    ("null for a required argument", _json(AVERAGE, "partial_average",
                                           '{"column_name": null}'),
     "Give a value for column_name"),
    ("an argument given twice", _json(AVERAGE, "partial_average",
                                      '{"column_name": "age", "column_name": "bmi"}'),
     "The argument 'column_name' is given twice"),
    ("true for a whole number", _json(SUMMARY, "partial_summary", '{"min_count": true}'),
     "Min_count must be a whole number, not True (bool)"),
    ("a fraction for a whole number", _json(SUMMARY, "partial_summary", '{"min_count": 2.5}'),
     "Min_count must be a whole number, not 2.5 (float)"),
    ("a text for a list of columns", _json(SUMMARY, "partial_summary", '{"columns": "age"}'),
     "Columns must be a list of column names (text), not 'age' (str)"),
    ("a foreign organization as argument",
     _json(AVERAGE, "central_average", '{"column_name": "age", "organizations": [999999]}'),
     "Organization 999999 is not in PhY-research; its organizations:"),
    ("organization names instead of ids",
     _json(AVERAGE, "central_average", '{"column_name": "age", "organizations": ["GAZEL"]}'),
     "Organizations must be a list of organization ids"),
    ("a set from code", _form(image=AVERAGE, method="partial_average",
                              kwargs={"column_name": {"age"}}),
     "Column_name must be a column name (text), not {'age'} (a set: give a list)"),
    ("a number from code", _form(image=AVERAGE, method="partial_average",
                                 kwargs={"column_name": 123}),
     "Column_name must be a column name (text), not 123 (int)"),
    ("a foreign organization from code", _form(organizations=[999999]),
     "Organization 999999 is not in the current collaboration"),
    ("no organization chosen", _choose_no_organization, "Choose at least one organization"),
    ("no image", _no_image, "Give the algorithm's image"),
    ("no function", _no_function, "Choose the function to run"),
]


def test_invalid_builder_inputs_send_no_request(research, requests_made):
    before = len(research.tasks("PhY-research"))
    last = research.last_task
    assert len(INVALID) >= 13
    for what, fill, sentence in INVALID:
        builder = TaskBuilder(research)
        del requests_made[:]  # the builder's own first read of the collaboration is done
        try:
            try:
                fill(builder)  # filling the form from code may refuse at once
            except ValueError as exc:
                refused = str(exc)[:1].upper() + str(exc)[1:]
            else:
                assert builder.submit() is None, what
                assert builder.message_kind == "error", what
                refused = builder.message
            assert refused.startswith(sentence), (what, refused)
            assert "Traceback" not in refused and "\n" not in refused, what
            assert requests_made == [], (what, requests_made)
            if builder.message_kind == "error":
                assert builder.code_text.startswith("# Not ready yet"), what
        finally:
            builder.close()
    assert research.last_task == last
    assert len(research.tasks("PhY-research")) == before  # no task was created


def test_the_refusal_follows_the_form(research, requests_made):
    """'Give a value for column_name' goes once the value is typed."""
    builder = TaskBuilder(research)
    del requests_made[:]
    builder.set(image=AVERAGE, method="partial_average")
    assert builder.submit() is None
    assert builder.message.startswith("Give a value for column_name")
    builder.set_value("arg:column_name", "ag")  # typing, letter by letter
    assert builder.message == "" and builder.message_kind == "info"
    builder.set_value("arg:column_name", "")  # erased again: the reason comes back
    assert builder.message.startswith("Give a value for column_name")
    builder.json_mode = True
    builder.json_text = '{"column_name": 1}'
    assert builder.message == "Column_name must be a column name (text), not 1 (int)"
    builder.json_text = '{"column_name": "age"}'
    assert builder.message == ""
    assert requests_made == []
    builder.close()


def test_first_task_name_has_no_number(research, monkeypatch):
    """The first task a builder sends is not called '… #2'."""
    sent = []
    monkeypatch.setattr(research, "create_task",
                        lambda *a, **k: sent.append(k) or {"id": len(sent), "name": k["name"]})
    builder = TaskBuilder(research)
    builder.set(method="central_average")  # the form is redrawn: the auto-name again
    builder.set(method="partial_average", kwargs={"column_name": "age"})
    builder.submit()
    builder.submit()  # within the same second: now a number tells them apart
    first, second = (k["name"] for k in sent)
    assert first.startswith("partial_average (") and "#" not in first
    assert second != first
    builder.close()


def test_misspelt_options_raise(research):
    from labpanels.widgets import (
        CollaborationBrowser,
        JobProgress,
        NodeStatusTable,
        ResultViewer,
        Table,
        Vantage6Dashboard,
    )
    from labpanels.widgets.table import column

    with pytest.raises(TypeError, match="colums"):
        Table(colums=[column("name")])
    for panel in (NodeStatusTable, CollaborationBrowser, TaskBuilder, JobProgress,
                  ResultViewer, Vantage6Dashboard):
        with pytest.raises(TypeError, match="unknown keyword argument"):
            panel(research, hieght=100)
