"""The catalogue model in the algorithm store's terms: every argument type, defaults,
allowed values, conditions, frontend-only arguments, and the store's JSON both ways."""

from __future__ import annotations

import pytest

from labpanels.vantage6 import catalogue
from labpanels.vantage6.catalogue import REQUIRED, TYPES, Algorithm, Argument, Function

#: a store record as ``GET /api/algorithm`` returns it (ids link conditions)
RECORD = {
    "id": 7, "name": "All types", "image": "example.org/all:1", "partitioning": "horizontal",
    "vantage6_version": "4.15", "code_url": "https://example.org/code",
    "documentation_url": "https://example.org/docs", "description": "every type",
    "functions": [{
        "name": "f", "display_name": "F", "description": "does f", "type": "central",
        "standalone": True, "databases": [{"name": "default", "description": "main"}],
        "ui_visualizations": [
            {"name": "T", "description": "", "type": "table",
             "schema": {"location": ["rows"], "columns": ["a"]}},
            {"name": "L", "type": "line", "schema": {"location": ["s"], "x": "x", "y": "y"}}],
        "arguments": [
            {"id": 1, "name": "col", "type": "column"},
            {"id": 2, "name": "cols", "type": "column_list", "has_default_value": True,
             "default_value": '["age"]'},
            {"id": 3, "name": "s", "type": "string", "allowed_values": [{"value": "a"},
                                                                        {"value": "b"}]},
            {"id": 4, "name": "ss", "type": "string_list", "has_default_value": True},
            {"id": 5, "name": "i", "type": "integer", "has_default_value": True,
             "default_value": "2", "allowed_values": [{"value": 1}, {"value": 2}]},
            {"id": 6, "name": "ii", "type": "integer_list", "has_default_value": True,
             "default_value": "[1, 2]"},
            {"id": 7, "name": "x", "type": "float", "has_default_value": True,
             "default_value": "0.5"},
            {"id": 8, "name": "xx", "type": "float_list", "has_default_value": True,
             "default_value": None},
            {"id": 9, "name": "b", "type": "boolean", "has_default_value": True,
             "default_value": "false", "is_frontend_only": True},
            {"id": 10, "name": "j", "type": "json", "has_default_value": True,
             "default_value": '{"k": [1]}', "conditional_on_id": 9,
             "conditional_operator": "==", "conditional_value": "true"},
            {"id": 11, "name": "o", "type": "organization", "has_default_value": True},
            {"id": 12, "name": "oo", "type": "organization_list", "has_default_value": True},
        ]}],
}


@pytest.fixture
def fn() -> Function:
    return Algorithm.from_store(RECORD, "http://store/api").function("f")


def test_from_store_reads_every_field(fn):
    algo = Algorithm.from_store(RECORD, "http://store/api")
    assert (algo.id, algo.name, algo.image, algo.store_url) == (7, "All types",
                                                              "example.org/all:1",
                                                              "http://store/api")
    assert algo.documentation_url == "https://example.org/docs"
    assert (fn.type, fn.central, fn.display_name, fn.label) == ("central", True, "F", "F")
    assert fn.databases == ({"name": "default", "description": "main"},)
    assert [v["type"] for v in fn.visualizations] == ["table", "line"]
    assert fn.visualizations[1] == {"name": "L", "description": "", "type": "line",
                                    "schema": {"location": ["s"], "x": "x", "y": "y"}}
    assert sorted({a.type for a in fn.arguments}) == sorted(TYPES)
    args = {a.name: a for a in fn.arguments}
    assert args["col"].required and args["col"].default is REQUIRED
    assert args["cols"].default == ["age"] and args["i"].default == 2
    assert args["ii"].default == [1, 2] and args["x"].default == 0.5
    assert args["b"].default is False and args["b"].is_frontend_only
    assert args["j"].default == {"k": [1]}
    assert args["ss"].has_default_value and args["ss"].default_value is None
    assert args["s"].allowed_values == ("a", "b") and args["i"].allowed_values == (1, 2)
    assert (args["j"].conditional_on, args["j"].conditional_operator,
            args["j"].conditional_value) == ("b", "==", "true")


def test_store_json_round_trip(fn):
    again = Function.from_store({**fn.to_store(), "arguments": [
        {**a, "id": i} for i, a in enumerate(fn.to_store()["arguments"], 1)]})
    sent = fn.to_store()
    assert [a.name for a in again.arguments] == [a.name for a in fn.arguments]
    assert {a.name: a.default for a in again.arguments} == \
        {a.name: a.default for a in fn.arguments}
    # the store's quirk: defaults and allowed values travel as text
    i = next(a for a in sent["arguments"] if a["name"] == "i")
    assert i["default_value"] == "2" and i["allowed_values"] == ["1", "2"]
    j = next(a for a in sent["arguments"] if a["name"] == "j")
    assert j["conditional_on"] == "b" and j["conditional_value"] == "true"


