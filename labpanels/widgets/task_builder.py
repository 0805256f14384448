"""TaskBuilder: compose a vantage6 task from the algorithm store's description, review
exactly what will run where, send it once, and see the same task as code.

The form is drawn from what the collaboration's algorithm store says (through
``session.algorithms()``; images described in code with
:func:`labpanels.vantage6.catalogue.register` too): a searchable algorithm picker, each
function's description and kind (central or federated), and one typed field per argument
(a column picker fed by the nodes' ``POST /column`` answers, typed lists checked item by
item, allowed values as a choice, organization pickers limited to the collaboration or
study, JSON with its reason when it is not valid). Conditional arguments are shown, and
sent, only while their condition holds; frontend-only arguments are asked, never sent. An
image no store describes gets a function name and a JSON editor.

One anywidget: the view (``js/task_builder.js``) draws the traits and sends every change
as an action (``set_value``, ``review``, ``back``, ``submit``, ``refresh``,
``refresh_algorithms``, ``load_columns``); the checking stays here, and its findings come
back as ``field_errors`` (field -> sentence) and ``not_ready`` (why the form cannot be
reviewed yet). ``step`` is ``"form"`` or ``"summary"`` (:meth:`review` fills ``summary``:
what will run where, before Submit).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from traitlets import Bool, Dict, Int, List, Unicode

from ..errors import LabpanelsError, NetworkError
from ..formatting import subject
from ..vantage6 import catalogue
from ..vantage6.errors import TaskOutcomeUnknown
from .assets import asset
from .base import Panel
from .common import follow_reachability, friendly, vantage6_session

__all__ = ["TaskBuilder", "task_code", "match_algorithm"]


def _plain(text: Any) -> str:
    """Server text made safe for a one-line comment in generated code."""
    return " ".join(str(text).split())


def task_code(*, collaboration: int, organizations: Sequence[int], name: str, image: str,
              description: str, method: str, kwargs: Mapping[str, Any],
              databases: Sequence[str], args: Sequence[Any] = (),
              collaboration_name: str = "", organization_names: Sequence[str] = (),
              study: int | None = None, study_name: str = "") -> str:
    """The lesson's ``client.task.create(...)`` call for a task, as Python source."""
    input_: dict[str, Any] = {"method": method}
    if args:
        input_["args"] = list(args)
    input_["kwargs"] = dict(kwargs)
    collab_note = f"  # {_plain(collaboration_name)}" if collaboration_name else ""
    org_note = (f"  # {', '.join(_plain(n) for n in organization_names)}"
                if organization_names else "")
    lines = [
        "task = client.task.create(",
        f"    collaboration={int(collaboration)!r},{collab_note}",
    ]
    if study is not None:
        lines.append(f"    study={int(study)!r},"
                     + (f"  # {_plain(study_name)}" if study_name else ""))
    return "\n".join([
        *lines,
        f"    organizations={[int(o) for o in organizations]!r},{org_note}",
        f"    name={name!r},",
        f"    image={image!r},",
        f"    description={description!r},",
        f"    input_={input_!r},",
        f"    databases={[{'label': d} for d in databases]!r},",
        ")",
    ])


def match_algorithm(choice: Mapping[str, Any], query: str) -> bool:
    """Whether an algorithm choice (``name``, ``image``, ``description``) matches the
    picker's search: every word of ``query`` is in one of them, any case
    (js/task_builder.js's ``matchAlgorithm`` says the same)."""
    text = " ".join(str(choice.get(k) or "") for k in ("name", "image", "description"))
    text = text.lower()
    return all(word in text for word in (query or "").lower().split())


#: the view's kind of field for each store argument type (the view draws these kinds)
_VIEW_KIND = {"column": "column", "column_list": "columns", "string": "str",
              "string_list": "list", "integer": "int", "integer_list": "list",
              "float": "float", "float_list": "list", "boolean": "bool", "json": "json",
              "organization": "organization", "organization_list": "organizations"}
#: what one item of a typed list is, in a message
_ITEM_WHAT = {"string": "text", "integer": "a whole number", "float": "a finite number"}


def _kind(arg: catalogue.Argument) -> str:
    """The view's field kind: allowed values are a choice (several, for a list)."""
    if arg.allowed_values and arg.type not in ("boolean", "json", "organization",
                                               "organization_list"):
        return "choices" if arg.is_list else "choice"
    return _VIEW_KIND[arg.type]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_field(arg: catalogue.Argument, value: Any) -> Any:
    """A checked value (from code, JSON or a default) as the view's field holds it."""
    kind = _kind(arg)
    if kind == "bool":
        return bool(value)
    if kind == "json":
        return "" if value is None else json.dumps(value)
    if kind in ("organization", "int", "float"):
        return None if value is None else value
    if kind == "organizations":
        return [int(v) for v in value or []]
    if kind in ("list", "columns", "choices"):
        return [_store_text(v) for v in value or []]
    return "" if value is None else _store_text(value)


def _store_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _initial(arg: catalogue.Argument) -> Any:
    """A field's value before the user gives one: the default, as the view holds it."""
    return _as_field(arg, None if arg.required else arg.default)


def _clean(arg: catalogue.Argument, value: Any) -> Any:
    """A field's value as :meth:`catalogue.Argument.convert` takes it: blank items of a
    list left out, an empty choice as no value."""
    if isinstance(value, tuple):
        value = list(value)
    if arg.is_list and isinstance(value, list):
        return [v for v in value if not _blank(v)]
    if _blank(value):
        return None
    return value


def _items(text: str) -> list[str]:
    """A list typed as text (a JSON array, or items separated by commas or new lines)."""
    text = text.strip()
    if text.startswith("["):
        with contextlib.suppress(ValueError):
            value = json.loads(text)
            if isinstance(value, list):
                return [_store_text(v) for v in value]
    return [v.strip() for v in text.replace("\n", ",").split(",") if v.strip()]


def _condition_text(fn: catalogue.Function, arg: catalogue.Argument) -> str:
    if not arg.conditional_on:
        return ""
    controller = fn.argument(arg.conditional_on)
    label = controller.label if controller else arg.conditional_on
    value = arg.conditional_value
    if isinstance(value, str) and controller is not None and controller.type == "boolean":
        value = value.lower()
    words = {"==": "is", "!=": "is not", ">": "is more than", "<": "is less than",
             ">=": "is at least", "<=": "is at most"}
    return f"asked while {label} {words.get(arg.conditional_operator or '==', 'is')} {value}"


#: the form's fields the view may set with ``set_value`` (arguments: "arg:<name>")
_FIELDS = ("image", "method", "json_mode", "json_text", "organizations", "databases", "name",
           "description", "study")


