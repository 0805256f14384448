"""What algorithms offer: image → functions → arguments, for typed task forms.

The task builder draws a form from these descriptions (a column picker for a column
argument, a number box for an int ...) and turns the form back into the task's
``kwargs``. The two demo images are described here; a notebook adds its own with
:func:`register`::

    from labpanels.vantage6.catalogue import Algorithm, Argument, Function, register

    register(Algorithm("ghcr.io/me/count", "Count rows", [
        Function("partial_count", "Rows at each node", [Argument("column", "column")]),
    ]))
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "TYPES",
    "REQUIRED",
    "Argument",
    "Function",
    "Algorithm",
    "register",
    "algorithm",
    "function",
    "images",
    "demo_columns",
    "parse_json",
]

#: Argument types a form knows how to draw.
TYPES = ("str", "int", "float", "bool", "column", "columns", "json")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of an argument the caller must give.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Argument:
    """One keyword argument: ``type`` is one of :data:`TYPES` ("columns" is a list of
    column names, "json" any JSON value)."""

    name: str
    type: str = "str"
    default: Any = REQUIRED
    help: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"argument {self.name!r}: type must be one of {', '.join(TYPES)}, "
                             f"not {self.type!r}")

    @property
    def required(self) -> bool:
        """True when the caller must give a value."""
        return self.default is REQUIRED

    def convert(self, value: Any) -> Any:
        """``value`` as this argument's type; ValueError with a readable reason if not."""
        if value is None or (isinstance(value, str) and not value.strip()
                             and self.type not in ("str", "column")):
            return None
        kind = self.type
        try:
            if kind in ("str", "column"):
                return str(value)
            if kind == "bool":
                if isinstance(value, str):
                    if value.strip().lower() in ("true", "yes", "1"):
                        return True
                    if value.strip().lower() in ("false", "no", "0"):
                        return False
                    raise ValueError
                return bool(value)
            if kind == "int":
                if isinstance(value, bool) or (isinstance(value, float)
                                               and not value.is_integer()):
                    raise ValueError
                return int(value)
            if kind == "float":
                number = float(value)
                if not math.isfinite(number):
                    raise ValueError
                return number
            if kind == "columns":
                if isinstance(value, str):
                    value = [v.strip() for v in value.split(",") if v.strip()]
                names = [str(v) for v in value]
                return names or None
            if isinstance(value, str):  # json
                return json.loads(value)
            json.dumps(value, allow_nan=False)
            return value
        except (TypeError, ValueError):
            what = {"int": "a whole number", "float": "a number", "bool": "true or false",
                    "columns": "a list of column names", "json": "valid JSON"}.get(kind, kind)
            raise ValueError(f"{self.name} must be {what}, not {value!r}") from None


    def check(self, value: Any) -> Any:
        """``value`` as given in code or JSON, if it already has this argument's type
        (ValueError with the reason otherwise). Nothing is converted: 123 is not a column
        name, ``["age"]`` is not one either, and NaN or Infinity is no number to send."""
        if value is None:
            return None
        kind = self.type
        ok = {
            "str": lambda v: isinstance(v, str),
            "column": lambda v: isinstance(v, str),
            "bool": lambda v: isinstance(v, bool),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "float": lambda v: (isinstance(v, int | float) and not isinstance(v, bool)
                                and math.isfinite(v)),
            "columns": lambda v: isinstance(v, list | tuple) and all(isinstance(c, str)
                                                                     for c in v),
        }.get(kind)
        if ok is not None:
            if not ok(value):
                raise ValueError(f"{self.name} must be {_WHAT[kind]}, not {_shown(value)}")
            return list(value) if kind == "columns" else value
        try:  # json: anything JSON can carry, numbers finite
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be a JSON value (numbers finite; lists, not "
                             f"sets), not {_shown(value)}") from None
        return value


_WHAT = {"str": "text", "column": "a column name (text)", "bool": "true or false",
         "int": "a whole number", "float": "a finite number",
         "columns": "a list of column names (text)", "json": "valid JSON"}


def _shown(value: Any) -> str:
    """How a wrong value is named in a message: its repr and, for a surprise, its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if isinstance(value, float) and not math.isfinite(value):
        return f"{text} (not a finite number)"
    if isinstance(value, set | frozenset):
        return f"{text} (a set: give a list)"
    return f"{text} ({type(value).__name__})"


def parse_json(text: str) -> Any:
    """Strict JSON for task arguments: ValueError for malformed text, NaN or Infinity
    (which Python's json accepts but no JSON reader must) and a key given twice."""

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON can carry: give a finite number")

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"the argument {key!r} is given twice")
            out[key] = value
        return out

    try:
        return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the arguments are not valid JSON: {exc.msg} at line "
                         f"{exc.lineno}, column {exc.colno}") from None


