"""The typed input form of the o²S²PARC panels: one :class:`PortField` per input port (a
solver's, in JobBuilder; a study's, keyed by its title, in OsparcStudyRunner), read as
typed values or told what is wrong with each, and :class:`PortForm`, what both panels do
with their fields (``form`` for the view, ``field_errors``, ``set_inputs``, ``values``).
The view draws ``form`` with ``js/lib/portform.js``."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from traitlets import Dict, HasTraits, List

from ..errors import LabpanelsError
from ..pennsieve.download import safe_name

__all__ = ["PortField", "PortForm", "InvalidInputs", "OMIT", "port_kind", "files_in"]

_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".ipynb_checkpoints"}
_FILE_WORDS = re.compile(r"\b(file|files|table|csv|image|path|data)\b", re.IGNORECASE)


class InvalidInputs(LabpanelsError, ValueError):
    """The form does not hold valid inputs; ``errors`` maps each port to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("not submitted: " + "; ".join(self.errors.values()))


def port_kind(port: Mapping[str, Any]) -> str:
    """integer, number, boolean, string, file or json for a port's ``content_schema``.

    The public API describes a file port as ``{"type": "string"}`` without a default, so a
    string port without a default whose title or description speaks of a file is a file.
    """
    schema = port.get("content_schema") or {}
    kind = schema.get("type")
    if kind in ("integer", "number", "boolean"):
        return str(kind)
    if kind == "string":
        if "enum" in schema or "default" in schema:
            return "string"
        if schema.get("format") in ("binary", "uri") or _FILE_WORDS.search(
            f"{schema.get('title', '')} {schema.get('description', '')}"
        ):
            return "file"
        return "string"
    if kind is None and ("$ref" in schema or "File" in str(schema.get("title", ""))):
        return "file"
    return "json"