def test_kwargs_converts_every_type_and_leaves_out_what_is_not_sent(fn):
    form = {"col": "age", "cols": ["bmi", "age"], "s": "b", "ss": "x, y", "i": "1",
            "ii": "[3, 4]", "x": "2.5", "xx": "1.5\n2", "b": True, "j": '{"k": 2}',
            "o": "3", "oo": "[2, 3]"}
    assert fn.kwargs(form) == {
        "col": "age", "cols": ["bmi", "age"], "s": "b", "ss": ["x", "y"], "i": 1,
        "ii": [3, 4], "x": 2.5, "xx": [1.5, 2.0], "j": {"k": 2}, "o": 3, "oo": [2, 3]}
    # b is frontend-only: never sent; with b false, j (conditional on it) is hidden
    assert "j" not in fn.kwargs({**form, "b": False}) and not fn.shown("j", {"b": "false"})
    assert fn.shown("j", {"b": "true"}) and fn.shown("col", {})
    # defaults are left out
    assert fn.kwargs({"col": "age", "s": "a", "i": 2, "cols": ["age"]}) == {"col": "age",
                                                                            "s": "a"}


@pytest.mark.parametrize("values, message", [
    ({"s": "a"}, "give a value for col"),
    ({"col": "age", "s": "c"}, "s must be one of a, b, not 'c' (str)"),
    ({"col": "age", "s": "a", "i": "3"}, "i must be one of 1, 2, not '3' (str)"),
    ({"col": "age", "s": "a", "i": "two"}, "i must be a whole number, not 'two' (str)"),
    ({"col": "age", "s": "a", "x": "nan"}, "x must be a finite number, not 'nan' (str)"),
    ({"col": "age", "s": "a", "ii": "1, x"},
     "ii must be a list of whole numbers, not '1, x' (str) ('x' is not a whole number)"),
    ({"col": "age", "s": "a", "b": "maybe"}, "b must be true or false, not 'maybe' (str)"),
    ({"col": "age", "s": "a", "j": "{nope}"}, "the arguments are not valid JSON"),
    ({"col": "age", "s": "a", "o": "GAZEL"},
     "o must be an organization id (a whole number), not 'GAZEL' (str)"),
    ({"col": "age", "s": "a", "zz": 1}, "the function f has no argument 'zz'"),
])
def test_kwargs_refuses_with_a_specific_message(fn, values, message):
    with pytest.raises(ValueError) as refused:
        fn.kwargs(values)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("values, message", [
    ({"col": 5, "s": "a"}, "col must be a column name (text), not 5 (int)"),
    ({"col": "age", "s": "a", "cols": "age"},
     "cols must be a list of column names (text), not 'age' (str)"),
    ({"col": "age", "s": "a", "i": True}, "i must be a whole number, not True (bool)"),
    ({"col": "age", "s": "a", "x": float("inf")}, "x must be a finite number, not inf"),
    ({"col": "age", "s": "a", "xx": [1, "2"]}, "xx must be a list of finite numbers"),
    ({"col": "age", "s": "a", "oo": ["GAZEL"]},
     "oo must be a list of organization ids (whole numbers), not ['GAZEL'] (list)"),
    ({"col": "age", "s": "a", "ss": [1]}, "ss must be a list of texts, not [1] (list)"),
    ({"col": "age", "s": "a", "j": {1, 2}}, "j must be a JSON value"),
    ({"col": "age", "s": "a", "b": 1}, "b must be true or false, not 1 (int)"),
])
def test_check_takes_values_only_as_typed(fn, values, message):
    with pytest.raises(ValueError) as refused:
        fn.check(values)
    assert str(refused.value).startswith(message)
    assert fn.check({"col": "age", "s": "b", "oo": [2], "xx": [1, 2.5]}) == {
        "col": "age", "s": "b", "oo": [2], "xx": [1, 2.5]}


@pytest.mark.parametrize("operator, value, shown", [
    (">", "3", True), (">", "5", False), ("<=", "4", True), ("!=", "4", False),
    ("==", "4.0", True), (">=", "9", False)])
def test_conditions_compare_as_the_controlling_type(operator, value, shown):
    f = Function("g", arguments=[Argument("n", "integer", 1), Argument(
        "extra", "string", "", conditional_on="n", conditional_operator=operator,
        conditional_value=value)])
    assert f.shown("extra", {"n": "4"}) is shown
    assert ("extra" in f.kwargs({"n": "4", "extra": "yes"})) is shown


def test_register_describes_an_image_no_store_knows():
    added = catalogue.register(Algorithm("ghcr.io/me/count:1.0", "Count", [
        Function("partial_count", "rows", [Argument("flag", "bool", False)])]))
    assert catalogue.algorithm("ghcr.io/me/count@sha256:" + "0" * 64) is added
    assert added.function("partial_count").arguments[0].type == "boolean"  # old name
    assert catalogue.function("ghcr.io/me/count", "partial_count").kwargs(
        {"flag": "yes"}) == {"flag": True}
    with pytest.raises(ValueError, match="type must be one of column, column_list"):
        Argument("x", "text")
    with pytest.raises(ValueError, match="conditional on 'nope'"):
        Function("h", arguments=[Argument("x", "string", "", conditional_on="nope",
                                          conditional_operator="==")])
