"""TaskBuilder: compose a vantage6 task by clicking, see the same task as code, send it once.

The form is drawn from :mod:`labpanels.vantage6.catalogue`: a described function gets
typed fields (a column picker for a column argument, a number box for an int ...);
anything else gets a JSON editor that is checked before anything is sent. The code
view shows the lesson's ``client.task.create(...)`` call for what the form holds.

One anywidget: the view (``js/task_builder.js``) draws the traits and sends every change
as an action (``set_value``, ``submit``, ``refresh``); the checking stays here, and its
findings come back as ``field_errors`` (field -> sentence) and ``not_ready`` (why Submit
is disabled).
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
from ..vantage6 import catalogue
from ..vantage6.errors import TaskOutcomeUnknown
from .assets import asset
from .base import Panel
from .common import follow_reachability, friendly, vantage6_session

__all__ = ["TaskBuilder", "task_code"]

def _plain(text: Any) -> str:
    """Server text made safe for a one-line comment in generated code."""
    return " ".join(str(text).split())


def task_code(*, collaboration: int, organizations: Sequence[int], name: str, image: str,
              description: str, method: str, kwargs: Mapping[str, Any],
              databases: Sequence[str], args: Sequence[Any] = (),
              collaboration_name: str = "", organization_names: Sequence[str] = ()) -> str:
    """The lesson's ``client.task.create(...)`` call for a task, as Python source."""
    input_: dict[str, Any] = {"method": method}
    if args:
        input_["args"] = list(args)
    input_["kwargs"] = dict(kwargs)
    collab_note = f"  # {_plain(collaboration_name)}" if collaboration_name else ""
    org_note = (f"  # {', '.join(_plain(n) for n in organization_names)}"
                if organization_names else "")
    return "\n".join([
        "task = client.task.create(",
        f"    collaboration={int(collaboration)!r},{collab_note}",
        f"    organizations={[int(o) for o in organizations]!r},{org_note}",
        f"    name={name!r},",
        f"    image={image!r},",
        f"    description={description!r},",
        f"    input_={input_!r},",
        f"    databases={[{'label': d} for d in databases]!r},",
        ")",
    ])



#: the view's kind of field for each store argument type (the view draws these kinds)
_VIEW_KIND = {"column": "column", "column_list": "columns", "string": "str",
              "string_list": "str", "integer": "int", "integer_list": "str",
              "float": "float", "float_list": "str", "boolean": "bool", "json": "json",
              "organization": "int", "organization_list": "json"}


def _initial(arg: catalogue.Argument) -> Any:
    """A field's value before the user gives one: the default, as the view holds it."""
    return _as_field(arg, None if arg.required else arg.default)


def _as_field(arg: catalogue.Argument, value: Any) -> Any:
    """A checked value (from code or JSON) as the view's field holds it."""
    kind = _VIEW_KIND[arg.type]
    if kind == "columns":
        return list(value or [])
    if kind == "json":
        return "" if value is None else json.dumps(value)
    if kind == "bool":
        return bool(value)
    if kind in ("int", "float"):
        return "" if value is None else value
    if isinstance(value, list):  # the other lists: items separated by commas
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


#: the form's fields the view may set with ``set_value`` (arguments: "arg:<name>")
_FIELDS = ("image", "method", "json_mode", "json_text", "organizations", "databases", "name",
           "description")


