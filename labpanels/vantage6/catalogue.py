"""What algorithms offer: image → functions → arguments, in the algorithm store's terms.

The vantage6 algorithm store describes each algorithm's functions and their typed
arguments; a session reads them (``session.algorithms()``) and builds these objects
with :meth:`Algorithm.from_store`. The task builder draws its form from them and turns
the form back into the task's ``kwargs`` (:meth:`Function.kwargs`), and code is checked
with the same rules (:meth:`Function.check`).

A notebook can still describe an image that no store knows, with :func:`register`::

    from labpanels.vantage6.catalogue import Algorithm, Argument, Function, register

    register(Algorithm("ghcr.io/me/count", "Count rows", [
        Function("partial_count", "Rows at each node", [Argument("column", "column")]),
    ]))
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "TYPES",
    "LIST_TYPES",
    "OPERATORS",
    "REQUIRED",
    "Argument",
    "Function",
    "Algorithm",
    "register",
    "algorithm",
    "function",
    "images",
    "registered",
    "parse_json",
    "bare_image",
]

#: Argument types of the vantage6 algorithm store (4.x).
TYPES = ("column", "column_list", "string", "string_list", "integer", "integer_list",
         "float", "float_list", "boolean", "json", "organization", "organization_list")
#: The list types, each a list of the type without ``_list``.
LIST_TYPES = frozenset(t for t in TYPES if t.endswith("_list"))
#: Operators of conditional arguments, as the store names them.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
    ">=": operator.ge, "<=": operator.le}
#: Earlier labpanels names, still accepted by :class:`Argument`.
_OLD_NAMES = {"str": "string", "int": "integer", "bool": "boolean", "columns": "column_list"}
_FUNCTION_TYPES = ("central", "federated")
_VISUALIZATION_TYPES = ("table", "line")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of an argument the caller must give.
REQUIRED: Any = _Required()

#: How a value of each type is named in a message.
_WHAT = {
    "string": "text", "column": "a column name (text)", "boolean": "true or false",
    "integer": "a whole number", "float": "a finite number", "json": "valid JSON",
    "organization": "an organization id (a whole number)",
    "column_list": "a list of column names (text)", "string_list": "a list of texts",
    "integer_list": "a list of whole numbers", "float_list": "a list of finite numbers",
    "organization_list": "a list of organization ids (whole numbers)",
}


def _item_type(kind: str) -> str:
    return kind[:-len("_list")] if kind in LIST_TYPES else kind


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


#: strict checks of one (non-list) value, by type
_STRICT: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "column": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_int,
    "organization": _is_int,
    "float": _is_number,
}


def _loose_one(kind: str, value: Any) -> Any:
    """A form's value (often text) as one value of ``kind``; ValueError if it is not."""
    if kind in ("string", "column"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError
        return str(value)
    if kind == "boolean":
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("true", "yes", "1"):
                return True
            if text in ("false", "no", "0"):
                return False
            raise ValueError
        if isinstance(value, bool | int):
            return bool(value)
        raise ValueError
    if kind in ("integer", "organization"):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        if isinstance(value, str):
            value = value.strip()
        return int(value)
    if kind == "float":
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if not math.isfinite(number):
            raise ValueError
        return number
    raise ValueError  # pragma: no cover - every item type is handled above


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


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list) and not value)


