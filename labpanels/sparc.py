"""A stand-in for ``sparc.client`` built on labpanels' sessions.

Notebooks written for ``sparc.client`` run with one changed line::

    from labpanels.sparc import SparcClient        # was: from sparc.client import SparcClient

    client = SparcClient(connect=False, config_file="config.ini")
    client.pennsieve.list_datasets(query="vagus")              # same dict as sparc.client
    solver = client.o2sparc.get_solver("simcore/services/comp/itis/sleeper", "2.0.2")
    job_id = solver.submit_job({"input_1": Path("n.txt"), "input_2": 3})

Same methods, arguments and return shapes, with these deliberate differences:

* errors raise (:mod:`labpanels.errors`, :class:`~labpanels.pennsieve.ZipitError`, ...)
  instead of returning ``None`` or writing zipit's ``!ERROR.txt`` into the output file;
* ``job_done`` **raises** :class:`~labpanels.osparc.JobFailedError` (with the job's error
  messages) when the job ended FAILED or ABORTED, instead of returning True as if it had
  succeeded; it returns True only for SUCCESS. So the usual
  ``while not solver.job_done(job_id)`` loop stops with the reason of the failure, and
  ``solver.get_job_log(job_id)`` still returns the log;
* ``get_results`` keeps the server's types (an integer output stays an ``int``;
  sparc.client turns it into a float);
* ``download_file`` streams to disk (the returned response's ``.content`` is not kept),
  and takes file paths from the URI for both layouts (root files such as
  ``manifest.json`` included); several files still default to ``download.gz`` (a zip);
* ``connect=True`` does not contact a Pennsieve Agent (discover needs none).

Configuration: the INI file sparc.client reads (``[global] default_profile``, and in the
profile ``pennsieve_profile_name``, ``o2sparc_host``, ``o2sparc_username``,
``o2sparc_password``; the ``O2SPARC_*`` environment variables win, as in sparc.client).
labpanels also reads an optional ``pennsieve_host`` key (or the ``PENNSIEVE_HOST``
environment variable, which wins; default ``https://api.pennsieve.io``); setting
``client.pennsieve.host_api`` works as well.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from configparser import ConfigParser, SectionProxy
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import InvalidArgument, LabpanelsError
from .osparc.session import DONE_STATES, JobFailedError, JobNotFinished, OsparcSession
from .pennsieve.session import PennsieveSession
from .sparc_metadata import MetadataService
from .zinc import ZincHelper

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = ["SparcClient", "PennsieveService", "O2SparcService", "O2SparcSolver",
           "MetadataService", "ZincHelper"]

PENNSIEVE_HOST = "https://api.pennsieve.io"

Config = dict[str, Any] | SectionProxy


class PennsieveService:
    """``client.pennsieve``: discover search, zipit downloads and raw GET/POST."""

    default_headers = {
        "Content-Type": "application/json",
        "Accept": "application/json; charset=utf-8",
    }

    def __init__(self, config: Config | None = None, connect: bool = False) -> None:
        config = config or {}
        self.profile_name = config.get("pennsieve_profile_name")
        host = os.environ.get("PENNSIEVE_HOST") or config.get("pennsieve_host") or PENNSIEVE_HOST
        self.session = PennsieveSession(f"{host.rstrip('/')}/discover")
        self._host = host.rstrip("/")

    @classmethod
    def on_session(cls, session: PennsieveSession) -> PennsieveService:
        """A service on an existing session (a panel's): its searches and downloads go
        through that session, whose host it takes."""
        service = cls.__new__(cls)
        service.profile_name = None
        service.session = session
        url = session.url.rstrip("/")
        service._host = url[: -len("/discover")] if url.endswith("/discover") else url
        return service

    @property
    def host_api(self) -> str:
        """The Pennsieve host; setting it re-points discover and zipit."""
        return self._host

    @host_api.setter
    def host_api(self, value: str) -> None:
        self._host = value.rstrip("/")
        self.session.http.base_url = f"{self._host}/discover"
        self.session.zipit_url = f"{self._host}/zipit/discover"

    # -- sparc.client's housekeeping (no Pennsieve Agent is involved) -----------------
    def connect(self) -> PennsieveService:
        """Nothing to connect: the discover API needs no agent."""
        return self

    def info(self) -> str:
        """The labpanels version (sparc.client returns the agent's)."""
        return __version__

    def get_profile(self) -> str | None:
        """The configured ``pennsieve_profile_name``."""
        return self.profile_name

    def set_profile(self, profile_name: str) -> str:
        """Remember another profile name (used for nothing else here)."""
        self.profile_name = profile_name
        return profile_name

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    # -- search ----------------------------------------------------------------
    def list_datasets(
        self,
        limit: int = 10,
        offset: int = 0,
        query: str | None = None,
        organization: str | None = None,
        organization_id: int | None = None,
        tags: list[str] | None = None,
        embargo: bool | None = None,
        order_by: str | None = None,
        order_direction: str | None = None,
    ) -> dict:
        """The search page dict ``{limit, offset, totalCount, datasets}``."""
        return self.session.search_datasets(
            query,
            tags=tags,
            organization=organization,
            organization_id=organization_id,
            embargo=embargo,
            order_by=order_by,
            order_direction=order_direction,
            limit=limit,
            offset=offset,
        ).raw

    def list_files(
        self,
        limit: int = 10,
        offset: int = 0,
        file_type: str | None = None,
        query: str | None = None,
        organization: str | None = None,
        organization_id: int | None = None,
        dataset_id: int | None = None,
    ) -> list[dict]:
        """The matching files (the page's ``files`` list)."""
        return self.session.search_files(
            query,
            file_type=file_type,
            dataset_id=dataset_id,
            organization=organization,
            organization_id=organization_id,
            limit=limit,
            offset=offset,
        ).items

    def list_filenames(self, *args: Any, **kwargs: Any) -> list[str]:
        """The matching files' dataset-relative paths (``files/...``), for both URI layouts."""
        from .pennsieve.session import path_from_uri

        return [
            path_from_uri(f["uri"], f["datasetId"], f.get("datasetVersion"))
            for f in self.list_files(*args, **kwargs)
        ]

    def list_records(
        self,
        limit: int = 10,
        offset: int = 0,
        model: str | None = None,
        organization: str | None = None,
        dataset_id: int | None = None,
    ) -> dict:
        """The records page dict ``{limit, offset, totalCount, records}``."""
        return self.session.search_records(
            model, dataset_id=dataset_id, organization=organization, limit=limit, offset=offset
        ).raw

    # -- downloads ---------------------------------------------------------------
    def download_file(
        self, file_list: list[dict] | dict, output_name: str | None = None
    ) -> requests.Response:
        """Download files found by :meth:`list_files` through zipit into ``output_name``.

        One file arrives as itself, several as a zip (default name ``download.gz``, as in
        sparc.client). Returns the HTTP response (its body was streamed to the file).
        """
        files = [file_list] if isinstance(file_list, dict) else list(file_list)
        if not files:
            raise InvalidArgument("download_file needs at least one file")
        origins = {(f.get("datasetId"), f.get("datasetVersion")) for f in files}
        if len(origins) != 1:
            raise InvalidArgument("all files must come from one dataset version")
        if output_name is None:
            output_name = files[0]["name"] if len(files) == 1 else "download.gz"
        target = Path(output_name)
        _, response = self.session._zipit(files, target.parent, name=target.name)
        return response

    # -- passthrough -------------------------------------------------------------
    def _absolute(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else f"{self._host}/{url.lstrip('/')}"

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET a Pennsieve URL (relative to the host, or absolute); the decoded JSON."""
        with self.session.working():
            return self.session.http.get(self._absolute(url), **kwargs)

    def post(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        """POST JSON to a Pennsieve URL; the decoded JSON."""
        with self.session.working():
            return self.session.http.post(self._absolute(url), json=json, **kwargs)

    def put(self, url: str, json: Any = None, **kwargs: Any) -> Any:
        """PUT JSON to a Pennsieve URL; the decoded JSON."""
        with self.session.working():
            return self.session.http.put(self._absolute(url), json=json, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        """DELETE a Pennsieve URL; the decoded JSON."""
        with self.session.working():
            return self.session.http.delete(self._absolute(url), **kwargs)


class O2SparcSolver:
    """``client.o2sparc.get_solver(...)``: submit jobs and collect their results."""

    def __init__(self, session: OsparcSession, solver_key: str, solver_version: str) -> None:
        self._session = session
        self._solver = session.get_solver(solver_key, solver_version)
        self._jobs: list[dict] = []

    @property
    def solver(self) -> dict:
        """The solver release (as the server describes it)."""
        return dict(self._solver)

    def _job(self, job_id: str) -> dict:
        return {"id": job_id, "solver": self._solver["id"], "version": self._solver["version"]}

    def submit_job(self, job_inputs: dict[str, Any]) -> str:
        """Upload ``Path`` inputs, create and start the job; return its id."""
        for key, value in job_inputs.items():
            if isinstance(value, Path) and not value.is_file():
                raise FileNotFoundError(f"input {key}: {value} is not a file")
        job = self._session.submit(job_inputs, self._solver)
        self._jobs.append(job)
        return str(job["id"])

    def get_job_progress(self, job_id: str) -> float:
        """Progress between 0.0 and 1.0."""
        return float(self._session.status(self._job(job_id)).get("progress") or 0) / 100

    def job_done(self, job_id: str) -> bool:
        """True once the job succeeded, False while it runs.

        Raises :class:`~labpanels.osparc.JobFailedError` (with the server's error
        messages) when it ended FAILED or ABORTED.
        """
        status = self._session.status(self._job(job_id))
        state = str(status.get("state"))
        if state in ("FAILED", "ABORTED"):
            error = JobFailedError(job_id, state, status.get("errors"))
            self._session.last_error = str(error)
            raise error
        return state in DONE_STATES

    def get_results(self, job_id: str) -> dict[str, Any]:
        """``{output: value}``; files are downloaded and given as ``Path``."""
        if not self.job_done(job_id):
            raise JobNotFinished(f"the job with job_id={job_id} is not done yet")
        folder = tempfile.mkdtemp(prefix=f"osparc-{job_id[:8]}-")
        return self._session.download_outputs(self._job(job_id), folder)

    def get_job_log(self, job_id: str) -> tempfile.TemporaryDirectory:
        """The job's log files, unpacked into a ``TemporaryDirectory``."""
        folder = tempfile.TemporaryDirectory(prefix=f"osparc-log-{job_id[:8]}-")
        try:
            self._session.save_logs(self._job(job_id), folder.name)
        except BaseException:
            folder.cleanup()
            raise
        return folder


class O2SparcService:
    """``client.o2sparc``: profile and solvers of o²S²PARC."""

    def __init__(self, config: Config | None = None, connect: bool = False) -> None:
        config = config or {}
        values = {}
        for name in ("host", "username", "password"):
            env = f"O2SPARC_{name.upper()}"
            values[name] = os.environ.get(env) or config.get(env.lower()) or None
        self.session = OsparcSession(values["host"], values["username"], values["password"])

    def connect(self) -> O2SparcService:
        """Nothing to open ahead of time."""
        return self

    def info(self) -> str:
        """The labpanels version (sparc.client returns the osparc client's)."""
        return __version__

    def get_profile(self) -> str:
        """The login (e-mail) of the API key's user."""
        return str(self.session.profile()["login"])

    def set_profile(self, username: str, password: str) -> str:
        """Switch to another API key (``username``) and secret (``password``)."""
        return str(self.session.login(username, password)["login"])

    def get_solver(self, solver_key: str, solver_version: str) -> O2SparcSolver:
        """A solver release to submit jobs to."""
        return O2SparcSolver(self.session, solver_key, solver_version)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()


class SparcClient:
    """``sparc.client.SparcClient`` with the modules ``metadata`` (:mod:`.sparc_metadata`),
    ``pennsieve`` and ``o2sparc``."""

    def __init__(self, config_file: str = "config.ini", connect: bool = True) -> None:
        self.config = ConfigParser()
        self.config["global"] = {"default_profile": "default"}
        self.config["default"] = {"pennsieve_profile_name": "pennsieve"}
        if config_file and Path(config_file).is_file():
            self.config.read(config_file)
        elif config_file and config_file != "config.ini":
            warnings.warn(
                f"configuration file {config_file} not found: using the defaults", stacklevel=2
            )
        profile = self.config["global"].get("default_profile", "default")
        if profile not in self.config:
            raise LabpanelsError(f"{config_file}: default_profile {profile!r} has no section")
        section = self.config[profile]
        self.module_names: list[str] = []
        self.metadata = MetadataService(section, connect)
        self.pennsieve = PennsieveService(section, connect)
        self.o2sparc = O2SparcService(section, connect)
        self.module_names = ["metadata", "o2sparc", "pennsieve"]

    def connect(self) -> bool:
        """Nothing to connect ahead of time (kept for compatibility)."""
        return True

    @cached_property
    def zinc(self) -> ZincHelper:
        """sparc.client's Zinc helper (scaffolds, MBF segmentations) on this client's
        Pennsieve service; needs ``pip install 'labpanels[zinc]'`` (see :mod:`labpanels.zinc`)."""
        return ZincHelper(self.pennsieve)

    def get_config(self) -> ConfigParser:
        """The parsed configuration."""
        return self.config