class TaskBuilder(Panel):
    """Compose and submit a task for the session's current collaboration.

    Every control has a plain-method twin: :meth:`set` fills the form (also used to
    repeat a task), :meth:`set_value` sets one field as the view does, :meth:`values`
    reads it (checked), :meth:`review` shows the summary (:meth:`summary_rows`),
    :meth:`back` the form again, :meth:`code` is the code view and :meth:`submit` sends it,
    exactly once; :meth:`refresh_algorithms` reads the algorithm store again and
    :meth:`load_columns` asks the chosen organizations' nodes for their columns. The new
    task reaches the other panels through ``session.last_task``.
    """

    _esm = asset("task_builder.js")
    _css = asset("task_builder.css")
    #: the methods the view may call by an action message
    ACTIONS = frozenset({"set_value", "submit", "refresh", "review", "back",
                         "refresh_algorithms", "load_columns"})
    SLOW_ACTIONS = frozenset({"refresh", "refresh_algorithms"})  # they read the server

    header = Unicode("Choose a collaboration first").tag(sync=True)
    algorithm_choices = List(Dict(), help="the algorithms offered: image, name, "
                             "description, source (store or code), functions").tag(sync=True)
    algorithms_note = Unicode("", help="where the algorithms come from, or why the store "
                              "could not be read").tag(sync=True)
    image = Unicode("").tag(sync=True)
    functions = List(Dict(), help="the image's functions: name, label, help, central, "
                     "type").tag(sync=True)
    method = Unicode("", help="the chosen function's name").tag(sync=True)
    function_help = Unicode("").tag(sync=True)
    central = Bool(False).tag(sync=True)
    columns = List(Unicode(), help="column names offered for column arguments").tag(sync=True)
    column_notes = Dict(help="column -> which nodes report it, when not all").tag(sync=True)
    columns_note = Unicode("", help="what the nodes answered, e.g. 'columns from 3 of 4 "
                           "nodes; HERMES: node offline'").tag(sync=True)
    columns_state = Unicode("", help="'' (not asked), loading, ready, stale or error"
                            ).tag(sync=True)
    arguments = List(Dict(), help="the typed form's fields: name, label, type (the view's "
                     "kind), store_type, required, help, choices, frontend_only, condition "
                     "(empty in JSON mode)").tag(sync=True)
    hidden_arguments = List(Unicode(), help="arguments whose condition does not hold now "
                            "(not shown, not sent)").tag(sync=True)
    argument_values = Dict(help="argument name -> the typed field's value").tag(sync=True)
    json_mode = Bool(False, help="the arguments are edited as JSON").tag(sync=True)
    json_available = Bool(False, help="the form can switch to JSON and back").tag(sync=True)
    json_text = Unicode("{}").tag(sync=True)
    study_choices = List(Dict(), help="the collaboration's studies: id, name, "
                         "organizations").tag(sync=True)
    study = Int(None, allow_none=True, help="the chosen study's id (None: the whole "
                "collaboration)").tag(sync=True)
    organization_choices = List(Dict(), help="id, name, status, label (of the collaboration "
                                "or the chosen study)").tag(sync=True)
    organizations = List(Int(), help="ids of the chosen organizations").tag(sync=True)
    database_slots = List(Dict(), help="the databases the function reads: name, "
                          "description").tag(sync=True)
    database_choices = List(Unicode(), help="the database labels the nodes have"
                            ).tag(sync=True)
    databases = List(Unicode(), ["default"], help="the label chosen for each database slot"
                     ).tag(sync=True)
    name = Unicode("").tag(sync=True)
    description = Unicode("").tag(sync=True)
    step = Unicode("form", help="'form' or 'summary' (what will run where, before Submit)"
                   ).tag(sync=True)
    summary = List(Dict(), help="the summary step's rows: label, value, kind (text or code)"
                   ).tag(sync=True)
    code_text = Unicode("", help="the code view: the form as client.task.create(...)"
                        ).tag(sync=True)
    field_errors = Dict(help="field -> why its value cannot be sent ('arg:<name>#<i>': an "
                        "item of a list)").tag(sync=True)
    not_ready = Unicode("", help="why the form cannot be sent yet ('' when it can)"
                        ).tag(sync=True)
    sending = Bool(False, help="True while a task is being sent (Submit is disabled)"
                   ).tag(sync=True)

    def __init__(self, session: Any, *, columns: Sequence[str] | None = None,
                 **kwargs: Any) -> None:
        self.check_options(kwargs)
        self._guard = threading.Lock()
        self._update_lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._quiet_until = 0.0
        self._orgs: list[dict] = []  # organizations of the collaboration, with node status
        # _orgs and _studies belong to the current collaboration: filled by refresh() and
        # emptied the moment another is chosen, never one while the other happens
        self._scope_lock = threading.RLock()
        self._scope_for: int | None = None  # the collaboration they were read for
        self._studies: list[dict] = []  # the collaboration's studies, with organization ids
        self._store_ok = False  # the collaboration's algorithm store was read
        self._auto_name = ""
        self._used_names: set[str] = set()  # names of the tasks this builder sent
        self._central: bool | None = None
        self._form_error = False  # a refusal was shown: the message follows the form
        self._unknown_shown = False  # the message says a submission's outcome is unknown
        self._lost_name = ""  # the name of that submission
        self._quiet = 0  # > 0 while the builder changes several traits at once
        self._given_columns = list(columns or [])
        self._auto_image = ""  # the image the builder chose itself (not the user)
        self._columns_key: tuple | None = None  # what the shown columns were asked for
        self._columns_wanted = False  # columns were asked once: ask again when the key moves
        self.last_submitted: dict | None = None
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self.columns = list(self._given_columns)
        self.follow(self, self._on_image, "image")
        self.follow(self, self._on_method, "method")
        self.follow(self, self._on_json_mode, "json_mode")
        self.follow(self, self._on_study, "study")
        self.follow(self, self._changed, ["json_text", "argument_values", "organizations",
                                          "databases", "name", "description"])
        self.follow(self, self._scope_changed, ["organizations", "databases"])
        # nothing of the last collaboration is offered or sent once another is chosen; its
        # organizations and nodes are requests: read on the panel's worker
        self.follow(self.session, self._forget_collaboration, ["collaboration", "logged_in"])
        self.follow(self.session, self._collaboration_changed, ["collaboration", "logged_in"],
                    background=True)
        self.follow(self.session, self._nodes_changed, "node_status")
        self.follow(self.session, self._key_changed, "key_loaded")
        if self.session.has_trait("pending_submission"):
            self.follow(self.session, self._pending_changed, "pending_submission")
        follow_reachability(self, self.session)
        self._read_algorithms()
        choices = self.algorithm_choices
        if not self.image and choices:
            self._auto_image = choices[0]["image"]
            self.image = self._auto_image  # fills the functions and the form
        else:  # an image given to the constructor, or none known
            self._on_image()
        if self.session.logged_in and self.session.collaboration:
            with self.reporting():
                self.refresh()

    # -- the view's actions ----------------------------------------------------------------
    def _action_submit(self) -> None:  # the button: re-checks a lost answer first
        self._clicked()

    def _action_load_columns(self, refresh: bool = False) -> None:
        """Focusing a column field asks for the nodes' columns: once, unless stale."""
        if refresh or self.columns_state in ("", "stale"):
            self.later(self.load_columns, bool(refresh))

    def set_value(self, field: str, value: Any) -> None:
        """Set one field as the view does: ``image``, ``method``, ``json_mode``,
        ``json_text``, ``organizations`` (ids), ``study`` (an id, or None for the whole
        collaboration), ``databases`` (one label per slot, or text separated by commas),
        ``name``, ``description``, or an argument as ``"arg:<name>"``. The form is
        checked again and ``field_errors`` says what is wrong."""
        if field.startswith("arg:"):
            arg_name = field[4:]
            spec = next((a for a in self.arguments if a["name"] == arg_name), None)
            if spec is None:
                raise ValueError(f"the form has no argument {arg_name!r}")
            if isinstance(value, tuple):
                value = list(value)
            if spec["type"] in ("list", "columns", "choices") and isinstance(value, str):
                value = _items(value)
            elif spec["type"] == "organizations" and isinstance(value, list):
                value = [int(v) for v in value if not _blank(v)]
            elif spec["type"] == "organization" and not _blank(value) and not isinstance(
                    value, bool):
                with contextlib.suppress(TypeError, ValueError):
                    value = int(value)
            self.argument_values = {**self.argument_values, arg_name: value}
            return
        if field not in _FIELDS:
            raise ValueError(f"the task builder has no field {field!r}")
        if field == "organizations":
            value = [int(v) for v in (value or [])]
        elif field == "json_mode":
            value = bool(value)
        elif field == "study":
            value = None if _blank(value) else int(value)
        elif field == "databases":
            if isinstance(value, str):
                value = [d.strip() for d in value.split(",")]
            value = [str(d or "").strip() for d in (value or [])]
        else:
            value = "" if value is None else str(value)
        setattr(self, field, value)

    # -- reading the form ----------------------------------------------------------------
    def _algorithm(self, image: str) -> catalogue.Algorithm | None:
        """The description of ``image``: the collaboration's algorithm store (as the
        session read it), else one registered in code."""
        session = self.session
        if self._store_ok and session.logged_in and session.collaboration:
            with contextlib.suppress(LabpanelsError):
                return session.algorithm(image)
        return catalogue.algorithm(image)

    def _read_algorithms(self, refresh: bool = False) -> list[catalogue.Algorithm]:
        """The algorithms to offer: the collaboration's stores (through the session),
        then those registered in code; a store that cannot be read is said in
        ``algorithms_note``. Fills ``algorithm_choices``."""
        session = self.session
        found: list[catalogue.Algorithm]
        note = ""
        self._store_ok = False
        if session.logged_in and session.collaboration:
            try:
                found = session.algorithms(refresh=refresh)
                self._store_ok = True
            except LabpanelsError as exc:
                found = catalogue.registered()
                note = (f"The algorithm store could not be read: {friendly(exc)} Only the "
                        "algorithms described in code are offered; any image can be typed.")
        else:
            found = catalogue.registered()
        choices = [{"image": a.image, "name": a.name or catalogue.bare_image(a.image),
                    "description": a.description,
                    "source": "store" if a.store_url else "code",
                    "functions": [f.label for f in a.functions]} for a in found]
        if not note and self._store_ok:
            stored = sum(c["source"] == "store" for c in choices)
            note = (f"{stored} algorithm{'s' if stored != 1 else ''} from the "
                    "collaboration's algorithm store"
                    + (f", {len(choices) - stored} described in code"
                       if len(choices) > stored else ""))
        with self.hold_sync():
            self.algorithm_choices = choices
            self.algorithms_note = note
        return found

    @property
    def images(self) -> list[str]:
        """The images the picker offers, in its order."""
        return [c["image"] for c in self.algorithm_choices]

    def find_algorithms(self, query: str = "") -> list[dict]:
        """The picker's choices that match ``query`` (see :func:`match_algorithm`)."""
        return [c for c in self.algorithm_choices if match_algorithm(c, query)]

    def refresh_algorithms(self) -> list[dict]:
        """Read the algorithm store again (an algorithm added meanwhile appears); the
        chosen image stays. Returns the choices."""
        self._read_algorithms(refresh=True)
        self._on_image()
        if self._store_ok:
            self.show_message(self.algorithms_note[:1].upper() + self.algorithms_note[1:]
                              + " (read again)", "ok")
        return list(self.algorithm_choices)

    @property
    def function(self) -> catalogue.Function | None:
        """The description of the chosen function, if any."""
        algo = self._algorithm(self.image)
        return algo.function(self.method.strip()) if algo else None

    def _raw_values(self, fn: catalogue.Function) -> dict[str, Any]:
        return {a.name: _clean(a, self.argument_values.get(a.name)) for a in fn.arguments}

    def _shown_names(self, fn: catalogue.Function, raw: Mapping[str, Any]) -> set[str]:
        return {a.name for a in fn.arguments if fn.shown(a, raw)}

    def kwargs(self) -> dict[str, Any]:
        """The arguments as the task will send them; ValueError with the reason if not valid."""
        fn = self.function
        if fn is None or self.json_mode:
            value = catalogue.parse_json(self.json_text.strip() or "{}")
            if not isinstance(value, dict):
                raise ValueError('the arguments must be a JSON object, e.g. {"column_name": '
                                 '"age"}')
            # typed JSON is checked as it is: 123 is not sent as the column "123"
            kwargs = fn.check(value) if fn is not None else value
        else:
            raw = self._raw_values(fn)
            shown = self._shown_names(fn, raw)  # a hidden argument is neither checked nor sent
            kwargs = fn.kwargs({k: v for k, v in raw.items() if k in shown})
        self._check_organization_arguments(kwargs)
        return kwargs

    def _scope(self) -> list[dict]:
        """The organizations a task may run at: the chosen study's, else the
        collaboration's."""
        if self.study is None:
            return list(self._orgs)
        study = next((s for s in self._studies if s["id"] == self.study), None)
        members = set(study["organizations"]) if study else set()
        return [o for o in self._orgs if o["id"] in members]

    def _scope_name(self) -> str:
        if self.study is not None:
            study = next((s for s in self._studies if s["id"] == self.study), None)
            return f"study {study['name'] if study else self.study}"
        return str((self.session.collaboration or {}).get("name") or "the collaboration")

    def _check_organization_arguments(self, kwargs: Mapping[str, Any]) -> None:
        """Organization arguments name organizations of the collaboration (or the chosen
        study), by id."""
        fn = self.function
        scope = self._scope()
        if not scope:
            return
        for name, value in kwargs.items():
            arg = fn.argument(name) if fn else None
            if arg is None or arg.type not in ("organization", "organization_list") or (
                    value is None):
                continue
            items = value if arg.type == "organization_list" else [value]
            if not isinstance(items, list) or not all(isinstance(o, int) and not isinstance(
                    o, bool) for o in items):
                raise ValueError(f"{name} must be a list of organization ids, e.g. "
                                 f"[{scope[0]['id']}], not {value!r}")
            known = {o["id"] for o in scope}
            outside = [o for o in items if o not in known]
            if outside:
                raise ValueError(f"{subject('organization', outside)} not in "
                                 f"{self._scope_name()}; its organizations: "
                                 + ", ".join(f"{o['id']} ({o['name']})" for o in scope))

    def _scope_known(self) -> bool:
        """The current collaboration's organizations and studies have been read."""
        collab = self.session.collaboration
        return bool(collab) and self._scope_for == collab.get("id")

    def _check_organizations(self, collab: Mapping[str, Any]) -> list[int]:
        if not self._scope_known():
            name = (collab or {}).get("name") or "the collaboration"
            raise ValueError(f"the organizations of {name} are not read yet")
        organizations = list(self.organizations)
        if not organizations:
            raise ValueError("choose at least one organization")
        if self._orgs:
            known = {o["id"]: o for o in self._scope()}
            outside = [o for o in organizations if o not in known]
            if outside:
                where = (self._scope_name() if self.study is not None else collab["name"])
                raise ValueError(f"{subject('organization', outside)} not in "
                                 f"{where}")
            nodeless = [known[o]["name"] for o in organizations
                        if known[o]["status"] == "no node"]
            if nodeless:
                raise ValueError(f"no node is registered for {', '.join(nodeless)} in "
                                 f"{collab['name']}: the task could never run there")
        return organizations

    def _database_labels(self) -> list[str]:
        labels = [d.strip() for d in self.databases if d and d.strip()]
        slots = len(self.database_slots) or 1
        if len(labels) < slots:
            missing = [s.get("name") or f"database {i + 1}"
                       for i, s in enumerate(self.database_slots)][len(labels):]
            if self.database_slots and missing:
                raise ValueError(f"choose the database for {', '.join(missing)}")
        return labels or ["default"]

    def values(self) -> dict[str, Any]:
        """What :meth:`submit` will send, as ``session.create_task`` arguments (checked)."""
        collab = self.session.collaboration
        if not collab:
            raise ValueError("choose a collaboration first")
        image = (self.image or "").strip()
        if not image:
            raise ValueError("give the algorithm's image")
        method = self.method.strip()
        if not method:
            raise ValueError("choose the function to run")
        organizations = self._check_organizations(collab)
        kwargs = self.kwargs()
        if collab.get("encrypted") and not self.session.key_loaded:
            raise ValueError(f"{collab['name']} is encrypted: load your organization's "
                             "private key first (session.load_private_key(path))")
        databases = self._database_labels()
        return {"image": image, "method": method, "organizations": organizations,
                "collaboration": collab["id"], "kwargs": kwargs,
                "databases": databases, "study": self.study,
                "name": self.name.strip() or self._auto_name or self._new_name(),
                "description": self.description}

    def code(self) -> str:
        """The code view's text: the form as a ``client.task.create(...)`` call."""
        try:
            v = self.values()
        except ValueError as exc:
            return f"# Not ready yet: {friendly(exc)}"
        names = {o["id"]: o["name"] for o in self._orgs}
        study = next((s for s in self._studies if s["id"] == v["study"]), None)
        return task_code(collaboration=v["collaboration"], organizations=v["organizations"],
                         name=v["name"], image=v["image"], description=v["description"],
                         method=v["method"], kwargs=v["kwargs"], databases=v["databases"],
                         collaboration_name=self.session.collaboration["name"],
                         organization_names=[names.get(o, str(o)) for o in v["organizations"]],
                         study=v["study"], study_name=study["name"] if study else "")

    def summary_rows(self) -> list[dict]:
        """What will run where, as the summary step shows it: ``[{label, value, kind}]``
        (kind ``text`` or ``code``). ValueError when the form cannot be sent yet."""
        v = self.values()
        collab = self.session.collaboration
        algo = self._algorithm(v["image"])
        fn = self.function
        names = {o["id"]: o["name"] for o in self._orgs}
        orgs = [names.get(o, str(o)) for o in v["organizations"]]
        rows = [{"label": "Algorithm", "value": (algo.name if algo and algo.name else
                                                  "not described by the algorithm store"),
                 "kind": "text"},
                {"label": "Image", "value": v["image"], "kind": "code"}]
        label = fn.label if fn else v["method"]
        if fn is None:
            kind = "kind unknown (not described)"
        elif fn.central:
            kind = "central: runs at one organization and creates subtasks at others"
        else:
            kind = "federated: runs at each chosen organization"
        rows.append({"label": "Function", "value": f"{label} ({v['method']}), {kind}"
                     if label != v["method"] else f"{v['method']}, {kind}", "kind": "text"})
        study = next((s for s in self._studies if s["id"] == v["study"]), None)
        if v["study"] is not None:
            where = f"{study['name'] if study else v['study']} (a study of {collab['name']})"
        else:
            where = f"{collab['name']} (the whole collaboration)"
        rows.append({"label": "Collaboration", "value": where, "kind": "text"})
        rows.append({"label": "Runs at" if not (fn and fn.central) else "Starts at",
                     "value": ", ".join(orgs), "kind": "text"})
        slots = self.database_slots or [{"name": ""}]
        dbs = [f"{s.get('name')}: {label}" if s.get("name") and s.get("name") != label
               else label for s, label in zip(slots, v["databases"], strict=False)]
        rows.append({"label": "Databases", "value": ", ".join(dbs or v["databases"]),
                     "kind": "text"})
        rows.append({"label": "Arguments sent", "value": json.dumps(v["kwargs"], indent=2)
                     if v["kwargs"] else "{} (none)", "kind": "code"})
        if fn is not None and not self.json_mode:
            raw = self._raw_values(fn)
            shown = self._shown_names(fn, raw)
            defaults = [a.name for a in fn.arguments if a.name in shown and
                        not a.is_frontend_only and a.name not in v["kwargs"]
                        and a.has_default_value]
            if defaults:
                rows.append({"label": "Left to the algorithm's defaults",
                             "value": ", ".join(defaults), "kind": "text"})
            unsent = [a.name for a in fn.arguments if a.is_frontend_only]
            unsent += [a.name for a in fn.arguments if a.name not in shown
                       and not a.is_frontend_only]
            if unsent:
                rows.append({"label": "Not sent", "value": ", ".join(
                    f"{n} (only for the form)" if fn.argument(n).is_frontend_only else
                    f"{n} (its condition does not hold)" for n in unsent), "kind": "text"})
        rows.append({"label": "Encryption", "value": (
            "encrypted for each organization's public key" if collab.get("encrypted") else
            "not encrypted (the collaboration does not encrypt)"), "kind": "text"})
        rows.append({"label": "Name", "value": v["name"], "kind": "text"})
        if v["description"]:
            rows.append({"label": "Description", "value": v["description"], "kind": "text"})
        return rows

    def review(self) -> list[dict]:
        """Show the summary step (what will run where) before Submit; returns its rows.
        ValueError (shown in the panel) when the form cannot be sent yet."""
        try:
            rows = self.summary_rows()
        except ValueError:
            self._form_error = True
            raise
        with self.hold_sync():
            self.summary = rows
            self.step = "summary"
        return rows

    def back(self) -> None:
        """Leave the summary step for the form."""
        self.step = "form"

    def _errors(self) -> dict[str, str]:
        """What is wrong with each field (field -> one sentence), for the view."""
        errors: dict[str, str] = {}

        def note(field: str, check: Any) -> None:
            try:
                check()
            except (ValueError, TypeError) as exc:
                errors[field] = friendly(exc)

        def need(text: str, value: str) -> None:
            if not value.strip():
                raise ValueError(text)

        note("image", lambda: need("give the algorithm's image", self.image))
        note("method", lambda: need("choose the function to run", self.method))
        if self.session.collaboration:
            note("organizations", lambda: self._check_organizations(self.session.collaboration))
        note("databases", self._database_labels)
        fn = self.function
        if fn is None or self.json_mode:
            note("json_text", self.kwargs)
            return errors
        raw = self._raw_values(fn)
        shown = self._shown_names(fn, raw)
        for arg in fn.arguments:
            if arg.name not in shown:
                continue

            def one(arg: catalogue.Argument = arg) -> None:
                value = raw[arg.name]
                typed = self.argument_values.get(arg.name)
                if arg.is_list and isinstance(typed, list) and arg.item_type in _ITEM_WHAT:
                    single = catalogue.Argument(arg.name, arg.item_type)
                    bad = []
                    for i, item in enumerate(typed):
                        if _blank(item):
                            continue
                        try:
                            single.convert(item)
                        except ValueError:
                            errors[f"arg:{arg.name}#{i}"] = (
                                f"{item!r} is not {_ITEM_WHAT[arg.item_type]}")
                            bad.append(f"item {i + 1} ({item!r})")
                    if bad:
                        raise ValueError(f"{', '.join(bad)} of {arg.name} "
                                         f"{'is' if len(bad) == 1 else 'are'} not "
                                         f"{_ITEM_WHAT[arg.item_type]}")
                converted = arg.convert(value)
                if arg.required and converted is None:
                    raise ValueError(f"give a value for {arg.name}")
                if converted is not None and arg.type in ("organization",
                                                          "organization_list"):
                    self._check_organization_arguments({arg.name: converted})
            note(f"arg:{arg.name}", one)
        return errors

    # -- filling the form ----------------------------------------------------------------
    def set(self, *, image: str | None = None, method: str | None = None,
            kwargs: Mapping[str, Any] | None = None, organizations: Sequence[int] | None = None,
            databases: Sequence[str] | str | None = None, name: str | None = None,
            description: str | None = None, study: int | str | None | bool = False,
            ) -> TaskBuilder:
        """Fill the form, as clicking would (and as repeating a task does). ``study``: a
        study id or name, None for the whole collaboration (left alone when not given).
        Unknown organizations, studies or arguments raise ValueError."""
        if image is not None:
            self.image = image
        if method is not None:
            names = [f["name"] for f in self.functions]
            if self._algorithm(self.image) is not None and method not in names:
                raise ValueError(f"{self.image} has no function {method!r}; its "
                                 f"functions: {', '.join(names)}")
            self.method = method
        if (study is not False or organizations is not None) and not self._scope_known() and (
                self.session.logged_in):
            self.refresh()  # just chosen: read its organizations and studies now
        if study is not False:
            self.study = self._study_id(study)
        if kwargs is not None:
            self._fill_arguments(dict(kwargs))
        if organizations is not None:
            known = {o["id"] for o in self._scope()}
            wanted = [int(o["id"] if isinstance(o, Mapping) else o) for o in organizations]
            outside = [o for o in wanted if o not in known]
            if outside:
                where = ("the current collaboration" if self.study is None
                         else self._scope_name())
                raise ValueError(f"{subject('organization', outside)} not in "
                                 f"{where}")
            self.organizations = wanted
        if databases is not None:
            self.set_value("databases", databases)
        if name is not None:
            self.name = name
        if description is not None:
            self.description = description
        self._update_code()
        return self

    def repeat(self, form: Mapping[str, Any]) -> TaskBuilder:
        """Fill the form from a task to send again (:meth:`TaskList.repeat`'s form:
        image, method, arguments, organizations, databases, name, description): the
        summary step is left, the user reviews and submits."""
        collab = self.session.collaboration or {}
        if form.get("collaboration") not in (None, collab.get("id")):
            raise ValueError(f"that task belongs to another collaboration "
                             f"({form.get('collaboration')}); choose it first")
        self.step = "form"
        self.set(image=form.get("image") or "", method=form.get("method") or None)
        self.set(kwargs=form.get("arguments") or {}, study=form.get("study"),
                 organizations=form.get("organizations") or None,
                 databases=form.get("databases") or None, name=form.get("name"),
                 description=form.get("description"))
        self.show_message(f"The form of {form.get('name') or 'that task'} is filled in: "
                          "review it, then submit.", "info")
        return self

    def _study_id(self, study: int | str | None) -> int | None:
        if study is None or study == "":
            return None
        for s in self._studies:
            if s["id"] == study or s["name"] == study or str(s["id"]) == str(study):
                return s["id"]
        names = ", ".join(f"{s['id']} ({s['name']})" for s in self._studies) or "none"
        raise ValueError(f"the collaboration has no study {study!r}; its studies: {names}")

    def _fill_arguments(self, kwargs: dict[str, Any]) -> None:
        fn = self.function
        if fn is None or self.json_mode:
            if fn is not None:
                fn.check_names(kwargs)
                for arg in fn.arguments:  # typed: nothing is converted on the way
                    arg.check(kwargs.get(arg.name))
            try:
                self.json_text = json.dumps(kwargs, indent=2, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"the arguments cannot be sent as JSON: {exc}") from None
            return
        fn.check_names(kwargs)
        # every value is checked (as given: 123 is no column name) before any field changes
        values = {a.name: a.check(kwargs.get(a.name, None if a.required else a.default))
                  for a in fn.arguments}
        fields = {a.name: _as_field(a, values[a.name]) for a in fn.arguments}
        # a conditional value that was given (so it was sent) shows its condition, when
        # that depends on a frontend-only choice (which is never sent, so not known)
        for arg in fn.arguments:
            controller = fn.argument(arg.conditional_on) if arg.conditional_on else None
            if (controller is not None and controller.is_frontend_only
                    and arg.name in kwargs and arg.conditional_operator == "=="
                    and not fn.shown(arg, fields)):
                with contextlib.suppress(ValueError):
                    fields[controller.name] = _as_field(
                        controller, controller.convert(_store_text(arg.conditional_value)))
        self.argument_values = fields

    def refresh(self) -> None:
        """Read the current collaboration's organizations, node status, studies, node
        databases and algorithms again."""
        collab = self.session.collaboration
        if not collab or not self.session.logged_in:
            self._clear_scope()
            self.header = "Choose a collaboration first"
            self._update_code()
            return
        orgs = self.session.organizations(collab)
        nodes = self.session.nodes(collab)
        studies = self._read_studies(collab)
        labels = self._node_databases(collab)
        by_org = {n["organization_id"]: n for n in nodes}
        with self._scope_lock, self.hold_sync():
            if (self.session.collaboration or {}).get("id") != collab["id"] or self.closed:
                return  # another collaboration was chosen meanwhile
            self._scope_for = collab["id"]
            self._orgs = sorted(({"id": o["id"], "name": o["name"] or str(o["id"]),
                                  "node_id": by_org.get(o["id"], {}).get("id"),
                                  "status": by_org[o["id"]]["status"] if o["id"] in by_org
                                  else "no node"} for o in orgs),
                                key=lambda o: (str(o["name"]).lower(), o["id"]))
            self._studies = studies
            self.study_choices = [dict(s) for s in studies]
            if self.study not in {s["id"] for s in studies}:
                self._quiet += 1
                try:
                    self.study = None
                finally:
                    self._quiet -= 1
            self.database_choices = labels
        images = self.images
        self._read_algorithms()  # the collaboration's algorithm store
        # a new list: its first algorithm, unless the user chose one it still has
        image = self.image
        if self.images != images and self.images and (
                image not in self.images or image == self._auto_image):
            image = self._auto_image = self.images[0]
        if image != self.image:
            self.image = image  # fills the functions and the form
        else:
            self._on_image()
        self._show_header()
        # a choice made for this collaboration (by code, before this read ended) stays
        chosen = list(self.organizations)
        known = {o["id"] for o in self._scope()}
        self._relabel(chosen if chosen and set(chosen) <= known
                      else self._default_organizations())

    def _read_studies(self, collab: Mapping[str, Any]) -> list[dict]:
        """The collaboration's studies with their organizations (4.x ``/study``)."""
        out = []
        for study in self.session.studies(collab):
            members = self.session.fetch("organization", study_id=study["id"])
            out.append({"id": study["id"], "name": study["name"],
                        "organizations": sorted(o["id"] for o in members)})
        return sorted(out, key=lambda s: (str(s["name"]).lower(), s["id"]))

    def _node_databases(self, collab: Mapping[str, Any]) -> list[str]:
        """The database labels the collaboration's nodes shared in their configuration
        (``database_labels``); "default" when none did."""
        labels: list[str] = []
        for node in self.session.fetch("node", collaboration_id=collab["id"]):
            for item in node.get("config") or ():
                if isinstance(item, Mapping) and item.get("key") == "database_labels":
                    label = str(item.get("value") or "").strip()
                    if label and label not in labels:
                        labels.append(label)
        return labels or ["default"]

    # -- columns from the nodes ------------------------------------------------------------
    def _column_request(self) -> tuple | None:
        """(collaboration id, database, organizations) to ask for columns: the chosen
        organizations for a federated function, every organization of the collaboration
        (or study) for a central one, whose subtasks read the data."""
        collab = self.session.collaboration
        if not collab or not self.session.logged_in:
            return None
        try:
            database = self._database_labels()[0]
        except ValueError:
            database = "default"
        fn = self.function
        if fn is not None and fn.central:
            orgs = [o["id"] for o in self._scope()]
        else:
            orgs = sorted(self.organizations)
        return (collab["id"], database, tuple(orgs)) if orgs else None

    def load_columns(self, refresh: bool = False) -> dict | None:
        """Ask the nodes of the chosen organizations for the columns of the chosen
        database (``session.columns``; answers are kept, ``refresh=True`` asks again) and
        offer them to the column fields. Returns the session's answer (None when there is
        nothing to ask)."""
        key = self._column_request()
        self._columns_wanted = True
        if key is None:
            with self.hold_sync():
                self.columns = list(self._given_columns)
                self.column_notes = {}
                self.columns_note = "Choose organizations to see their columns."
                self.columns_state = ""
            return None
        collab_id, database, orgs = key
        with self.hold_sync():
            self.columns_state = "loading"
            self.columns_note = "Asking the nodes for their columns…"
        try:
            answer = self.session.columns(self.session.collaboration, database, list(orgs),
                                          refresh=refresh)
        except LabpanelsError as exc:
            with self.hold_sync():
                self.columns_state = "error"
                self.columns_note = (f"The nodes could not be asked for their columns: "
                                     f"{friendly(exc)} Type the column's name.")
            return None
        if self._column_request() != key or self.closed:
            self.columns_state = "stale"
            return answer
        answered = [r for r in answer["organizations"] if r["status"] == "ok"]
        notes = {}
        for column in answer["columns"]:
            having = [r["organization"] for r in answered if column in r["columns"]]
            if len(having) < len(answered):
                notes[column] = f"only at {', '.join(having)}"
        offered = list(answer["columns"]) + [c for c in self._given_columns
                                             if c not in answer["columns"]]
        self._columns_key = key
        with self.hold_sync():
            self.columns = offered
            self.column_notes = notes
            self.columns_note = (answer["message"][:1].upper() + answer["message"][1:]
                                 + ("" if answer["answered"] else
                                    ": type the column's name"))
            self.columns_state = "ready"
        return answer

    def _scope_changed(self, _change: Any = None) -> None:
        """The organizations or the database changed: the columns shown may no longer
        be theirs."""
        if self._quiet or self.columns_state in ("", "loading"):
            return
        if self._column_request() != self._columns_key:
            self.columns_state = "stale"
            if self._columns_wanted:
                self.later(self.load_columns)

    # -- sending -------------------------------------------------------------------------
    def submit(self, *, raise_errors: bool = False) -> dict | None:
        """Create the task (never twice; never retried) and return it. A refusal is shown
        in the panel and gives None (or raises, with ``raise_errors``)."""
        if not self._begin():
            return None
        try:
            return self._create(raise_errors)
        finally:
            self._end()

    def join(self, timeout: float | None = 30.0) -> None:
        """Wait for a submission started by a click (and reads the session's changes
        started) to end."""
        super().join(timeout)

    def _begin(self) -> bool:
        with self._guard:
            if self.sending:
                return False
            self.sending = True
        return True

    def _end(self) -> None:
        self._quiet_until = time.monotonic() + 1.0
        self.sending = False

    def _create(self, raise_errors: bool) -> dict | None:
        try:
            values = self.values()  # checked here, before any request
        except Exception as exc:
            self._form_error = True
            self.step = "form"
            self.show_message(friendly(exc), "error")
            if raise_errors:
                raise
            return None
        self._form_error = False
        try:
            earlier = self._settle_unknown_outcome(values)
            if earlier is not None:  # the lost submission of this form did create it
                task = earlier
                done = (f"Task {task['id']} was created by the earlier submission (its "
                        f"answer was lost): {task['name']}; not sent again")
            else:
                self.show_message("Sending the task…", "info")
                task = self.session.create_task(
                    values["image"], values["method"], organizations=values["organizations"],
                    collaboration=values["collaboration"], kwargs=values["kwargs"],
                    databases=values["databases"], name=values["name"],
                    description=values["description"], study=values["study"])
                done = f"Task {task['id']} created: {task['name']}"
        except Exception as exc:
            self._unknown_shown = isinstance(exc, TaskOutcomeUnknown)
            if self._unknown_shown:
                self._lost_name = values["name"]
            self.show_message(friendly(exc), "error")
            if raise_errors:
                raise
            return None
        self._unknown_shown = False
        self.last_submitted = values
        self._used_names.add(values["name"])
        self.step = "form"
        self.show_message(done, "ok")
        if self.name.strip() in ("", self._auto_name):
            self._set_auto_name()
        return task

    def _outcome_pending(self) -> bool:
        return bool(self.session.has_trait("pending_submission")
                    and self.session.pending_submission)

    def _settle_unknown_outcome(self, values: Mapping[str, Any]) -> dict | None:
        """Before sending after a submission whose answer was lost: ask the server
        (``session.check_pending()``) whether that task exists. Returns it when it is
        this form's task (same collaboration and name), so it is not sent twice; raises
        TaskOutcomeUnknown while the server cannot be asked."""
        if not self._outcome_pending():
            return None
        pending = dict(self.session.pending_submission)
        self.show_message("Checking whether the last submission reached the server…")
        try:
            found = self.session.check_pending()
        except NetworkError as exc:
            raise TaskOutcomeUnknown(
                f"whether the last submission ({pending.get('name')!r}) created a task is "
                f"still unknown: the server cannot be asked ({exc.reason}); nothing was "
                "sent again") from None
        if found and found.get("name") == values["name"] and pending.get(
                "collaboration_id") == values["collaboration"]:
            return found
        return None

    def _pending_changed(self, _change: Any) -> None:
        if self._outcome_pending() or not self._unknown_shown:
            return
        self._unknown_shown = False
        task = self.session.last_task
        if task and task.get("name") == self._lost_name:
            self.show_message(f"The submission whose answer was lost did create task "
                              f"{task['id']} ({task['name']})", "ok")
        else:
            self.show_message("The submission whose answer was lost created no task: "
                              "submit again to send it", "info")

    def _clicked(self, _button: Any = None) -> None:
        # a second click that was queued while the first was sending lands here after
        # the button came back: ignore it for a moment, and always while sending
        if time.monotonic() < self._quiet_until or not self._begin():
            return

        def run() -> None:
            try:
                self._create(False)
            finally:
                self._end()

        self._thread = self.start(run, name="labpanels-submit")

    # -- reactions -----------------------------------------------------------------------
    def _on_image(self, _change: Any = None) -> None:
        algo = self._algorithm(self.image)
        self._quiet += 1
        try:
            if algo is not None:
                self.functions = [{"name": f.name, "label": f.label, "help": f.help,
                                   "central": f.central, "type": f.type}
                                  for f in algo.functions]
                names = [f.name for f in algo.functions]
                if self.method not in names:
                    self.method = names[0] if names else ""
            else:
                if self.functions:  # from a described image to one typed in: type its function
                    self.method = ""
                self.functions = []
        finally:
            self._quiet -= 1
        self._on_method()

    def _on_method(self, _change: Any = None) -> None:
        if self._quiet:
            return
        fn = self.function
        self.function_help = fn.help if fn else (
            "" if self._algorithm(self.image) else
            "This image is not described by the algorithm store: type the function and give "
            "its arguments as JSON.")
        self.json_available = fn is not None
        central = bool(fn and fn.central)
        self.central = central
        self._quiet += 1
        try:
            self._build_form()
            self._build_databases()
            if self._central is not None and central != self._central and self._orgs:
                self.organizations = self._default_organizations(central)
            self._central = central
            if not self.name or self.name == self._auto_name:
                self._set_auto_name()
        finally:
            self._quiet -= 1
        self._scope_changed()
        self._update_code()

    def _on_json_mode(self, change: Any) -> None:
        self._quiet += 1
        try:
            if change["new"]:
                self.json_text = json.dumps(self.kwargs_form_values(), indent=2)
                self._build_form()
            else:  # back to the form, with what the JSON said where it fits
                try:
                    typed = json.loads(self.json_text or "{}")
                except ValueError:
                    typed = {}
                self._build_form()
                if isinstance(typed, dict):
                    with contextlib.suppress(ValueError, TypeError):
                        self._fill_arguments(typed)
        finally:
            self._quiet -= 1
        self._update_code()

    def _on_study(self, _change: Any) -> None:
        if self._quiet:
            return
        self._relabel(self._default_organizations())
        self._scope_changed()

    def kwargs_form_values(self) -> dict[str, Any]:
        """The typed fields' values as they stand (unchecked, defaults included; hidden
        conditional arguments left out)."""
        fn = self.function
        out = {}
        raw = self._raw_values(fn) if fn else {}
        shown = self._shown_names(fn, raw) if fn else set()
        for spec in self.arguments:
            name = spec["name"]
            arg = fn.argument(name) if fn else None
            if arg is not None and (name not in shown or arg.is_frontend_only):
                continue
            value = raw.get(name, self.argument_values.get(name))
            if arg is not None:
                with contextlib.suppress(ValueError, TypeError):
                    value = arg.convert(value)
            if value not in (None, "", []):
                out[name] = value
        return out

    def _spec(self, fn: catalogue.Function, arg: catalogue.Argument) -> dict:
        choices = [{"value": _store_text(v), "label": _store_text(v)}
                   for v in arg.allowed_values]
        return {"name": arg.name, "label": arg.label, "type": _kind(arg),
                "store_type": arg.type, "required": arg.required, "help": arg.help,
                "choices": choices, "frontend_only": arg.is_frontend_only,
                "condition": _condition_text(fn, arg),
                "default": None if arg.required else _as_field(arg, arg.default)}

    def _build_form(self) -> None:
        fn = self.function
        if fn is None or self.json_mode:
            with self.hold_sync():
                self.arguments, self.argument_values, self.hidden_arguments = [], {}, []
            return
        specs = [self._spec(fn, a) for a in fn.arguments]
        if specs == self.arguments:
            return  # same arguments: keep what the user typed
        # what was typed for an argument the new function shares (same name and type) stays
        kinds = {a["name"]: a["store_type"] for a in self.arguments}
        values = {}
        for arg in fn.arguments:
            if kinds.get(arg.name) == arg.type and arg.name in self.argument_values:
                values[arg.name] = self.argument_values[arg.name]
            else:
                values[arg.name] = _initial(arg)
        with self.hold_sync():
            self.arguments, self.argument_values = specs, values
            self._show_conditions()

    def _build_databases(self) -> None:
        fn = self.function
        slots = [dict(d) for d in fn.databases] if fn and fn.databases else [
            {"name": "", "description": ""}]
        if slots == self.database_slots:
            return
        current = [d for d in self.databases if d]
        choices = self.database_choices or ["default"]
        labels = []
        for i, slot in enumerate(slots):
            if i < len(current):
                labels.append(current[i])
            elif slot["name"] in choices:
                labels.append(slot["name"])
            else:
                labels.append(choices[0])
        with self.hold_sync():
            self.database_slots = slots
            self.databases = labels

    def _show_conditions(self) -> None:
        fn = self.function
        if fn is None or self.json_mode:
            hidden: list[str] = []
        else:
            shown = self._shown_names(fn, self._raw_values(fn))
            hidden = [a.name for a in fn.arguments if a.name not in shown]
        if hidden != self.hidden_arguments:
            self.hidden_arguments = hidden

    def _changed(self, _change: Any = None) -> None:
        if not self._quiet:
            self._update_code()

    def _update_code(self) -> None:
        with self._update_lock:
            code = self.code()
            errors = self._errors()
            try:
                self.values()
            except Exception as exc:
                reason = friendly(exc)
            else:
                reason = ""
            summary = None
            if self.step == "summary" and not reason:
                with contextlib.suppress(ValueError):
                    summary = self.summary_rows()
            with self.hold_sync():
                self._show_conditions()
                self.code_text = code
                self.field_errors = errors
                self.not_ready = reason
                if self.step == "summary":
                    if summary is None:
                        self.step = "form"  # what the summary said is no longer sendable
                    else:
                        self.summary = summary
                if self._form_error:
                    # after a refusal the message follows the form: it goes once the value
                    # is given, and says what is missing now while the form is not ready
                    if reason:
                        self.show_message(reason, "error")
                    elif self.message_kind == "error":
                        self.show_message("", "info")

    def _new_name(self) -> str:
        """A name that finds this task again: the function and the time, and a number
        only when a task this builder sent has that name already (two tasks within a
        second)."""
        name = f"{self.method or 'task'} ({dt.datetime.now():%Y-%m-%d %H:%M:%S})"
        number = 1
        candidate = name
        while candidate in self._used_names:
            number += 1
            candidate = f"{name} #{number}"
        return candidate

    def _set_auto_name(self) -> None:
        self._auto_name = self._new_name()
        self.name = self._auto_name

    def _forget_collaboration(self, _change: Any) -> None:
        """Another collaboration (or none, or a logout): its organizations and studies are
        gone from the form at once, so that none of the last one's is shown, checked against
        or sent while the new one's are read."""
        with self._scope_lock:
            if self._scope_for == (self.session.collaboration or {}).get("id") and (
                    self.session.logged_in):
                return  # the same one again
            self._clear_scope()
        self._update_code()

    def _clear_scope(self) -> None:
        """No organizations or studies known: none offered, chosen or checked against."""
        with self._scope_lock, self.hold_sync():  # choices and selection in one message
            self._scope_for = None
            self._orgs, self._studies = [], []
            self._quiet += 1
            try:
                self.organizations = []
                self.organization_choices = []
                self.study_choices = []
                self.study = None
            finally:
                self._quiet -= 1

    def _collaboration_changed(self, _change: Any) -> None:
        if self._form_error or not self.session.logged_in:
            self._form_error = False
            self.show_message("", "info")
        self.step = "form"
        self._columns_key, self._columns_wanted = None, False
        with self.hold_sync():
            self.columns = list(self._given_columns)
            self.column_notes = {}
            self.columns_note = ""
            self.columns_state = ""
        self.refresh()

    def _key_changed(self, _change: Any) -> None:
        self._show_header()

    def _nodes_changed(self, change: Any) -> None:
        if not self._orgs:
            return
        nodes = change["new"] or {}
        # a selection still as the builder made it follows the nodes; one the user made stays
        untouched = set(self.organizations) == set(self._default_organizations())
        changed = False
        for org in self._orgs:
            node = nodes.get(org["node_id"]) if org["node_id"] is not None else None
            if node and node.get("status") and node["status"] != org["status"]:
                org["status"] = node["status"]
                changed = True
        if changed:
            self._relabel(self._default_organizations() if untouched
                          else list(self.organizations))

    def _show_header(self) -> None:
        collab = self.session.collaboration
        if not collab:
            self.header = "Choose a collaboration first"
            return
        text = f"Collaboration: {collab['name']}"
        if collab.get("encrypted"):
            text += (" (encrypted; your organization's key is loaded)" if self.session.key_loaded
                     else " (encrypted: load your organization's private key before sending)")
        self.header = text

    def _relabel(self, selected: Sequence[int]) -> None:
        def label(org: dict) -> str:
            if org["status"] == "online":
                return org["name"]
            return f"{org['name']} ({'no node' if org['status'] == 'no node' else 'offline'})"

        scope = self._scope()
        ids = {o["id"] for o in scope}
        # one message with the choices and the selection: the view never sees a
        # selection of organizations it has no choice for
        with self.hold_sync():
            self.organization_choices = [{"id": o["id"], "name": o["name"],
                                          "status": o["status"], "label": label(o)}
                                         for o in scope]
            self._quiet += 1
            try:
                self.organizations = [i for i in selected if i in ids]
            finally:
                self._quiet -= 1
        self._scope_changed()
        self._update_code()

    @property
    def organization_options(self) -> list[tuple[str, int]]:
        """The organizations offered, as (label, id) pairs."""
        return [(c["label"], c["id"]) for c in self.organization_choices]

    def _default_organizations(self, central: bool | None = None) -> list[int]:
        """Online organizations; for a central function one of them (your own if you can)."""
        if central is None:
            fn = self.function
            central = bool(fn and fn.central)
        online = [o["id"] for o in self._scope() if o["status"] == "online"]
        if not central:
            return online
        own = (self.session.organization or {}).get("id")
        return [own] if own in online else online[:1]