@dataclass(frozen=True)
class Argument:
    """One keyword argument of a function, as the algorithm store describes it.

    ``type`` is one of :data:`TYPES`; ``default`` is :data:`REQUIRED` when the caller
    must give a value (the store's ``has_default_value: false``), else the typed default
    (``None``: optional without a value). ``allowed_values`` limits the choice (each
    item of a list type). A conditional argument (``conditional_on`` another argument,
    ``conditional_operator`` one of :data:`OPERATORS`, ``conditional_value``) is shown,
    and sent, only while the condition holds (see :meth:`shown`). A frontend-only
    argument is asked in the form but never sent.
    """

    name: str
    type: str = "string"
    default: Any = REQUIRED
    description: str = ""
    display_name: str = ""
    allowed_values: tuple[Any, ...] = ()
    conditional_on: str | None = None
    conditional_operator: str | None = None
    conditional_value: Any = None
    is_frontend_only: bool = False

    def __post_init__(self) -> None:
        kind = _OLD_NAMES.get(self.type, self.type)
        if kind not in TYPES:
            raise ValueError(f"argument {self.name!r}: type must be one of {', '.join(TYPES)}, "
                             f"not {self.type!r}")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "allowed_values", tuple(self.allowed_values or ()))
        if self.conditional_on and self.conditional_operator not in OPERATORS:
            raise ValueError(f"argument {self.name!r}: the condition's operator must be one "
                             f"of {', '.join(OPERATORS)}, not {self.conditional_operator!r}")

    # -- what the store calls it --------------------------------------------------------
    @property
    def has_default_value(self) -> bool:
        """True when the argument has a default (and may be left out)."""
        return self.default is not REQUIRED

    @property
    def default_value(self) -> Any:
        """The typed default (None when there is none)."""
        return None if self.default is REQUIRED else self.default

    @property
    def required(self) -> bool:
        """True when the caller must give a value."""
        return self.default is REQUIRED

    @property
    def help(self) -> str:
        """The description (the name earlier labpanels versions used)."""
        return self.description

    @property
    def label(self) -> str:
        """What a form shows: the display name, else the name."""
        return self.display_name or self.name

    @property
    def is_list(self) -> bool:
        """True for the ``*_list`` types."""
        return self.type in LIST_TYPES

    @property
    def item_type(self) -> str:
        """The type of one item of a list type (the type itself otherwise)."""
        return _item_type(self.type)

    # -- values -----------------------------------------------------------------------
    def _wrong(self, value: Any, detail: str = "") -> ValueError:
        return ValueError(f"{self.name} must be {_WHAT[self.type]}, not {_shown(value)}"
                          + detail)

    def convert(self, value: Any) -> Any:
        """A form's value (text from a field, or already typed) as this argument's type;
        None for an empty field; ValueError with a readable reason otherwise. Lists may
        be given as text: a JSON array, or items separated by commas or new lines."""
        if _empty(value):
            return None
        kind = self.type
        if kind == "json":
            if isinstance(value, str):
                return parse_json(value)
            return self.check(value)
        if kind in LIST_TYPES:
            items = value
            if isinstance(value, str):
                text = value.strip()
                if text.startswith("["):
                    try:
                        items = parse_json(text)
                    except ValueError:
                        raise self._wrong(value) from None
                else:
                    items = [v.strip() for v in text.replace("\n", ",").split(",")
                             if v.strip()]
            if not isinstance(items, list | tuple):
                raise self._wrong(value)
            out = []
            for item in items:
                try:
                    out.append(_loose_one(self.item_type, item))
                except (TypeError, ValueError):
                    raise self._wrong(value, f" ({item!r} is not "
                                             f"{_WHAT[self.item_type]})") from None
            self._allowed(out, value)
            return out or None
        try:
            typed = _loose_one(kind, value)
        except (TypeError, ValueError, OverflowError):
            raise self._wrong(value) from None
        self._allowed([typed], value)
        return typed

    def check(self, value: Any) -> Any:
        """``value`` as given in code or JSON, if it already has this argument's type
        (ValueError with the reason otherwise). Nothing is converted: 123 is not a column
        name, ``["age"]`` is not one either, and NaN or Infinity is no number to send."""
        if value is None:
            return None
        kind = self.type
        if kind == "json":
            try:  # anything JSON can carry, numbers finite
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                raise ValueError(f"{self.name} must be a JSON value (numbers finite; lists, "
                                 f"not sets), not {_shown(value)}") from None
            return value
        if kind in LIST_TYPES:
            ok = _STRICT[self.item_type]
            if not isinstance(value, list | tuple) or not all(ok(v) for v in value):
                raise self._wrong(value)
            self._allowed(value, value)
            return list(value)
        if not _STRICT[kind](value):
            raise self._wrong(value)
        self._allowed([value], value)
        return value

    def _allowed(self, items: Iterable[Any], value: Any) -> None:
        if not self.allowed_values:
            return
        allowed = list(self.allowed_values)
        for item in items:
            if item not in allowed:
                choices = ", ".join(str(a) for a in allowed)
                raise ValueError(f"{self.name} must be one of {choices}, not {_shown(value)}")

    def shown(self, values: Mapping[str, Any], controller: Argument | None = None) -> bool:
        """Whether the form shows (and the task sends) this argument, given the other
        arguments' values: always, unless it is conditional and the condition
        ``values[conditional_on] <operator> conditional_value`` does not hold.
        ``controller`` (the argument it depends on) lets a value given as text be
        compared as that argument's type."""
        if not self.conditional_on:
            return True
        current = values.get(self.conditional_on)
        if controller is not None:
            try:
                current = controller.convert(current)
            except ValueError:
                return False  # no valid value: the condition cannot hold
        wanted = self.conditional_value
        kind = controller.type if controller is not None else None
        if kind is None:
            kind = ("boolean" if isinstance(current, bool) else
                    "float" if _is_number(current) else "string")
        try:
            if kind == "boolean":
                wanted = _loose_one("boolean", wanted) if wanted is not None else None
            elif kind in ("integer", "float") and wanted is not None:
                wanted = float(wanted)
        except (TypeError, ValueError):
            return True  # a condition the store would not accept: show the argument
        compare = OPERATORS[self.conditional_operator or "=="]
        if self.conditional_operator in ("==", "!="):
            return compare(current, wanted)
        try:
            return current is not None and wanted is not None and compare(current, wanted)
        except TypeError:
            return False

    # -- the store's wire format --------------------------------------------------------
    @classmethod
    def from_store(cls, record: Mapping[str, Any], names: Mapping[int, str] | None = None
                   ) -> Argument:
        """An argument from the store's JSON; ``names`` maps the function's argument ids
        to names (the store links a condition by ``conditional_on_id``)."""
        kind = str(record.get("type") or "string")
        name = str(record.get("name") or "")
        default = REQUIRED
        if record.get("has_default_value"):
            default = _parse_default(kind, record.get("default_value"), name)
        allowed = []
        for item in record.get("allowed_values") or ():
            value = item.get("value") if isinstance(item, Mapping) else item
            allowed.append(_parse_allowed(kind, value))
        conditional_on = record.get("conditional_on")
        if not conditional_on and record.get("conditional_on_id") is not None:
            conditional_on = (names or {}).get(int(record["conditional_on_id"]))
        return cls(
            name=name, type=kind, default=default,
            description=str(record.get("description") or ""),
            display_name=str(record.get("display_name") or ""),
            allowed_values=tuple(allowed),
            conditional_on=conditional_on or None,
            conditional_operator=(record.get("conditional_operator") or None)
            if conditional_on else None,
            conditional_value=record.get("conditional_value") if conditional_on else None,
            is_frontend_only=bool(record.get("is_frontend_only")),
        )

    def to_store(self) -> dict[str, Any]:
        """This argument as the store's ``POST /algorithm`` takes it (values as text:
        the store keeps defaults, allowed and conditional values as strings)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.display_name:
            out["display_name"] = self.display_name
        if self.description:
            out["description"] = self.description
        if self.has_default_value:
            out["has_default_value"] = True
            if self.default is not None:
                out["default_value"] = _store_text(self.default)
        if self.allowed_values:
            out["allowed_values"] = [_store_text(v) for v in self.allowed_values]
        if self.conditional_on:
            out["conditional_on"] = self.conditional_on
            out["conditional_operator"] = self.conditional_operator
            if self.conditional_value is not None:
                out["conditional_value"] = _store_text(self.conditional_value)
        if self.is_frontend_only:
            out["is_frontend_only"] = True
        return out


def _store_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _parse_default(kind: str, text: Any, name: str) -> Any:
    """A default as the store keeps it (text, or null) as a value of ``kind``."""
    if text is None:
        return None
    if not isinstance(text, str):
        return text
    try:
        if kind in LIST_TYPES or kind == "json":
            value = json.loads(text)
            if kind in LIST_TYPES:
                value = [_loose_one(_item_type(kind), v) for v in value]
            return value
        if kind in ("string", "column"):
            return text
        return _loose_one(kind, text)
    except (TypeError, ValueError):
        raise ValueError(f"argument {name!r}: the store's default {text!r} is not "
                         f"{_WHAT[kind]}") from None


def _parse_allowed(kind: str, value: Any) -> Any:
    item = _item_type(kind)
    if item in ("integer", "organization", "float", "boolean") and isinstance(value, str):
        try:
            return _loose_one(item, value)
        except (TypeError, ValueError):
            return value
    return value


@dataclass(frozen=True)
class Function:
    """A function of an algorithm. ``type`` "central" functions run at one organization
    and create subtasks themselves; "federated" ones run at every chosen organization.
    ``databases`` are the store's ``[{name, description}]``; ``visualizations`` its
    ``ui_visualizations`` (``{name, description, type: table|line, schema}``)."""

    name: str
    description: str = ""
    arguments: tuple[Argument, ...] = ()
    type: str = "federated"
    display_name: str = ""
    standalone: bool = True
    databases: tuple[dict, ...] = ()
    visualizations: tuple[dict, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in _FUNCTION_TYPES:
            raise ValueError(f"function {self.name!r}: type must be central or federated, "
                             f"not {self.type!r}")
        object.__setattr__(self, "arguments", tuple(self.arguments))
        object.__setattr__(self, "databases", tuple(dict(d) for d in self.databases))
        object.__setattr__(self, "visualizations",
                           tuple(dict(v) for v in self.visualizations))
        names = [a.name for a in self.arguments]
        if len(names) != len(set(names)):
            raise ValueError(f"function {self.name!r}: two arguments share a name")
        for arg in self.arguments:
            if arg.conditional_on and arg.conditional_on not in names:
                raise ValueError(f"argument {arg.name!r} is conditional on "
                                 f"{arg.conditional_on!r}, which {self.name} does not have")

    @property
    def central(self) -> bool:
        """True for a central function."""
        return self.type == "central"

    @property
    def help(self) -> str:
        """The description (the name earlier labpanels versions used)."""
        return self.description

    @property
    def label(self) -> str:
        """What a form shows: the display name, else the name."""
        return self.display_name or self.name

    def argument(self, name: str) -> Argument | None:
        """The argument called ``name``."""
        return next((a for a in self.arguments if a.name == name), None)

    def shown(self, argument: str | Argument, values: Mapping[str, Any]) -> bool:
        """Whether ``argument`` is shown given the form's ``values`` (see
        :meth:`Argument.shown`)."""
        arg = self.argument(argument) if isinstance(argument, str) else argument
        if arg is None:
            return False
        controller = self.argument(arg.conditional_on) if arg.conditional_on else None
        return arg.shown(values, controller)

    def check_names(self, values: Mapping[str, Any]) -> None:
        """Refuse (ValueError) a name that is not one of the arguments."""
        unknown = [k for k in values if self.argument(k) is None]
        if unknown:
            names = ", ".join(a.name for a in self.arguments) or "none"
            raise ValueError(f"the function {self.name} has no argument {unknown[0]!r}; "
                             f"its arguments: {names}")

    def kwargs(self, values: Mapping[str, Any], *, strict: bool = False) -> dict[str, Any]:
        """Checked task ``kwargs`` from form values: each converted to its type (with
        ``strict``, each must already have it: see :meth:`check`). Refused (ValueError):
        an unknown name, a wrong value, a required one missing or empty. Left out:
        frontend-only arguments, conditional ones whose condition does not hold, and
        values equal to their default."""
        if not isinstance(values, Mapping):
            raise ValueError('the arguments must be a JSON object, e.g. {"column_name": '
                             '"age"}')
        self.check_names(values)
        typed: dict[str, Any] = {}
        for arg in self.arguments:  # every given value is checked, shown or not
            if arg.name in values:
                raw = values[arg.name]
                typed[arg.name] = arg.check(raw) if strict else arg.convert(raw)
        # a condition on an argument left out looks at that argument's default
        context = {a.name: a.default_value if _empty(typed.get(a.name)) else typed[a.name]
                   for a in self.arguments}
        out: dict[str, Any] = {}
        for arg in self.arguments:
            value = typed.get(arg.name)
            if arg.is_frontend_only or not self.shown(arg, context):
                continue
            if _empty(value):
                if arg.required:
                    raise ValueError(f"give a value for {arg.name}"
                                     + (f" ({arg.description})" if arg.description else ""))
                continue
            if arg.has_default_value and value == arg.default:
                continue
            out[arg.name] = value
        return out

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Checked task ``kwargs`` from values given in code or JSON: each must already
        have its argument's type (see :meth:`Argument.check`); otherwise as
        :meth:`kwargs`."""
        return self.kwargs(values, strict=True)

    @classmethod
    def from_store(cls, record: Mapping[str, Any]) -> Function:
        """A function from the store's JSON."""
        names = {int(a["id"]): str(a.get("name")) for a in record.get("arguments") or ()
                 if a.get("id") is not None}
        return cls(
            name=str(record.get("name") or ""),
            description=str(record.get("description") or ""),
            arguments=tuple(Argument.from_store(a, names)
                            for a in record.get("arguments") or ()),
            type=str(record.get("type") or "federated"),
            display_name=str(record.get("display_name") or ""),
            standalone=bool(record.get("standalone", True)),
            databases=tuple({"name": str(d.get("name") or ""),
                             "description": str(d.get("description") or "")}
                            for d in record.get("databases") or ()),
            visualizations=tuple(_visualization(v) for v in record.get("ui_visualizations")
                                 or ()),
        )

    def to_store(self) -> dict[str, Any]:
        """This function as the store's ``POST /algorithm`` takes it."""
        out: dict[str, Any] = {"name": self.name, "type": self.type,
                               "standalone": self.standalone,
                               "arguments": [a.to_store() for a in self.arguments],
                               "databases": [{k: v for k, v in d.items() if v}
                                             for d in self.databases],
                               "ui_visualizations": [
                                   {k: v for k, v in vis.items() if v not in ("", None)}
                                   for vis in self.visualizations]}
        if self.display_name:
            out["display_name"] = self.display_name
        if self.description:
            out["description"] = self.description
        return out