def files_in(folder: Path, limit: int = 500) -> list[str]:
    """Files under ``folder`` (relative paths, hidden folders skipped), at most ``limit``."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            found.append(os.path.relpath(os.path.join(root, name), folder))
            if len(found) >= limit:
                return found
    return found


OMIT = object()  # an empty optional field: the input is not sent


class PortField:
    """One input port of the form: holds what was typed (``value``: text, or a bool for
    a yes/no port) and reads it as a typed value or says clearly what is wrong."""

    def __init__(self, port: Mapping[str, Any], workdir: Path, choices: list[str] = ()) -> None:
        schema = port.get("content_schema") or {}
        self.key = str(port["key"])
        self.kind = port_kind(port)
        self.schema = dict(schema)
        self.title = str(schema.get("title") or self.key)
        self.description = str(schema.get("description") or "")
        self.has_default = "default" in schema
        self.default = schema.get("default")
        self.workdir = workdir
        self.remote: dict | None = None  # a server File given with set_inputs
        self.options = [str(o) for o in schema.get("enum") or []]
        if self.kind == "boolean":
            self.value: Any = bool(self.default)
        elif self.options:
            self.value = str(self.default) if self.default in self.options else self.options[0]
        elif self.kind == "json":
            self.value = "" if self.default is None else json.dumps(self.default)
        else:
            self.value = "" if self.default is None or self.kind == "file" else str(self.default)

    def hint(self) -> str:
        """What the port takes: its key, kind, bounds, default and description."""
        bounds = []
        for name, sign in (
            ("minimum", "≥"),
            ("exclusiveMinimum", ">"),
            ("maximum", "≤"),
            ("exclusiveMaximum", "<"),
        ):
            if name in self.schema:
                bounds.append(f"{sign} {self.schema[name]}")
        kind = {
            "integer": "whole number",
            "number": "number",
            "boolean": "yes/no",
            "string": "text",
            "file": "file",
            "json": "JSON",
        }[self.kind]
        default = f", default {self.default!r}" if self.has_default else ""
        extra = f" {' and '.join(bounds)}" if bounds else ""
        return f"{self.key}: {kind}{extra}{default}. {self.description}".strip()

    def spec(self) -> dict:
        """What the view draws for this field."""
        value = self.value
        if self.kind == "file" and self.remote is not None:
            value = f"(on the server) {self.remote.get('filename', self.remote.get('id'))}"
        return {"key": self.key, "kind": self.kind, "title": self.title, "hint": self.hint(),
                "options": self.options, "value": value,
                "required": not self.has_default and self.kind not in ("string", "boolean")}

    # -- values --------------------------------------------------------------------
    def read(self) -> Any:
        """The typed value (:data:`OMIT` for an empty optional field); raises ValueError
        with a sentence naming the port."""
        name = f"{self.title} ({self.key})"
        if self.kind == "boolean":
            return bool(self.value)
        if self.kind == "file":
            return self._read_file(name)
        raw = str(self.value)
        if raw.strip() == "" and not (self.kind == "string" and raw):
            if self.has_default:
                return self.default
            if self.kind == "string":
                return OMIT  # an optional text: the server decides
            raise ValueError(f"{name} is required")
        if self.kind == "integer":
            return self._bounded(name, _integer(name, raw))
        if self.kind == "number":
            return self._bounded(name, _number(name, raw))
        if self.kind == "json":
            try:
                return json.loads(raw)
            except ValueError as exc:
                raise ValueError(f"{name} is not valid JSON: {exc.msg}") from None
        return raw

    def _read_file(self, name: str) -> Any:
        if self.remote is not None:
            return dict(self.remote)
        text = str(self.value).strip()
        if not text:
            raise ValueError(f"{name} needs a file: choose one or upload it")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.workdir / path
        if not path.is_file():
            raise ValueError(f"{name}: no such file {text!r} (relative to {self.workdir})")
        return path

    def _bounded(self, name: str, value: float) -> float:
        s = self.schema
        if "minimum" in s and value < s["minimum"]:
            raise ValueError(f"{name} must be at least {s['minimum']}, not {value}")
        if "exclusiveMinimum" in s and value <= s["exclusiveMinimum"]:
            raise ValueError(f"{name} must be more than {s['exclusiveMinimum']}, not {value}")
        if "maximum" in s and value > s["maximum"]:
            raise ValueError(f"{name} must be at most {s['maximum']}, not {value}")
        if "exclusiveMaximum" in s and value >= s["exclusiveMaximum"]:
            raise ValueError(f"{name} must be less than {s['exclusiveMaximum']}, not {value}")
        return value

    def write(self, value: Any) -> None:
        """Put a Python value into the field (a Path or name for a file, a File dict
        too); typing a path again replaces a server file."""
        if self.kind == "file":
            if isinstance(value, Mapping):
                self.value = ""
                self.remote = dict(value)
                return
            self.remote = None
            self.value = str(value)
            return
        if self.kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError(f"{self.title} ({self.key}) is a yes/no flag: give True or False")
            self.value = value
            return
        if self.kind == "json" and not isinstance(value, str):
            self.value = json.dumps(value)
            return
        self.value = str(value)

    def save_upload(self, name: str, content: bytes) -> Path:
        """Keep an uploaded file in ``<workdir>/osparc-uploads`` and choose it."""
        folder = self.workdir / "osparc-uploads"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / safe_name(str(name))
        target.write_bytes(bytes(content))
        self.write(str(target.relative_to(self.workdir)))
        return target


def _integer(name: str, raw: str) -> int:
    text = raw.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if not number.is_integer():
        raise ValueError(f"{name} must be a whole number, not {raw!r}")
    return int(number)


def _number(name: str, raw: str) -> float:
    try:
        number = float(raw.strip())
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, not {raw!r}")
    return number


def same_kind(before: PortField, field: PortField) -> bool:
    """Does what was typed in ``before`` carry over to ``field`` (the same kind of input)?"""
    return before.kind == field.kind


class PortForm(HasTraits):
    """The form of a panel: ``fields`` (key -> :class:`PortField`), drawn from ``form`` (one
    :meth:`PortField.spec` per field), with each field's message in ``field_errors``."""

    form = List().tag(sync=True)  # one dict per field: PortField.spec()
    field_errors = Dict().tag(sync=True)

    fields: dict[str, PortField]

    def _form_owner(self) -> str:
        """Who has the inputs, for messages ("the study", a solver's name)."""
        return "the form"

    def _set_fields(self, fields: dict[str, PortField],
                    keep: Callable[[PortField, PortField], bool] = same_kind) -> None:
        """Show new fields; what was typed in a field of the same key survives when
        ``keep(before, field)``."""
        old, self.fields = getattr(self, "fields", {}), fields
        for key, field in fields.items():
            before = old.get(key)
            if before is not None and keep(before, field):
                field.value, field.remote = before.value, before.remote
        self.field_errors = {}
        self._publish()

    def _publish(self) -> None:
        self.form = [f.spec() for f in self.fields.values()]

    def set_inputs(self, **values: Any) -> None:
        """Fill inputs by key: a solver's port key (``input_2=3``, ``input_1=Path("n.txt")``),
        a study's input title (``**{"Sleep interval": 3}``)."""
        unknown = [k for k in values if k not in self.fields]
        if unknown:
            raise ValueError(f"{self._form_owner()} has no input {', '.join(unknown)}; its "
                             f"inputs are {', '.join(self.fields) or 'none'}")
        try:
            for key, value in values.items():
                self.fields[key].write(value)
        finally:
            self._publish()

    def _keeps_own(self, field: PortField) -> bool:
        """Is the field left out of the inputs sent (the server keeps its own value)?"""
        return False

    def values(self) -> dict[str, Any]:
        """The form's inputs, typed; raises :class:`InvalidInputs` naming every wrong
        field (each field's message is in ``field_errors`` too)."""
        out: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, field in self.fields.items():
            if self._keeps_own(field):
                continue
            try:
                value = field.read()
            except ValueError as exc:
                errors[key] = str(exc)
                continue
            if value is not OMIT:
                out[key] = value
        self.field_errors = errors
        if errors:
            raise InvalidInputs(errors)
        return out
