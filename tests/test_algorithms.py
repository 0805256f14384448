"""The demo algorithm images, run in-process through an in-memory fake client."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pandas as pd
import pytest

from labpanels.demo.algorithms import (
    IMAGES,
    UnknownImage,
    UnknownMethod,
    dispatch,
    image_functions,
    normalize_image,
)
from labpanels.demo.algorithms.average import partial_average
from labpanels.demo.algorithms.summary import partial_summary
from labpanels.demo.data import SLUGS, data_path, generate, load_csv

AVERAGE = "harbor2.vantage6.ai/demo/average"
SUMMARY = "harbor2.vantage6.ai/demo/summary"


class FakeClient:
    """In-process stand-in for the node's algorithm client.

    Subtasks run synchronously through ``dispatch`` on the organizations' DataFrames;
    a failed run makes ``wait_for_results`` raise, naming the organization.
    """

    def __init__(self, frames: dict[str, pd.DataFrame], image: str, organization_id: int = 1):
        self.frames = {i + 1: (name, df) for i, (name, df) in enumerate(frames.items())}
        self.image = image
        self.organization_id = organization_id
        self.created: list[dict[str, Any]] = []
        self._runs: dict[int, list[tuple[str, Any, Exception | None]]] = {}
        self.organization = self._Organizations(self)
        self.task = self._Tasks(self)

    class _Organizations:
        def __init__(self, outer: FakeClient):
            self.outer = outer

        def list(self) -> list[dict[str, Any]]:
            return [{"id": i, "name": name} for i, (name, _) in self.outer.frames.items()]

    class _Tasks:
        def __init__(self, outer: FakeClient):
            self.outer = outer

        def create(self, input_, organizations, name="", description=""):
            outer = self.outer
            task_id = len(outer.created) + 1
            outer.created.append(
                {
                    "id": task_id,
                    "input": input_,
                    "organizations": list(organizations),
                    "name": name,
                    "description": description,
                }
            )
            runs = []
            for org_id in organizations:
                org_name, df = outer.frames[org_id]
                try:
                    result = dispatch(
                        outer.image,
                        input_["method"],
                        input_.get("args"),
                        input_.get("kwargs"),
                        load_data=lambda df=df: df.copy(),
                        client=outer,
                    )
                    # results travel as JSON between node and server
                    runs.append((org_name, json.loads(json.dumps(result, allow_nan=False)), None))
                except Exception as exc:  # noqa: BLE001 - reported like a failed run
                    runs.append((org_name, None, exc))
            outer._runs[task_id] = runs
            return {"id": task_id}

    def wait_for_results(self, task_id: int) -> list[Any]:
        results = []
        for org_name, result, error in self._runs[task_id]:
            if error is not None:
                raise RuntimeError(
                    f"Subtask {task_id} failed at organization {org_name!r}: "
                    f"{type(error).__name__}: {error}"
                )
            results.append(result)
        return results


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {slug: load_csv(slug) for slug in SLUGS}


def _json_roundtrip(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


# -- data ---------------------------------------------------------------------------


def test_csvs_match_the_generator_and_look_right(frames):
    for slug in SLUGS:
        assert data_path(slug).read_text(encoding="utf-8") == generate.render(slug)
    assert generate.main(["--check"]) == 0
    assert data_path("PHY-24") == data_path("phy24")
    with pytest.raises(ValueError, match="known: cantabria"):
        data_path("atlantis")

    sizes = {slug: len(df) for slug, df in frames.items()}
    assert all(150 <= n <= 400 for n in sizes.values())
    assert len(set(sizes.values())) == len(sizes)
    ages = [df["age"].mean() for df in frames.values()]
    assert max(ages) - min(ages) > 15
    for slug, df in frames.items():
        assert list(df.columns) == list(generate.COLUMNS)
        assert df["patient_id"].is_unique
        assert df["patient_id"].str.match(r"^[A-Z]-\d{4}$").all()
        assert set(df["sex"]) == {"female", "male"}
        assert set(df["smoker"]) <= {"never", "former", "current"}
        recomputed = df["weight_kg"] / (df["height_cm"] / 100) ** 2
        assert (recomputed - df["bmi"]).abs().max() <= 0.05 + 1e-9, slug
        assert (df["is_overweight"] == (df["bmi"] >= 25).astype(int)).all()
        assert 0 < df["cholesterol_mmol"].isna().sum() < 0.1 * len(df)
        assert df["age"].dtype.kind == "i" and df["systolic_bp"].dtype.kind == "i"


def test_importing_the_package_does_not_import_pandas():
    import subprocess

    code = "import labpanels.demo.algorithms, sys; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- dispatch -----------------------------------------------------------------------


def test_image_names_with_tags_and_digests():
    assert normalize_image(AVERAGE + ":latest") == AVERAGE
    assert normalize_image(AVERAGE + "@sha256:" + "a" * 64) == AVERAGE
    assert normalize_image(AVERAGE + ":1.2@sha256:" + "b" * 64) == AVERAGE
    assert normalize_image("localhost:5000/demo/average") == "localhost:5000/demo/average"
    df = pd.DataFrame({"x": [1.0, 2.0]})
    result = dispatch(AVERAGE + ":latest", "partial_average", ["x"], {}, load_data=lambda: df)
    assert result == {"sum": 3.0, "count": 2}


def test_unknown_image():
    with pytest.raises(UnknownImage) as info:
        dispatch("harbor2.vantage6.ai/demo/median:latest", "x", [], {}, load_data=dict)
    message = str(info.value)
    assert "harbor2.vantage6.ai/demo/median:latest" in message
    for known in IMAGES:
        assert known in message


@pytest.mark.parametrize(
    "method",
    ["no_such_function", "_check_min_count", "run_partials", "_pool_numeric", "DEFAULT_MIN_COUNT"],
)
def test_unknown_private_or_undecorated_method(method):
    with pytest.raises(UnknownMethod) as info:
        dispatch(SUMMARY, method, [], {}, load_data=pd.DataFrame)
    message = str(info.value)
    assert repr(method) in message
    assert "central_summary, partial_summary" in message


def test_image_functions():
    assert image_functions(AVERAGE) == ["central_average", "partial_average"]
    assert image_functions(SUMMARY) == ["central_summary", "partial_summary"]


def test_bad_keyword_argument_is_readable():
    loaded = []
    with pytest.raises(TypeError) as info:
        dispatch(
            AVERAGE,
            "partial_average",
            [],
            {"colum_name": "age"},
            load_data=lambda: loaded.append(1),
        )
    message = str(info.value)
    assert message.startswith("partial_average(): ")
    assert "'colum_name'" in message and "did you mean 'column_name'" in message
    assert "It accepts: column_name" in message
    assert "df" not in message.split("It accepts:")[1]  # the injected argument is not listed
    assert loaded == []  # arguments are checked before the data is loaded

    with pytest.raises(
        TypeError,
        match=r"central_average\(\): missing .*'column_name'.*"
        r"It accepts: column_name, organizations=None",
    ):
        dispatch(AVERAGE, "central_average", [], {}, client=object())


# -- average ------------------------------------------------------------------------


def test_partial_average_matches_pandas(frames):
    for df in frames.values():
        for column in ("age", "bmi", "cholesterol_mmol"):
            result = dispatch(AVERAGE, "partial_average", [column], {}, load_data=lambda df=df: df)
            values = df[column].dropna()
            assert result["count"] == len(values)
            assert result["sum"] == pytest.approx(values.sum(), rel=1e-12)
            assert type(result["sum"]) is float and type(result["count"]) is int
            assert _json_roundtrip(result) == result


def test_central_average_equals_pooled_mean(frames):
    client = FakeClient(frames, AVERAGE)
    result = dispatch(
        AVERAGE, "central_average", [], {"column_name": "cholesterol_mmol"}, client=client
    )
    pooled = pd.concat(frames.values())["cholesterol_mmol"]
    assert result["average"] == pytest.approx(pooled.mean(), rel=1e-12)
    assert result["count"] == pooled.notna().sum()
    assert result["organizations"] == len(frames)
    task = client.created[0]
    assert task["input"]["method"] == "partial_average"
    assert task["organizations"] == [1, 2, 3, 4, 5, 6]
    assert _json_roundtrip(result) == result

    subset = dispatch(AVERAGE, "central_average", ["age"], {"organizations": [2, 4]}, client=client)
    two = pd.concat([frames["lifelines"], frames["phy24"]])["age"]
    assert subset == {"average": pytest.approx(two.mean()), "count": len(two), "organizations": 2}
    # organisations really differ, so the pooled mean is not just any one of them
    assert subset["average"] != pytest.approx(frames["lifelines"]["age"].mean())


def test_central_average_rejects_unknown_organization(frames):
    client = FakeClient(frames, AVERAGE)
    with pytest.raises(ValueError, match=r"Organization 99 is not part .* 1 \(cantabria\)"):
        dispatch(AVERAGE, "central_average", ["age"], {"organizations": [99]}, client=client)


def test_missing_column_message(frames):
    df = frames["gazel"]
    with pytest.raises(ValueError) as info:
        partial_average(df, "abc123")
    assert str(info.value) == (
        "Column 'abc123' not found; available columns: patient_id, age, sex, height_cm, "
        "weight_kg, bmi, is_overweight, age_group, smoker, systolic_bp, cholesterol_mmol"
    )
    with pytest.raises(ValueError, match=r"Column 'BMI' not found; did you mean 'bmi'\?"):
        partial_average(df, "BMI")


def test_text_column_message(frames):
    with pytest.raises(ValueError) as info:
        partial_average(frames["ght"], "sex")
    assert str(info.value) == (
        "Column 'sex' does not hold numbers (found text such as 'female'); choose a numeric "
        "column: age, height_cm, weight_kg, bmi, is_overweight, systolic_bp, cholesterol_mmol"
    )
    # numbers stored as text are still numbers
    text_numbers = pd.DataFrame({"x": ["1.5", None, "2.5"]})
    assert partial_average(text_numbers, "x") == {"sum": 4.0, "count": 2}


def test_central_average_reports_the_failing_organization(frames):
    client = FakeClient(frames, AVERAGE)
    with pytest.raises(RuntimeError) as info:
        dispatch(AVERAGE, "central_average", ["smoker"], {}, client=client)
    message = str(info.value)
    assert "'cantabria'" in message
    assert "Column 'smoker' does not hold numbers (found text such as" in message


def test_central_average_without_values_raises_clearly():
    empty = {
        "a": pd.DataFrame({"x": [None, None]}, dtype="float64"),
        "b": pd.DataFrame({"x": []}, dtype="float64"),
    }
    client = FakeClient(empty, AVERAGE)
    with pytest.raises(ValueError, match="Column 'x' has no values at any of the 2 organization"):
        dispatch(AVERAGE, "central_average", ["x"], {}, client=client)


# -- summary ------------------------------------------------------------------------


def test_partial_summary_numeric_and_categorical(frames):
    df = frames["hermes"]
    result = dispatch(SUMMARY, "partial_summary", [], {}, load_data=lambda: df)
    assert "patient_id" not in result  # identifiers are left out by default
    assert list(result) == [c for c in df.columns if c != "patient_id"]

    chol = df["cholesterol_mmol"]
    assert result["cholesterol_mmol"] == {
        "type": "numeric",
        "count": int(chol.notna().sum()),
        "missing": int(chol.isna().sum()),
        "sum": pytest.approx(chol.sum()),
        "sum_sq": pytest.approx((chol**2).sum()),
        "min": chol.min(),
        "max": chol.max(),
    }
    assert type(result["age"]["min"]) is int
    sex = result["sex"]
    assert sex["type"] == "categorical"
    assert sex["counts"] == df["sex"].value_counts().to_dict()
    assert sex["count"] == len(df) and sex["missing"] == 0
    assert _json_roundtrip(result) == result


def test_partial_summary_selected_columns(frames):
    df = frames["phy24"]
    assert list(partial_summary(df, "bmi")) == ["bmi"]
    assert list(partial_summary(df, ["smoker", "age"])) == ["smoker", "age"]
    with pytest.raises(ValueError, match="Column 'smokes' not found; did you mean 'smoker'"):
        partial_summary(df, ["smokes"])
    with pytest.raises(ValueError, match="min_count"):
        partial_summary(df, min_count=0)


def test_small_cells_are_suppressed():
    df = pd.DataFrame({"group": ["a"] * 7 + ["b"] * 4 + ["c"] + [None] * 2})
    result = partial_summary(df)["group"]
    assert result == {
        "type": "categorical",
        "count": 12,
        "missing": 2,
        "counts": {"a": 7, "b": "<5", "c": "<5"},
    }
    assert partial_summary(df, min_count=3)["group"]["counts"] == {"a": 7, "b": 4, "c": "<3"}

    # the real data has a small cell too: one person aged 30-44 at ght
    ght = partial_summary(load_csv("ght"), ["age_group"])["age_group"]["counts"]
    assert ght["30-44"] == "<5"


def test_central_summary_keeps_small_cells_approximate():
    frames = {
        "one": pd.DataFrame({"g": ["a"] * 9 + ["b"] * 2 + ["c"] * 6}),
        "two": pd.DataFrame({"g": ["a"] * 3 + ["c"] * 8 + ["d"] * 5}),
        "three": pd.DataFrame({"g": ["a"] * 10 + ["b"] * 1}),
    }
    client = FakeClient(frames, SUMMARY)
    result = dispatch(SUMMARY, "central_summary", [], {}, client=client)["g"]
    assert result["count"] == 44
    assert result["counts"] == {
        "a": "20-23",  # 9 + 10 exact, plus one cell of 1..4
        "b": "2-8",  # two cells of 1..4 each
        "c": 14,
        "d": 5,
    }
    only_one = dispatch(SUMMARY, "central_summary", [], {"organizations": [1]}, client=client)
    assert only_one["g"]["counts"]["b"] == "<5"


def test_central_summary_equals_pandas_on_pooled_data(frames):
    client = FakeClient(frames, SUMMARY)
    columns = ["age", "bmi", "cholesterol_mmol", "sex", "smoker", "age_group"]
    result = dispatch(SUMMARY, "central_summary", [columns], {}, client=client)
    assert list(result) == columns
    pooled = pd.concat(frames.values(), ignore_index=True)
    for column in ("age", "bmi", "cholesterol_mmol"):
        stats, values = result[column], pooled[column]
        assert stats["type"] == "numeric"
        assert stats["count"] == values.notna().sum()
        assert stats["missing"] == values.isna().sum()
        assert stats["mean"] == pytest.approx(values.mean(), rel=1e-10)
        assert stats["std"] == pytest.approx(values.std(ddof=1), rel=1e-9)
        assert stats["min"] == values.min() and stats["max"] == values.max()
    assert result["sex"]["counts"] == pooled["sex"].value_counts().to_dict()
    assert result["smoker"]["count"] == len(pooled)
    age_groups = result["age_group"]["counts"]
    exact = pooled["age_group"].value_counts()
    assert age_groups["75+"] == exact["75+"]
    assert age_groups["30-44"] == f"{exact['30-44']}-{exact['30-44'] + 3}"  # ght's 1 is hidden
    json.dumps(result, allow_nan=False)


def test_summary_results_are_json_clean():
    df = pd.DataFrame(
        {
            "empty": pd.Series([None, None], dtype="float64"),
            "flag": [True, False],
            "text": pd.Series([None, None], dtype="object"),
        }
    )
    partial = partial_summary(df)
    assert partial["empty"]["min"] is None and partial["empty"]["max"] is None
    assert partial["flag"]["type"] == "numeric" and partial["flag"]["max"] == 1
    assert partial["text"] == {"type": "categorical", "count": 0, "missing": 2, "counts": {}}
    client = FakeClient({"a": df, "b": df}, SUMMARY)
    central = dispatch(SUMMARY, "central_summary", [], {}, client=client)
    assert central["empty"]["mean"] is None and central["empty"]["std"] is None
    assert central["flag"]["mean"] == 0.5
    assert not math.isnan(central["flag"]["std"])
    text = json.dumps(central, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text


def test_summary_refuses_mixed_column_types():
    frames = {"a": pd.DataFrame({"x": [1, 2]}), "b": pd.DataFrame({"x": ["p", "q"]})}
    client = FakeClient(frames, SUMMARY)
    with pytest.raises(ValueError, match="Column 'x' holds numbers at some organizations"):
        dispatch(SUMMARY, "central_summary", [], {}, client=client)