def _visualization(record: Mapping[str, Any]) -> dict:
    schema = record.get("schema") or {}
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            schema = {}
    return {"name": str(record.get("name") or ""),
            "description": str(record.get("description") or ""),
            "type": str(record.get("type") or ""), "schema": dict(schema)}


@dataclass(frozen=True)
class Algorithm:
    """An algorithm: its image and the functions it exposes to tasks, with the store's
    metadata (``id`` and ``store_url`` say where it was read; both empty for one
    described in code with :func:`register`)."""

    image: str
    name: str = ""
    functions: tuple[Function, ...] = field(default_factory=tuple)
    description: str = ""
    partitioning: str = "horizontal"
    vantage6_version: str = "4.15"
    code_url: str = ""
    documentation_url: str = ""
    id: int | None = None
    store_url: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "functions", tuple(self.functions))

    @property
    def title(self) -> str:
        """The name (what earlier labpanels versions called it)."""
        return self.name

    def function(self, name: str) -> Function | None:
        """The function called ``name``."""
        return next((f for f in self.functions if f.name == name), None)

    @classmethod
    def from_store(cls, record: Mapping[str, Any], store_url: str = "") -> Algorithm:
        """An algorithm from one item of the store's ``GET /algorithm``."""
        if not isinstance(record, Mapping) or not record.get("image"):
            raise ValueError("not an algorithm store record (no image)")
        return cls(
            image=str(record["image"]), name=str(record.get("name") or ""),
            functions=tuple(Function.from_store(f) for f in record.get("functions") or ()),
            description=str(record.get("description") or ""),
            partitioning=str(record.get("partitioning") or "horizontal"),
            vantage6_version=str(record.get("vantage6_version") or ""),
            code_url=str(record.get("code_url") or ""),
            documentation_url=str(record.get("documentation_url") or ""),
            id=int(record["id"]) if record.get("id") is not None else None,
            store_url=store_url,
        )

    def to_store(self) -> dict[str, Any]:
        """This algorithm as the store's ``POST /algorithm`` takes it."""
        out: dict[str, Any] = {
            "name": self.name or bare_image(self.image), "image": self.image,
            "partitioning": self.partitioning, "vantage6_version": self.vantage6_version,
            "code_url": self.code_url or "https://example.org/not-published",
            "functions": [f.to_store() for f in self.functions]}
        if self.description:
            out["description"] = self.description
        if self.documentation_url:
            out["documentation_url"] = self.documentation_url
        return out


_CATALOGUE: dict[str, Algorithm] = {}


def bare_image(image: str) -> str:
    """An image name without ``@digest`` or ``:tag`` (a registry port stays)."""
    name = (image or "").strip().split("@", 1)[0]
    head, sep, tail = name.rpartition(":")
    return head if sep and "/" not in tail else name


def register(algorithm: Algorithm) -> Algorithm:
    """Add (or replace) the description of ``algorithm.image``, for an image that no
    algorithm store describes."""
    _CATALOGUE[bare_image(algorithm.image)] = algorithm
    return algorithm


def algorithm(image: str) -> Algorithm | None:
    """The registered description of ``image`` (a tag or digest is ignored), or None."""
    return _CATALOGUE.get(bare_image(image or ""))


def function(image: str, name: str) -> Function | None:
    """The registered description of function ``name`` of ``image``, or None."""
    found = algorithm(image)
    return found.function(name) if found else None


def registered() -> list[Algorithm]:
    """Every registered algorithm, in the order registered."""
    return list(_CATALOGUE.values())


def images() -> list[str]:
    """Every registered image, in the order registered."""
    return [a.image for a in _CATALOGUE.values()]
