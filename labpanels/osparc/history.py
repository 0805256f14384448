"""What :class:`~labpanels.osparc.OsparcSession` does with past jobs and with studies.

* **History**: :meth:`solver_jobs` lists a solver release's jobs (every page, through
  :func:`labpanels.paging.iter_osparc`) with each job's state and times (``history``
  trait); :meth:`reopen` makes a past job the current one (its outputs and log then show in
  the panels), :meth:`job_inputs` gives what it was created with and :meth:`rerun` creates
  a new job with the same inputs.
* **Studies**: :meth:`studies` (``study_list``), :meth:`select_study` (``study``, with its
  ports), :meth:`clone_study`, :meth:`study_job` / :meth:`run_study` (a job of the study;
  it becomes the session's ``job``, polled like a solver job: one poller per job), its
  outputs (:meth:`outputs`) and its step logs (:meth:`logs`).

The public API does not return a job's inputs, so the session writes them into the job's
custom metadata (key :data:`INPUTS_KEY`, a JSON text) when it creates a job: a job created
elsewhere can be reopened but not rerun (:class:`InputsUnknown`).
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, LabpanelsError, NotFound
from ..paging import iter_osparc

__all__ = ["HistoryAndStudies", "InputsUnknown", "INPUTS_KEY"]

#: the custom metadata key under which the session keeps a job's inputs (JSON text)
INPUTS_KEY = "labpanels_inputs"


class InputsUnknown(LabpanelsError):
    """A job's inputs are not known (it was not created through labpanels), so it cannot
    be rerun; the message says why."""


class HistoryAndStudies:
    """Methods of :class:`~labpanels.osparc.OsparcSession` (mixed in; they use its
    calls, its job records and its one poller per job)."""

    # ------------------------------------------------------------------ history
    def solver_jobs(self, solver: Any = None, version: str | None = None, *,
                    states: Any = None, max_items: int | None = None,
                    with_inputs: bool = True) -> list[dict]:
        """A solver release's jobs, newest first, each as a job record (``state``,
        ``progress``, ``created_at``, ``started_at``, ``stopped_at``, ``error``,
        ``inputs`` ...): every page of the listing, one ``:inspect`` per job not known to
        have ended and (``with_inputs``) one metadata read per job, once. ``states`` keeps
        only jobs in those states. Sets the ``history`` trait."""
        key, ver = self._solver_ref(solver if version is None else (solver, version))
        wanted = _states(states)
        http = self._checked_http()
        records: list[dict] = []
        with self.working():
            listed = []
            for item in iter_osparc(http, f"{self._release_path(key, ver)}/jobs/page", limit=50):
                listed.append(item)
                if max_items is not None and len(listed) >= max_items:
                    break
            for item in listed:
                tracked = self._track({**item, "id": str(item["id"]), "solver": key,
                                       "version": ver})
                if not tracked.done:  # an ended job never changes: asked once
                    try:
                        status = self._send("POST", f"{tracked.path}:inspect")
                    except NotFound:
                        continue  # deleted meanwhile
                    with self._jobs_lock:
                        tracked.take(status)
                if with_inputs and tracked.inputs is None and not tracked.inputs_read:
                    tracked.inputs_read = True  # asked once: a job's metadata is its own
                    with contextlib.suppress(InputsUnknown, NotFound):
                        self._job_inputs(tracked)
                with self._jobs_lock:
                    records.append(tracked.record())
        records.sort(key=lambda r: str(r.get("created_at") or ""), reverse=True)
        self.history = records
        return [r for r in records if not wanted or r["state"] in wanted]

    def job_inputs(self, job: Any = None) -> dict:
        """The inputs ``job`` was created with (the session's memory, else the job's
        metadata); :class:`InputsUnknown` when neither has them."""
        with self.working():  # a failure is reported in last_error
            return self._job_inputs(self._track(job))

    def _job_inputs(self, tracked: Any) -> dict:
        with self._jobs_lock:
            if tracked.inputs is not None:
                return dict(tracked.inputs)
        body = self._call("GET", f"{tracked.path}/metadata")
        raw = (body.get("metadata") or {}).get(INPUTS_KEY)
        if raw is None:
            raise InputsUnknown(f"the inputs of job {tracked.job_id} are not known: it was not "
                                "created through labpanels, and the API does not return a "
                                "job's inputs")
        try:
            values = json.loads(raw)
        except (TypeError, ValueError):
            values = None
        if not isinstance(values, dict):
            raise InputsUnknown(f"the inputs kept with job {tracked.job_id} are not readable")
        with self._jobs_lock:
            tracked.inputs = dict(values)
            self._publish(tracked)
        return dict(values)

    def reopen(self, job: Any) -> dict:
        """Make a past job the current one (``job``): its state now, its outputs once it
        succeeded, polled while it runs; its inputs when known. The panels then show its
        outputs and log. Returns its record."""
        record = self.follow_job(job)
        with contextlib.suppress(InputsUnknown, NotFound):
            self.job_inputs(record)
        return self.job_record(record)

    def rerun(self, job: Any = None, *, start: bool = True) -> dict:
        """A new job with the same inputs as ``job`` (the current one by default), of the
        same solver release or study; it becomes the current job. Returns its record."""
        tracked = self._track(job)
        inputs = self.job_inputs(tracked.job_id)
        if tracked.study:
            return self.study_job(tracked.study, inputs, start=start)
        return self.submit(inputs, (tracked.key, tracked.version), start=start)

    def _save_inputs(self, tracked: Any, values: Mapping[str, Any]) -> None:
        """Keep a new job's inputs in its custom metadata (for a rerun in another session);
        a server that refuses leaves the job as it is."""
        body = {"metadata": {INPUTS_KEY: json.dumps(dict(values), default=str)}}
        with contextlib.suppress(LabpanelsError):
            self._send("PUT" if tracked.study else "PATCH", f"{tracked.path}/metadata",
                       json=body)

    def _upload_values(self, inputs: Mapping[str, Any] | None) -> dict:
        """Inputs as the server takes them: ``Path`` values uploaded first (File dicts)."""
        values: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, Path):
                values[str(name)] = self.upload(value)
            else:
                values[str(name)] = dict(value) if isinstance(value, Mapping) else value
        return values

    # ------------------------------------------------------------------ studies
    def _study_ref(self, study: Any) -> str:
        if study is None:
            study = self.study
            if not study:
                raise LabpanelsError("no study selected: pass study= or call select_study()")
        if isinstance(study, Mapping):
            study = study.get("uid") or study.get("id")
        try:
            return str(uuid.UUID(str(study)))
        except ValueError:
            raise InvalidArgument(f"not a study id: {study!r} (a study's uid is a UUID)") from None

    def studies(self, *, max_items: int | None = None) -> list[dict]:
        """My studies (``uid``, ``title``, ``description``), every page; sets
        ``study_list``."""
        http = self._checked_http()
        found: list[dict] = []
        with self.working():
            for item in iter_osparc(http, "/v0/studies", limit=50):
                found.append(item)
                if max_items is not None and len(found) >= max_items:
                    break
        self.study_list = found
        return found

    def get_study(self, study: Any = None) -> dict:
        """One study (the selected one by default)."""
        return self._call("GET", f"/v0/studies/{self._study_ref(study)}")

    def study_ports(self, study: Any = None) -> list[dict]:
        """A study's input and output ports (``key``: the node's UUID, ``kind``,
        ``content_schema`` whose ``title`` is the name a job's inputs use)."""
        body = self._call("GET", f"/v0/studies/{self._study_ref(study)}/ports")
        return list(body.get("items") or [])

    def select_study(self, study: Any) -> dict:
        """Make a study the current one (``study`` trait: the study and its ``ports``)."""
        with self.working():
            found = self.get_study(study)
            ports = self.study_ports(found)
        selected = {**found, "ports": ports}
        self.study = selected
        return selected

    def clone_study(self, study: Any = None, *, title: str | None = None,
                    description: str | None = None) -> dict:
        """A copy of a study (the selected one by default), named ``title`` (the server's
        "<title> (Copy)" otherwise); it joins ``study_list``. Returns the new study."""
        body = {k: v for k, v in (("title", title), ("description", description)) if v is not None}
        clone = self._call("POST", f"/v0/studies/{self._study_ref(study)}:clone",
                           json=body or None)
        self.study_list = [*self.study_list, clone]
        return clone

    def study_job(self, study: Any = None, inputs: Mapping[str, Any] | None = None, *,
                  start: bool = False) -> dict:
        """Create a job of a study with ``inputs`` by input title (``{"Sleep interval":
        3}``; ``Path`` values are uploaded; inputs not given keep the study's values). It
        becomes the current job; with ``start`` it is started and polled until it ends.
        Returns its record."""
        sid = self._study_ref(study)
        with self.working():
            values = self._upload_values(inputs)
            created = self._call("POST", f"/v0/studies/{sid}/jobs", json={"values": values})
            job = {**created, "id": str(created["id"]), "study": sid}
            return self._created(job, values, start)

    def run_study(self, study: Any = None, inputs: Mapping[str, Any] | None = None) -> dict:
        """Create and start a job of a study (see :meth:`study_job`)."""
        return self.study_job(study, inputs, start=True)

    def _study_logs(self, tracked: Any) -> dict[str, str]:
        """A study job's step logs: one presigned link per step that ran."""
        body = self._call("GET", f"{tracked.path}/outputs/log-links")
        links = [link for link in body.get("log_links") or [] if link.get("download_link")]
        if not links:
            from .session import JobNotFinished

            raise JobNotFinished(f"job {tracked.job_id} has no log yet")
        logs: dict[str, str] = {}
        with self.working():
            for link in links:
                response = self.storage_http.request("GET", str(link["download_link"]))
                logs.update(_log_texts(str(link.get("node_name") or "log"), response.content))
        return logs


def _log_texts(name: str, content: bytes) -> dict[str, str]:
    """A downloaded log: its text, or each text file of it when it is a zip."""
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return {f"{name}/{info.filename}": archive.read(info).decode("utf-8", "replace")
                    for info in archive.infolist() if not info.is_dir()}
    return {name: content.decode("utf-8", "replace")}


def _states(states: Any) -> set[str]:
    if states is None:
        return set()
    if isinstance(states, str):
        states = [states]
    return {str(s).upper() for s in states}