class TaskBuilder(Panel):
    """Compose and submit a task for the session's current collaboration.

    Every control has a plain-method twin: :meth:`set` fills the form,
    :meth:`set_value` sets one field as the view does, :meth:`values` reads it
    (checked), :meth:`code` is the code view and :meth:`submit` sends it, exactly once;
    the new task reaches the other panels through ``session.last_task``.
    """

    _esm = asset("task_builder.js")
    _css = asset("task_builder.css")
    #: the methods the view may call by an action message
    ACTIONS = ("set_value", "submit", "refresh")

    header = Unicode("Choose a collaboration first").tag(sync=True)
    images = List(Unicode()).tag(sync=True)
    image = Unicode("").tag(sync=True)
    functions = List(Dict(), help="the image's functions: name, help, central").tag(sync=True)
    method = Unicode("", help="the chosen function's name").tag(sync=True)
    function_help = Unicode("").tag(sync=True)
    central = Bool(False).tag(sync=True)
    columns = List(Unicode(), help="column names offered for column arguments").tag(sync=True)
    arguments = List(Dict(), help="the typed form's fields: name, type, required, help "
                     "(empty in JSON mode)").tag(sync=True)
    argument_values = Dict(help="argument name -> the typed field's value").tag(sync=True)
    json_mode = Bool(False, help="the arguments are edited as JSON").tag(sync=True)
    json_available = Bool(False, help="the form can switch to JSON and back").tag(sync=True)
    json_text = Unicode("{}").tag(sync=True)
    organization_choices = List(Dict(), help="id, name, status, label").tag(sync=True)
    organizations = List(Int(), help="ids of the chosen organizations").tag(sync=True)
    databases = Unicode("default").tag(sync=True)
    name = Unicode("").tag(sync=True)
    description = Unicode("").tag(sync=True)
    code_text = Unicode("", help="the code view: the form as client.task.create(...)"
                        ).tag(sync=True)
    field_errors = Dict(help="field -> why its value cannot be sent").tag(sync=True)
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
        self._auto_name = ""
        self._used_names: set[str] = set()  # names of the tasks this builder sent
        self._central: bool | None = None
        self._form_error = False  # a refusal was shown: the message follows the form
        self._unknown_shown = False  # the message says a submission's outcome is unknown
        self._lost_name = ""  # the name of that submission
        self._quiet = 0  # > 0 while the builder changes several traits at once
        self.last_submitted: dict | None = None
        super().__init__(**kwargs)
        self.session = vantage6_session(session)
        self.columns = list(columns) if columns is not None else []
        images = self._images()
        self.images = images
        self.on_msg(self._on_message)
        self.follow(self, self._on_image, "image")
        self.follow(self, self._on_method, "method")
        self.follow(self, self._on_json_mode, "json_mode")
        self.follow(self, self._changed, ["json_text", "argument_values", "organizations",
                                          "databases", "name", "description"])
        # organizations and nodes are requests: read on the panel's worker
        self.follow(self.session, self._collaboration_changed, ["collaboration", "logged_in"],
                    background=True)
        self.follow(self.session, self._nodes_changed, "node_status")
        self.follow(self.session, self._key_changed, "key_loaded")
        if self.session.has_trait("pending_submission"):
            self.follow(self.session, self._pending_changed, "pending_submission")
        follow_reachability(self, self.session)
        if not self.image and images:
            self.image = images[0]  # fills the functions and the form
        else:  # an image given to the constructor, or none known
            self._on_image()
        if self.session.logged_in and self.session.collaboration:
            with self.reporting():
                self.refresh()

    # -- the view's actions ----------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: list) -> None:
        if not isinstance(content, dict) or content.get("type") != "action":
            return
        name, args = content.get("name"), content.get("args") or {}
        if name not in self.ACTIONS or not isinstance(args, dict):
            return
        with self.reporting():
            if name == "set_value":
                self.set_value(str(args.get("field", "")), args.get("value"))
            elif name == "submit":
                self._clicked()
            elif name == "refresh":
                self.later(self.refresh)

    def set_value(self, field: str, value: Any) -> None:
        """Set one field as the view does: ``image``, ``method``, ``json_mode``,
        ``json_text``, ``organizations`` (ids), ``databases``, ``name``,
        ``description``, or an argument as ``"arg:<name>"``. The form is checked again
        and ``field_errors`` says what is wrong."""
        if field.startswith("arg:"):
            arg_name = field[4:]
            if arg_name not in {a["name"] for a in self.arguments}:
                raise ValueError(f"the form has no argument {arg_name!r}")
            if isinstance(value, tuple):
                value = list(value)
            self.argument_values = {**self.argument_values, arg_name: value}
            return
        if field not in _FIELDS:
            raise ValueError(f"the task builder has no field {field!r}")
        if field == "organizations":
            value = [int(v) for v in (value or [])]
        elif field == "json_mode":
            value = bool(value)
        else:
            value = "" if value is None else str(value)
        setattr(self, field, value)

    # -- reading the form ----------------------------------------------------------------
    def _algorithm(self, image: str) -> catalogue.Algorithm | None:
        """The description of ``image``: the collaboration's algorithm store (as the
        session read it), else one registered in code."""
        session = self.session
        if session.logged_in and session.collaboration and hasattr(session, "algorithm"):
            with contextlib.suppress(LabpanelsError):
                return session.algorithm(image)
        return catalogue.algorithm(image)

    def _images(self) -> list[str]:
        """The images the form offers: the store's, then those registered in code."""
        session = self.session
        if session.logged_in and session.collaboration and hasattr(session, "algorithms"):
            with contextlib.suppress(LabpanelsError):
                return [a.image for a in session.algorithms()]
        return catalogue.images()

    @property
    def function(self) -> catalogue.Function | None:
        """The description of the chosen function, if any."""
        algo = self._algorithm(self.image)
        return algo.function(self.method.strip()) if algo else None

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
            names = {a.name for a in fn.arguments}
            kwargs = fn.kwargs({k: v for k, v in self.argument_values.items() if k in names})
        self._check_organization_arguments(kwargs)
        return kwargs

    def _check_organization_arguments(self, kwargs: Mapping[str, Any]) -> None:
        """An ``organizations`` argument (central functions) names organizations of the
        current collaboration, by id."""
        fn = self.function
        arg = fn.argument("organizations") if fn else None
        value = kwargs.get("organizations")
        if arg is None or value is None or not self._orgs:
            return
        if not isinstance(value, list) or not all(isinstance(o, int) and not isinstance(
                o, bool) for o in value):
            raise ValueError(f"organizations must be a list of organization ids, e.g. "
                             f"[{self._orgs[0]['id']}], not {value!r}")
        known = {o["id"] for o in self._orgs}
        outside = [o for o in value if o not in known]
        if outside:
            raise ValueError(f"organization(s) {', '.join(map(str, outside))} are not in "
                             f"{self.session.collaboration['name']}; its organizations: "
                             + ", ".join(f"{o['id']} ({o['name']})" for o in self._orgs))

    def _check_organizations(self, collab: Mapping[str, Any]) -> list[int]:
        organizations = list(self.organizations)
        if not organizations:
            raise ValueError("choose at least one organization")
        if self._orgs:
            known = {o["id"]: o for o in self._orgs}
            outside = [o for o in organizations if o not in known]
            if outside:
                raise ValueError(f"organization(s) {', '.join(map(str, outside))} are not in "
                                 f"{collab['name']}")
            nodeless = [known[o]["name"] for o in organizations
                        if known[o]["status"] == "no node"]
            if nodeless:
                raise ValueError(f"no node is registered for {', '.join(nodeless)} in "
                                 f"{collab['name']}: the task could never run there")
        return organizations

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
        databases = [d.strip() for d in self.databases.split(",") if d.strip()]
        return {"image": image, "method": method, "organizations": organizations,
                "collaboration": collab["id"], "kwargs": kwargs,
                "databases": databases or ["default"],
                "name": self.name.strip() or self._auto_name or self._new_name(),
                "description": self.description}

    def code(self) -> str:
        """The code view's text: the form as a ``client.task.create(...)`` call."""
        try:
            v = self.values()
        except ValueError as exc:
            return f"# Not ready yet: {friendly(exc)}"
        names = {o["id"]: o["name"] for o in self._orgs}
        return task_code(collaboration=v["collaboration"], organizations=v["organizations"],
                         name=v["name"], image=v["image"], description=v["description"],
                         method=v["method"], kwargs=v["kwargs"], databases=v["databases"],
                         collaboration_name=self.session.collaboration["name"],
                         organization_names=[names.get(o, str(o)) for o in v["organizations"]])

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
        fn = self.function
        if fn is None or self.json_mode:
            note("json_text", self.kwargs)
        else:
            for arg in fn.arguments:
                def one(arg: catalogue.Argument = arg) -> None:
                    value = arg.convert(self.argument_values.get(arg.name))
                    if arg.required and (value is None or (isinstance(value, str)
                                                           and not value.strip())):
                        raise ValueError(f"give a value for {arg.name}")
                    if arg.name == "organizations" and value is not None:
                        self._check_organization_arguments({"organizations": value})
                note(f"arg:{arg.name}", one)
        return errors

    # -- filling the form ----------------------------------------------------------------
    def set(self, *, image: str | None = None, method: str | None = None,
            kwargs: Mapping[str, Any] | None = None, organizations: Sequence[int] | None = None,
            databases: Sequence[str] | str | None = None, name: str | None = None,
            description: str | None = None) -> TaskBuilder:
        """Fill the form, as clicking would. Unknown organizations or arguments raise
        ValueError."""
        if image is not None:
            self.image = image
        if method is not None:
            names = [f["name"] for f in self.functions]
            if self._algorithm(self.image) is not None and method not in names:
                raise ValueError(f"{self.image} has no function {method!r}; its "
                                 f"functions: {', '.join(names)}")
            self.method = method
        if kwargs is not None:
            self._fill_arguments(dict(kwargs))
        if organizations is not None:
            known = {o["id"] for o in self._orgs}
            wanted = [int(o["id"] if isinstance(o, Mapping) else o) for o in organizations]
            outside = [o for o in wanted if o not in known]
            if outside:
                raise ValueError(f"organization(s) {', '.join(map(str, outside))} are not in "
                                 "the current collaboration")
            self.organizations = wanted
        if databases is not None:
            self.databases = databases if isinstance(databases, str) else ", ".join(databases)
        if name is not None:
            self.name = name
        if description is not None:
            self.description = description
        self._update_code()
        return self

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
        self.argument_values = {a.name: _as_field(a, values[a.name]) for a in fn.arguments}

    def refresh(self) -> None:
        """Read the current collaboration's organizations and node status again."""
        collab = self.session.collaboration
        if not collab or not self.session.logged_in:
            self._orgs = []
            with self.hold_sync():  # choices and selection in one message
                self.organizations = []
                self.organization_choices = []
            self.header = "Choose a collaboration first"
            self._update_code()
            return
        orgs = self.session.organizations(collab)
        nodes = self.session.nodes(collab)
        if (self.session.collaboration or {}).get("id") != collab["id"] or self.closed:
            return  # another collaboration was chosen meanwhile
        by_org = {n["organization_id"]: n for n in nodes}
        self._orgs = sorted(({"id": o["id"], "name": o["name"] or str(o["id"]),
                              "node_id": by_org.get(o["id"], {}).get("id"),
                              "status": by_org[o["id"]]["status"] if o["id"] in by_org
                              else "no node"} for o in orgs),
                            key=lambda o: (str(o["name"]).lower(), o["id"]))
        images = self._images()  # the collaboration's algorithm store
        if images != self.images:
            self.images = images
            if images and self.image not in images:
                self.image = images[0]
        self._show_header()
        self._relabel(self._default_organizations())
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
                    description=values["description"])
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
                self.functions = [{"name": f.name, "help": f.help, "central": f.central}
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
            "This image is not in the catalogue: type the function and give its arguments "
            "as JSON.")
        self.json_available = fn is not None
        central = bool(fn and fn.central)
        self.central = central
        self._quiet += 1
        try:
            self._build_form()
            if self._central is not None and central != self._central and self._orgs:
                self.organizations = self._default_organizations(central)
            self._central = central
            if not self.name or self.name == self._auto_name:
                self._set_auto_name()
        finally:
            self._quiet -= 1
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

    def kwargs_form_values(self) -> dict[str, Any]:
        """The typed fields' values as they stand (unchecked, defaults included)."""
        fn = self.function
        out = {}
        for spec in self.arguments:
            name = spec["name"]
            arg = fn.argument(name) if fn else None
            value = self.argument_values.get(name)
            if arg is not None and arg.type == "json" and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value) if value.strip() else None
            if value not in (None, "", []):
                out[name] = value
        return out

    def _build_form(self) -> None:
        fn = self.function
        if fn is None or self.json_mode:
            with self.hold_sync():
                self.arguments, self.argument_values = [], {}
            return
        specs = [{"name": a.name, "type": _VIEW_KIND[a.type], "required": a.required,
                  "help": a.help,
                  "label": a.name + ("" if a.required else " (optional)")}
                 for a in fn.arguments]
        if specs == self.arguments:
            return  # same arguments: keep what the user typed
        # what was typed for an argument the new function shares (same name and type) stays
        kinds = {a["name"]: a["type"] for a in self.arguments}
        values = {}
        for arg in fn.arguments:
            if kinds.get(arg.name) == arg.type and arg.name in self.argument_values:
                values[arg.name] = self.argument_values[arg.name]
            else:
                values[arg.name] = _initial(arg)
        with self.hold_sync():
            self.arguments, self.argument_values = specs, values

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
            with self.hold_sync():
                self.code_text = code
                self.field_errors = errors
                self.not_ready = reason
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

    def _collaboration_changed(self, _change: Any) -> None:
        if self._form_error or not self.session.logged_in:
            self._form_error = False
            self.show_message("", "info")
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

        ids = {o["id"] for o in self._orgs}
        # one message with the choices and the selection: the view never sees a
        # selection of organizations it has no choice for
        with self.hold_sync():
            self.organization_choices = [{"id": o["id"], "name": o["name"],
                                          "status": o["status"], "label": label(o)}
                                         for o in self._orgs]
            self._quiet += 1
            try:
                self.organizations = [i for i in selected if i in ids]
            finally:
                self._quiet -= 1
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
        online = [o["id"] for o in self._orgs if o["status"] == "online"]
        if not central:
            return online
        own = (self.session.organization or {}).get("id")
        return [own] if own in online else online[:1]