@dataclass(frozen=True)
class Function:
    """A function of an image. ``central`` functions run at one organization and create
    subtasks themselves; partial ones run at every chosen organization."""

    name: str
    help: str = ""
    arguments: tuple[Argument, ...] = ()
    central: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "arguments", tuple(self.arguments))

    def argument(self, name: str) -> Argument | None:
        """The argument called ``name``."""
        return next((a for a in self.arguments if a.name == name), None)

    def check_names(self, values: Mapping[str, Any]) -> None:
        """Refuse (ValueError) a name that is not one of the arguments."""
        unknown = [k for k in values if self.argument(k) is None]
        if unknown:
            names = ", ".join(a.name for a in self.arguments) or "none"
            raise ValueError(f"the function {self.name} has no argument {unknown[0]!r}; "
                             f"its arguments: {names}")

    def kwargs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Checked task ``kwargs`` from form values: converted to their types, a missing
        required one or an unknown name refused (ValueError), defaults left out."""
        self.check_names(values)
        out: dict[str, Any] = {}
        for arg in self.arguments:
            value = arg.convert(values.get(arg.name))
            if value is None or (isinstance(value, str) and not value.strip()):
                if arg.required:
                    raise ValueError(f"give a value for {arg.name}"
                                     + (f" ({arg.help})" if arg.help else ""))
                continue
            if not arg.required and value == arg.default:
                continue
            out[arg.name] = value
        return out

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Checked task ``kwargs`` from values given in code or JSON: each must already
        have its argument's type (see :meth:`Argument.check`); an unknown name, or a
        required one missing or empty, is refused (ValueError); defaults are left out."""
        if not isinstance(values, Mapping):
            raise ValueError('the arguments must be a JSON object, e.g. {"column_name": '
                             '"age"}')
        self.check_names(values)
        out: dict[str, Any] = {}
        for arg in self.arguments:
            value = arg.check(values.get(arg.name))
            if value is None or (isinstance(value, str) and not value.strip()) or (
                    arg.type == "columns" and not value):
                if arg.required:
                    raise ValueError(f"give a value for {arg.name}"
                                     + (f" ({arg.help})" if arg.help else ""))
                continue
            if not arg.required and value == arg.default:
                continue
            out[arg.name] = value
        return out


@dataclass(frozen=True)
class Algorithm:
    """An image and the functions it exposes to tasks."""

    image: str
    title: str = ""
    functions: tuple[Function, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "functions", tuple(self.functions))

    def function(self, name: str) -> Function | None:
        """The function called ``name``."""
        return next((f for f in self.functions if f.name == name), None)


_CATALOGUE: dict[str, Algorithm] = {}


def _bare(image: str) -> str:
    """An image name without ``@digest`` or ``:tag`` (a registry port stays)."""
    name = image.strip().split("@", 1)[0]
    head, sep, tail = name.rpartition(":")
    return head if sep and "/" not in tail else name


def register(algorithm: Algorithm) -> Algorithm:
    """Add (or replace) the description of ``algorithm.image``."""
    _CATALOGUE[_bare(algorithm.image)] = algorithm
    return algorithm


def algorithm(image: str) -> Algorithm | None:
    """The description of ``image`` (a tag or digest is ignored), or None."""
    return _CATALOGUE.get(_bare(image or ""))


def function(image: str, name: str) -> Function | None:
    """The description of function ``name`` of ``image``, or None."""
    found = algorithm(image)
    return found.function(name) if found else None


def images() -> list[str]:
    """Every described image, in the order registered."""
    return [a.image for a in _CATALOGUE.values()]


def demo_columns() -> list[str]:
    """The columns of the demo data sets (the header of their CSV files)."""
    from ..demo.data import data_path

    with open(data_path("phy24"), encoding="utf-8") as fh:
        return [c.strip() for c in fh.readline().split(",") if c.strip()]


def _demo(functions: Iterable[Function], image: str, title: str) -> None:
    register(Algorithm(image, title, tuple(functions)))


_ORGS = Argument("organizations", "json", None,
                 "organization ids to include, e.g. [2, 3]; empty: every organization")
_MIN_COUNT = Argument("min_count", "int", 5,
                      "counts below this are reported as '<min_count' (small-cell protection)")
_COLUMNS = Argument("columns", "columns", None,
                    "columns to summarize; none chosen: every column except identifiers")

_demo([
    Function("partial_average", "Sum and count of the non-missing values of a column at "
             "each organization", (Argument("column_name", "column", help="a numeric "
                                            "column, e.g. age"),)),
    Function("central_average", "Mean of a column over all (or the given) organizations; "
             "runs at one organization and asks the others for partial averages",
             (Argument("column_name", "column", help="a numeric column, e.g. age"), _ORGS),
             central=True),
], "harbor2.vantage6.ai/demo/average", "Average of one numeric column")

_demo([
    Function("partial_summary", "Per-column sums (numbers) or value counts (text) at each "
             "organization", (_COLUMNS, _MIN_COUNT)),
    Function("central_summary", "Pooled per-column statistics (count, missing, mean, std, "
             "min, max; value counts for text) over all (or the given) organizations",
             (_COLUMNS, _ORGS, _MIN_COUNT), central=True),
], "harbor2.vantage6.ai/demo/summary", "Descriptive statistics per column")
