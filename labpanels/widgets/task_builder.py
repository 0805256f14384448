"""TaskBuilder: compose a vantage6 task by clicking, see the same task as code, send it once.

The form is drawn from :mod:`labpanels.vantage6.catalogue`: a described function gets
typed fields (a column picker for a column argument, a number box for an int ...);
anything else gets a JSON editor that is checked before anything is sent. The code
view shows the lesson's ``client.task.create(...)`` call for what the form holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
from traitlets import Bool, TraitError

from ..errors import NetworkError
from ..vantage6 import catalogue
from ..vantage6.errors import TaskOutcomeUnknown
from .base import PanelBase, close_widgets
from .common import Message, follow_reachability, friendly, vantage6_session

__all__ = ["TaskBuilder", "task_code"]

def _wide() -> w.Layout:
    """A full-width layout (each widget its own: a closed panel closes its layouts)."""
    return w.Layout(width="100%")


def _label() -> w.Layout:
    return w.Layout(width="130px", min_width="130px")


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


def _field(label: str, widget: w.Widget, help_text: str = "") -> w.Widget:
    row = [w.Label(label, layout=_label()), widget]
    box = w.HBox(row, layout=w.Layout(align_items="center", width="100%"))
    if not help_text:
        return box
    note = w.Label(help_text, layout=w.Layout(margin="0 0 0 134px"))
    note.add_class("lp-help")
    return w.VBox([box, note], layout=_wide())


def _input_for(arg: catalogue.Argument, columns: Sequence[str]) -> w.Widget:
    """The form field for one argument."""
    default = None if arg.required else arg.default
    if arg.type == "column":
        return w.Combobox(value=default or "", options=list(columns), ensure_option=False,
                          placeholder="column name", layout=_wide())
    if arg.type == "columns":
        chosen = tuple(c for c in (default or ()) if c in columns)
        return w.SelectMultiple(options=list(columns), value=chosen, rows=min(6, len(columns)),
                                layout=_wide())
    if arg.type == "int" and default is not None:
        return w.IntText(value=int(default), layout=w.Layout(width="160px"))
    if arg.type == "float" and default is not None:
        return w.FloatText(value=float(default), layout=w.Layout(width="160px"))
    if arg.type == "bool":
        return w.Checkbox(value=bool(default), indent=False)
    if arg.type == "json":
        return w.Text(value="" if default is None else json.dumps(default),
                      placeholder="JSON, e.g. [2, 3]", layout=_wide())
    return w.Text(value="" if default is None else str(default), layout=_wide())


def _read(widget: w.Widget) -> Any:
    value = widget.value
    return list(value) if isinstance(value, tuple) else value


class TaskBuilder(PanelBase, w.VBox):
    """Compose and submit a task for the session's current collaboration.

    Every control has a plain-method twin: :meth:`set` fills the form,
    :meth:`values` reads it (checked), :meth:`code` is the code view and
    :meth:`submit` sends it, exactly once; the new task reaches the other panels
    through ``session.last_task``.
    """

    sending = Bool(False, help="True while a task is being sent (the button is disabled)")

    def __init__(self, session: Any, *, columns: Sequence[str] | None = None,
                 **kwargs: Any) -> None:
        self.check_options(kwargs)
        self.session = vantage6_session(session)
        self.columns = list(columns) if columns is not None else catalogue.demo_columns()
        self.header = w.Label("Choose a collaboration first")
        self.organizations = w.SelectMultiple(options=[], rows=5, layout=_wide())
        images = catalogue.images()
        self.image = w.Combobox(value=images[0] if images else "", options=images,
                                ensure_option=False, placeholder="algorithm image",
                                layout=_wide())
        self.method_choice = w.Dropdown(options=[], layout=_wide())
        self.method_text = w.Text(placeholder="function name", layout=_wide())
        self.method_box = w.Box([self.method_choice], layout=_wide())
        self.help = w.Label()
        self.help.add_class("lp-help")
        self.json_mode = w.ToggleButton(value=False, description="Edit as JSON",
                                        tooltip="Edit the arguments as a JSON object",
                                        layout=w.Layout(width="auto"))
        self.json_editor = w.Textarea(value="{}", rows=5, layout=_wide(),
                                      placeholder='{"column_name": "age"}')
        self.json_editor.add_class("lp-code")
        self.arguments = w.VBox(layout=_wide())
        self.fields: dict[str, w.Widget] = {}
        self._field_types: dict[str, str] = {}  # argument name -> its type, for self.fields
        self.databases = w.Text(value="default", placeholder="database labels, comma separated",
                                layout=_wide())
        self.name = w.Text(placeholder="a name to find the task by", layout=_wide())
        self.description = w.Textarea(rows=2, layout=_wide())
        self.code_view = w.Textarea(rows=10, disabled=True, layout=_wide())
        self.code_view.add_class("lp-code")
        self.submit_button = w.Button(description="Submit", button_style="primary",
                                      icon="paper-plane")
        self.message = Message()
        super().__init__([
            self.header,
            _field("Organizations", self.organizations),
            _field("Image", self.image),
            _field("Function", self.method_box),
            self.help,
            w.HBox([w.Label("Arguments", layout=_label()), self.json_mode]),
            self.arguments,
            _field("Databases", self.databases),
            _field("Name", self.name),
            _field("Description", self.description),
            w.Label("The same task in code (with the lesson's client):"),
            self.code_view,
            w.HBox([self.submit_button]),
            self.message,
        ], **kwargs)
        self.add_class("lp-panel")
        self.add_class("lp-task-builder")
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._quiet_until = 0.0
        self._orgs: list[dict] = []  # organizations of the collaboration, with node status
        self._auto_name = ""
        self._used_names: set[str] = set()  # names of the tasks this builder sent
        self._central: bool | None = None
        self._form_error = False  # a refusal was shown: the message follows the form
        self._unknown_shown = False  # the message says a submission's outcome is unknown
        self._lost_name = ""  # the name of that submission
        self.last_submitted: dict | None = None
        # the form's own widgets are owned: a replaced field is closed (see _build_form)
        self.own(self.method_choice, self.method_text, self.json_editor)

        self.follow(self.image, self._image_changed, "value")
        self.follow(self.method_choice, self._method_changed, "value")
        self.follow(self.method_text, self._method_changed, "value")
        self.follow(self.json_mode, self._json_mode_changed, "value")
        for widget in (self.organizations, self.json_editor, self.databases, self.name,
                       self.description):
            self.follow(widget, self._changed, "value")
        self.submit_button.on_click(self._clicked)
        # organizations and nodes are requests: read on the panel's worker
        self.follow(self.session, self._collaboration_changed, ["collaboration", "logged_in"],
                    background=True)
        self.follow(self.session, self._nodes_changed, "node_status")
        self.follow(self.session, self._key_changed, "key_loaded")
        if self.session.has_trait("pending_submission"):
            self.follow(self.session, self._pending_changed, "pending_submission")
        follow_reachability(self, self.session)
        self._image_changed()
        if self.session.logged_in and self.session.collaboration:
            with self.reporting():
                self.refresh()

    # -- reading the form ----------------------------------------------------------------
    @property
    def method(self) -> str:
        """The chosen function's name."""
        widget = self.method_box.children[0] if self.method_box.children else self.method_text
        return (widget.value or "").strip()

    @property
    def function(self) -> catalogue.Function | None:
        """The catalogue's description of the chosen function, if any."""
        return catalogue.function(self.image.value, self.method)

    def kwargs(self) -> dict[str, Any]:
        """The arguments as the task will send them; ValueError with the reason if not valid."""
        fn = self.function
        if fn is None or self.json_mode.value:
            value = catalogue.parse_json(self.json_editor.value.strip() or "{}")
            if not isinstance(value, dict):
                raise ValueError('the arguments must be a JSON object, e.g. {"column_name": '
                                 '"age"}')
            # typed JSON is checked as it is: 123 is not sent as the column "123"
            kwargs = fn.check(value) if fn is not None else value
        else:
            kwargs = fn.kwargs({name: _read(widget) for name, widget in self.fields.items()})
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

    def values(self) -> dict[str, Any]:
        """What :meth:`submit` will send, as ``session.create_task`` arguments (checked)."""
        collab = self.session.collaboration
        if not collab:
            raise ValueError("choose a collaboration first")
        image = (self.image.value or "").strip()
        if not image:
            raise ValueError("give the algorithm's image")
        if not self.method:
            raise ValueError("choose the function to run")
        organizations = list(self.organizations.value)
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
        kwargs = self.kwargs()
        if collab.get("encrypted") and not self.session.key_loaded:
            raise ValueError(f"{collab['name']} is encrypted: load your organization's "
                             "private key first (session.load_private_key(path))")
        databases = [d.strip() for d in self.databases.value.split(",") if d.strip()]
        return {"image": image, "method": self.method, "organizations": organizations,
                "collaboration": collab["id"], "kwargs": kwargs,
                "databases": databases or ["default"],
                "name": self.name.value.strip() or self._auto_name or self._new_name(),
                "description": self.description.value}

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

    # -- filling the form ----------------------------------------------------------------
    def set(self, *, image: str | None = None, method: str | None = None,
            kwargs: Mapping[str, Any] | None = None, organizations: Sequence[int] | None = None,
            databases: Sequence[str] | str | None = None, name: str | None = None,
            description: str | None = None) -> TaskBuilder:
        """Fill the form, as clicking would. Unknown organizations or arguments raise
        ValueError."""
        if image is not None:
            self.image.value = image
        if method is not None:
            if isinstance(self.method_box.children[0], w.Dropdown):
                if method not in self.method_choice.options:
                    raise ValueError(f"{self.image.value} has no function {method!r}; its "
                                     f"functions: {', '.join(self.method_choice.options)}")
                self.method_choice.value = method
            else:
                self.method_text.value = method
        if kwargs is not None:
            self._fill_arguments(dict(kwargs))
        if organizations is not None:
            known = {o["id"] for o in self._orgs}
            wanted = [int(o["id"] if isinstance(o, Mapping) else o) for o in organizations]
            outside = [o for o in wanted if o not in known]
            if outside:
                raise ValueError(f"organization(s) {', '.join(map(str, outside))} are not in "
                                 "the current collaboration")
            self.organizations.value = tuple(wanted)
        if databases is not None:
            self.databases.value = (databases if isinstance(databases, str)
                                    else ", ".join(databases))
        if name is not None:
            self.name.value = name
        if description is not None:
            self.description.value = description
        self._update_code()
        return self

    def _fill_arguments(self, kwargs: dict[str, Any]) -> None:
        fn = self.function
        if fn is None or self.json_mode.value:
            if fn is not None:
                fn.check_names(kwargs)
                for arg in fn.arguments:  # typed: nothing is converted on the way
                    arg.check(kwargs.get(arg.name))
            try:
                self.json_editor.value = json.dumps(kwargs, indent=2, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"the arguments cannot be sent as JSON: {exc}") from None
            return
        fn.check_names(kwargs)
        # every value is checked (as given: 123 is no column name) before any field changes
        values = {a.name: a.check(kwargs.get(a.name, None if a.required else a.default))
                  for a in fn.arguments}
        for arg in fn.arguments:
            widget, value = self.fields[arg.name], values[arg.name]
            if arg.type == "columns":
                value = list(value or [])
                extra = [c for c in value if c not in widget.options]
                if extra:
                    widget.options = list(widget.options) + extra
                widget.value = tuple(value)
            elif arg.type == "json":
                widget.value = "" if value is None else json.dumps(value)
            elif isinstance(widget, w.Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, (w.IntText, w.FloatText)):
                widget.value = value if value is not None else 0
            else:
                widget.value = "" if value is None else str(value)

    def refresh(self) -> None:
        """Read the current collaboration's organizations and node status again."""
        collab = self.session.collaboration
        if not collab or not self.session.logged_in:
            self._orgs = []
            with self.organizations.hold_sync():  # labels and selection in one message
                self.organizations.value = ()
                self.organizations.options = []
            self.header.value = "Choose a collaboration first"
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
        self.submit_button.disabled = True
        self.submit_button.description = "Sending…"
        return True

    def _end(self) -> None:
        self._quiet_until = time.monotonic() + 1.0
        self.submit_button.description = "Submit"
        self.submit_button.disabled = False
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
        if self.name.value.strip() in ("", self._auto_name):
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

    def _clicked(self, _button: Any) -> None:
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
    def _image_changed(self, _change: Any = None) -> None:
        algo = catalogue.algorithm(self.image.value)
        if algo is not None:
            names = [f.name for f in algo.functions]
            keep = self.method if self.method in names else names[0] if names else None
            self.method_box.children = [self.method_choice]
            if list(self.method_choice.options) != names:
                self.method_choice.options = names
            self.method_choice.value = keep
        else:
            self.method_box.children = [self.method_text]
        self._method_changed()

    def _method_changed(self, _change: Any = None) -> None:
        fn = self.function
        self.help.value = fn.help if fn else (
            "" if catalogue.algorithm(self.image.value) else
            "This image is not in the catalogue: type the function and give its arguments "
            "as JSON.")
        self.json_mode.disabled = fn is None
        self._build_form()
        central = bool(fn and fn.central)
        if self._central is not None and central != self._central and self._orgs:
            self.organizations.value = tuple(self._default_organizations(central))
        self._central = central
        if not self.name.value or self.name.value == self._auto_name:
            self._set_auto_name()
        self._update_code()

    def _json_mode_changed(self, change: Any) -> None:
        if change["new"]:
            self.json_editor.value = json.dumps(self.kwargs_form_values(), indent=2)
            self._build_form()
        else:  # back to the form, with what the JSON said where it fits
            try:
                typed = json.loads(self.json_editor.value or "{}")
            except ValueError:
                typed = {}
            self._build_form()
            if isinstance(typed, dict):
                with contextlib.suppress(ValueError, TypeError):
                    self._fill_arguments(typed)
        self._update_code()

    def kwargs_form_values(self) -> dict[str, Any]:
        """The typed fields' values as they stand (unchecked, defaults included)."""
        fn = self.function
        out = {}
        for name, widget in self.fields.items():
            arg = fn.argument(name) if fn else None
            value = _read(widget)
            if arg is not None and arg.type == "json" and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value) if value.strip() else None
            if value not in (None, "", []):
                out[name] = value
        return out

    def _build_form(self) -> None:
        fn = self.function
        if fn is None or self.json_mode.value:
            old_rows = [r for r in self.arguments.children if r is not self.json_editor]
            self.fields, self._field_types = {}, {}
            self.arguments.children = [self.json_editor]
            close_widgets(*old_rows)  # the form's rows, their fields included
            return
        if set(self.fields) == {a.name for a in fn.arguments} and \
                self.arguments.children and self.arguments.children[0] is not self.json_editor:
            return  # same arguments: keep what the user typed
        # what was typed for an argument the new function shares (same name and type) stays
        kept = {name: self.fields[name].value for name, kind in self._field_types.items()
                if name in self.fields and any(a.name == name and a.type == kind
                                               for a in fn.arguments)}
        fields, rows = {}, []
        for arg in fn.arguments:
            widget = _input_for(arg, self.columns)
            if arg.name in kept:
                with contextlib.suppress(TraitError, ValueError):
                    widget.value = kept[arg.name]
            self.follow(widget, self._changed, "value")
            fields[arg.name] = widget
            label = arg.name + ("" if arg.required else " (optional)")
            rows.append(_field(label, widget, arg.help))
        old_rows = [r for r in self.arguments.children if r is not self.json_editor]
        for old in self.fields.values():
            self.disown(old, close=False)
        self.own(*fields.values())
        self.fields = fields
        self._field_types = {a.name: a.type for a in fn.arguments}
        self.arguments.children = rows or [w.Label("This function takes no arguments.")]
        close_widgets(*old_rows)  # the replaced rows, their fields included

    def _changed(self, _change: Any = None) -> None:
        self._update_code()

    def _update_code(self) -> None:
        self.code_view.value = self.code()
        if self._form_error:
            # after a refusal the message follows the form: it goes once the value is
            # given, and says what is missing now while the form is not ready
            try:
                self.values()
            except Exception as exc:
                self.show_message(friendly(exc), "error")
            else:
                if self.message.kind == "error":
                    self.message.clear()

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
        self.name.value = self._auto_name

    def _collaboration_changed(self, _change: Any) -> None:
        if self._form_error or not self.session.logged_in:
            self._form_error = False
            self.message.clear()
        self.refresh()

    def _key_changed(self, _change: Any) -> None:
        self._show_header()

    def _nodes_changed(self, change: Any) -> None:
        if not self._orgs:
            return
        nodes = change["new"] or {}
        # a selection still as the builder made it follows the nodes; one the user made stays
        untouched = set(self.organizations.value) == set(self._default_organizations())
        changed = False
        for org in self._orgs:
            node = nodes.get(org["node_id"]) if org["node_id"] is not None else None
            if node and node.get("status") and node["status"] != org["status"]:
                org["status"] = node["status"]
                changed = True
        if changed:
            self._relabel(self._default_organizations() if untouched
                          else list(self.organizations.value))

    def _show_header(self) -> None:
        collab = self.session.collaboration
        if not collab:
            self.header.value = "Choose a collaboration first"
            return
        text = f"Collaboration: {collab['name']}"
        if collab.get("encrypted"):
            text += (" (encrypted; your organization's key is loaded)" if self.session.key_loaded
                     else " (encrypted: load your organization's private key before sending)")
        self.header.value = text

    def _relabel(self, selected: Sequence[int]) -> None:
        def label(org: dict) -> str:
            if org["status"] == "online":
                return org["name"]
            return f"{org['name']} ({'no node' if org['status'] == 'no node' else 'offline'})"

        ids = {o["id"] for o in self._orgs}
        # one message with the labels and the selection: the browser must never see a
        # selection of options it does not have yet
        with self.organizations.hold_sync():
            self.organizations.value = ()
            self.organizations.options = [(label(o), o["id"]) for o in self._orgs]
            self.organizations.value = tuple(i for i in selected if i in ids)
        self._update_code()

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
