"""OsparcStudyRunner: list my o²S²PARC studies, pick one and see its inputs, clone it, run
it with inputs, and follow the job's progress to its outputs and step logs.

A study job is the session's ``job`` while it runs (the session polls it: one poller per
job), so the progress shown here is the session's; the inputs form reuses the solver
form's fields (:class:`~labpanels.widgets.osparc_form.PortForm`), keyed by the study's
input titles. One anywidget (``osparc_studies.js``); every click is a method.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traitlets import Bool, Int, List, Unicode

from ..errors import LabpanelsError
from ..osparc.session import DONE_STATES, OsparcSession
from .assets import asset
from .base import Panel
from .osparc_form import PortField, PortForm
from .osparc_history import JobShown
from .osparc_jobs import progress_text, settle

__all__ = ["OsparcStudyRunner"]


class OsparcStudyRunner(JobShown, PortForm, Panel):
    """My studies; the chosen one's description, inputs (a form) and outputs; Clone and
    Run; the run's progress, outputs and step logs.

    Traits: ``study_rows`` ([uid, title, description]), ``study_id``, ``about``,
    ``form`` (one field per input: key is the input's title), ``output_names``,
    ``field_errors``, ``running``, ``progress``, ``progress_text`` and the job shown
    (``shown_*``, ``inputs_rows``, ``outputs_rows``, ``log_rows``).
    """

    _esm = asset("osparc_studies.js")
    _css = asset("osparc_studies.css")

    study_rows = List().tag(sync=True)
    study_id = Unicode("").tag(sync=True)
    about = Unicode("").tag(sync=True)
    output_names = List(Unicode()).tag(sync=True)
    running = Bool(False).tag(sync=True)
    progress = Int(0).tag(sync=True)
    progress_text = Unicode("").tag(sync=True)
    log_note = Unicode("No run yet").tag(sync=True)

    ACTIONS = frozenset({"refresh", "choose", "clone", "run_form", "stop"})
    SLOW_ACTIONS = frozenset({"refresh", "choose", "clone", "run_form"})  # server reads

    def __init__(self, session: OsparcSession, *, workdir: str | Path = ".",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.workdir = Path(workdir).resolve()
        self.fields: dict[str, PortField] = {}
        self._init_shown()
        self.follow(session, lambda _c: self._list(), "study_list")
        self.follow(session, self._progress, "job")
        with self.reporting():
            self.refresh()

    # -- studies ------------------------------------------------------------------------
    def refresh(self) -> list[dict]:
        """List my studies again; keeps the chosen one (or chooses the first)."""
        studies = self.session.studies()
        self._list()
        chosen = self.study_id if any(s["uid"] == self.study_id for s in studies) else ""
        if not chosen and studies:
            self.choose(studies[0]["uid"])
        return studies

    def _list(self) -> None:
        self.study_rows = [[str(s["uid"]), str(s.get("title") or ""),
                            str(s.get("description") or "")] for s in self.session.study_list]

    def choose(self, study_id: str) -> dict:
        """Make a study the chosen one (the session's ``study``) and show its inputs."""
        study = self.session.select_study(str(study_id))
        self.study_id = str(study["uid"])
        self.about = str(study.get("description") or "")
        fields = {}
        for port in study.get("ports") or []:
            if port.get("kind") != "input":
                continue
            schema = dict(port.get("content_schema") or {})
            title = str(schema.get("title") or port["key"])
            fields[title] = PortField({"key": title, "content_schema": schema}, self.workdir)
        self.output_names = [str((p.get("content_schema") or {}).get("title") or p["key"])
                             for p in study.get("ports") or [] if p.get("kind") == "output"]
        self._set_fields(fields)
        return study

    def clone(self, title: str | None = None) -> dict:
        """Clone the chosen study (named ``title``, else the server's "(Copy)") and
        choose the clone."""
        if not self.study_id:
            raise LabpanelsError("no study chosen")
        clone = self.session.clone_study(self.study_id, title=title or None)
        self.choose(str(clone["uid"]))
        self.show_message(f"Cloned into “{clone.get('title')}”", "ok")
        return clone

    # -- inputs and runs ----------------------------------------------------------------
    def _form_owner(self) -> str:
        return "the study"

    def _keeps_own(self, field: PortField) -> bool:
        """An empty file or text field keeps the study's own value."""
        return (field.kind in ("file", "string") and field.remote is None
                and not str(field.value).strip())

    def run(self, **values: Any) -> dict:
        """Run the chosen study with the form's inputs (and ``values``, by title): the job
        becomes the session's current one and shows here as it runs. Returns its record."""
        if not self.study_id:
            raise LabpanelsError("no study chosen")
        if values:
            self.set_inputs(**values)
        inputs = self.values()
        self.show_message("Starting…")
        record = self.session.run_study(self.study_id, inputs)
        self._show_latest(record)
        self._progress({"new": self.session.job_record(record)})
        self.show_message(f"Started job {record['id']}", "ok")
        return record

    def run_form(self, values: dict | None = None) -> dict:
        """What the Run button does: take the form's values from the view, then run."""
        return self.run(**{k: v for k, v in (values or {}).items() if k in self.fields})

    def stop(self) -> dict:
        """Stop the job shown (it ends ABORTED)."""
        if not self.shown_id:
            raise LabpanelsError("no run to stop")
        return self.session.stop(self.shown_id)

    def wait(self, timeout: float | None = 60.0) -> str:
        """Wait until the run shown has ended and its log was read; returns its state."""
        if not settle(self, lambda: True if not self.running else None, timeout):
            return self.shown_state
        return self.wait_shown(timeout)

    def _progress(self, change: dict) -> None:
        job = change["new"] or {}
        if not job or job.get("id") != self.shown_id:
            return
        state = str(job.get("state") or "")
        self.progress = int(job.get("progress") or 0)
        self.progress_text = progress_text(state, job.get("progress"))
        self.running = state not in DONE_STATES and state != ""
