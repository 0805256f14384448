"""The whole local vantage6 platform: the real server, the scenario, simulated nodes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..http import HttpClient
from . import processes
from .scenario import WORKSHOP, Scenario, learner_users
from .seed import Seeded, load_state, save_state, seed
from .v6server import SERVER_VERSION, V6Server, server_python
from .v6store import V6Store

__all__ = ["Platform"]


class _Background:
    """One call on a thread of its own; :meth:`result` waits and re-raises its error."""

    def __init__(self, call: Any, what: str) -> None:
        import threading

        self._what = what
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True,
                                        name="labpanels-platform-start")
        self._thread.start()

    def _run(self, call: Any) -> None:
        try:
            call()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self, timeout: float | None) -> None:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"{self._what} not ready within {timeout:g} s")
        if self._error is not None:
            raise self._error


class Platform:
    """Start with :meth:`start` (or ``with Platform() as p:``); read :attr:`info`.

    With ``sparc`` (the default) the local Pennsieve/zipit/o²S²PARC emulator runs too.

    ``folder`` keeps the database, logs, node credentials and organization keys; a
    temporary folder is made (and removed at :meth:`stop`) when none is given. A folder
    that already holds a seeded platform is started as it was left (``reset=True``
    empties it first).
    ``server_options`` go to :class:`V6Server` (``two_factor``, ``token_seconds``, ...).
    The real algorithm store runs next to the server, linked to it, with the demo's
    algorithms published (``store_port`` picks its port; 0: a free one).
    ``extra_columns`` gives organizations' nodes more columns than their CSV file has:
    ``{"GAZEL_organization": {"wearable_steps": 8000}}`` (a constant per column).
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        scenario: Scenario = WORKSHOP,
        learners: int = 0,
        server_options: dict[str, Any] | None = None,
        node_poll_interval: float = 10.0,
        key_bits: int = 4096,
        reset: bool = False,
        sparc: bool = True,
        sparc_time_scale: float = 1.0,
        store_port: int = 0,
        extra_columns: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._own_folder = folder is None
        if folder is not None and reset:
            shutil.rmtree(folder, ignore_errors=True)
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="labpanels-"))
        self.scenario = scenario.with_users(learner_users(learners)) if learners else scenario
        self.server = V6Server(self.folder / "vantage6", **(server_options or {}))
        self.store = V6Store(self.folder / "store", self.server.api_url, port=store_port)
        self.extra_columns = {k: dict(v) for k, v in (extra_columns or {}).items()}
        self.node_poll_interval = node_poll_interval
        self.key_bits = key_bits
        self.seeded: Seeded | None = None
        self.nodes: dict[int, subprocess.Popen] = {}
        self.info: dict[str, Any] = {}
        self.sparc = sparc
        self.sparc_time_scale = sparc_time_scale
        self.emulator = None

    # -- lifecycle --------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> Platform:
        """Start the server, create the scenario, start the nodes, wait until online."""
        try:
            state = self.folder / "platform-state.json"
            fresh = not state.exists()
            if not self.server.port:
                self.server.port = processes.free_port(self.server.host)
            self.store.server_api_url = self.server.api_url
            # the first start builds the server's and the store's environments at once
            environment = _Background(server_python, "the vantage6 server's environment")
            self.store.launch()  # it loads while the server starts and is seeded
            environment.result(None)
            self.server.start(timeout)
            if fresh:
                self.seeded = seed(self.server.api_url, self.scenario, self.folder,
                                   self.key_bits)
                save_state(self.seeded, state)
            else:
                self.seeded = load_state(state)
            # the store is readied and filled while the nodes start
            publishing = _Background(lambda: (self.store.wait_ready(timeout),
                                              self._publish()), "the algorithm store")
            for spec in self.seeded.nodes:
                if spec.start:
                    self.start_node(spec.id)
            if self.sparc:
                from .emulator import start_emulator

                self.emulator = start_emulator(time_scale=self.sparc_time_scale,
                                               log_path=self.folder / "sparc-emulator.log")
            self.wait_nodes_online(timeout)
            publishing.result(timeout)
            self.info = self._describe()
        except BaseException:
            self.stop()
            raise
        return self

    def _publish(self) -> None:
        """Link the store to the server and publish the demo algorithms (once)."""
        from .published import link_store, publish

        with self.root_http() as http:
            link_store(http, self.store.api_url, self.server.api_url)
            token = http.session.headers["Authorization"].split(" ", 1)[1]
            publish(self.store.api_url, self.server.api_url, token)

    def start_node(self, node_id: int, *,
                   extra_columns: Mapping[str, Any] | None = None) -> None:
        """Start (or restart) the simulated node with id ``node_id``; ``extra_columns``
        (column -> constant) replaces what the platform's ``extra_columns`` gives its
        organization ({}: none)."""
        assert self.seeded is not None
        spec = next(n for n in self.seeded.nodes if n.id == node_id)
        folder = self.folder / "nodes"
        folder.mkdir(exist_ok=True)
        extra = (self.extra_columns.get(spec.organization, {}) if extra_columns is None
                 else dict(extra_columns))
        config = folder / f"node-{spec.id}.json"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({
                "api_url": self.server.api_url, "api_key": spec.api_key, "data": spec.data,
                "private_key": spec.private_key, "poll_interval": self.node_poll_interval,
                **({"data_file": str(self._data_with(spec, extra))} if extra else {}),
            }, fh)
        processes.stop(self.nodes.get(spec.id))
        self.nodes[spec.id] = processes.spawn(
            [sys.executable, "-m", "labpanels.demo.node", str(config)],
            log=folder / f"node-{spec.id}.log", env={"PYTHONUNBUFFERED": "1"},
        )

    def _data_with(self, spec: Any, extra: Mapping[str, Any]) -> Path:
        """A copy of the node's CSV file with ``extra`` constant columns added."""
        import csv

        from .data import data_path

        folder = self.folder / "data"
        folder.mkdir(exist_ok=True)
        target = folder / f"node-{spec.id}.csv"
        with open(data_path(spec.data), newline="", encoding="utf-8") as src, \
                open(target, "w", newline="", encoding="utf-8") as out:
            reader, writer = csv.reader(src), csv.writer(out)
            header = next(reader)
            writer.writerow(header + [c for c in extra if c not in header])
            values = [extra[c] for c in extra if c not in header]
            for row in reader:
                writer.writerow(row + values)
        return target

    def stop_node(self, node_id: int) -> None:
        """Stop one simulated node (the server marks it offline at once)."""
        processes.stop(self.nodes.pop(node_id, None))

    def wait_nodes_online(self, timeout: float = 30.0) -> None:
        """Block until every started node shows ``online`` on the server.

        A node of an encrypted collaboration uploads its organization's public key
        before it connects, so once online, tasks can be encrypted for it.
        """
        with self.root_http() as http:
            def all_online() -> bool:
                body = http.get("node", params={"per_page": 1000})
                online = {n["id"] for n in body["data"] if n["status"] == "online"}
                return set(self.nodes) <= online

            processes.wait_until(all_online, timeout, 0.2, what="all started nodes online")

    def restart_server(self, downtime: float = 0.0) -> None:
        """Stop the server and start it again on the same port and database."""
        import time

        self.server.stop()
        time.sleep(downtime)
        self.server.start()

    def stop(self) -> None:
        """Stop every node and the server; remove the folder if it was temporary."""
        for proc in self.nodes.values():  # all at once: each may take a moment
            if proc.poll() is None:
                proc.terminate()
        for node_id in list(self.nodes):
            self.stop_node(node_id)
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        self.store.stop()
        self.server.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Platform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the platform offers -----------------------------------------------
    def root_http(self) -> HttpClient:
        """An HTTP client logged in as root (for tests and administration)."""
        from .scenario import ROOT_PASSWORD

        http = HttpClient(self.server.api_url, timeout=(5, 30))
        token = http.post("token/user", json={"username": "root", "password": ROOT_PASSWORD})
        http.session.headers["Authorization"] = f"Bearer {token['access_token']}"
        return http

    def node_specs(self) -> list:
        """Credentials and placement of every registered node (secret: for tests only)."""
        assert self.seeded is not None
        return [replace(n) for n in self.seeded.nodes]

    def _describe(self) -> dict[str, Any]:
        assert self.seeded is not None
        orgs = {o.name: {"id": self.seeded.organizations[o.name], "country": o.country}
                for o in self.scenario.organizations}
        return {
            "folder": str(self.folder),
            "vantage6": {
                "url": self.server.url,
                "api_path": "/api",
                "api_url": self.server.api_url,
                "host": f"http://{self.server.host}",
                "port": self.server.port,
                "server_version": SERVER_VERSION,
                "store_url": self.store.api_url,
                "users": self.seeded.users,
                "organizations": orgs,
                "collaborations": self.seeded.collaborations,
                "key_files": self.seeded.key_files,
            },
            **({"sparc": self._describe_sparc()} if self.emulator else {}),
        }

    def _describe_sparc(self) -> dict[str, Any]:
        emulator = self.emulator
        key, secret = emulator.credentials
        return {
            "url": emulator.url, "pennsieve_url": emulator.pennsieve_url,
            "zipit_url": emulator.zipit_url, "osparc_url": emulator.osparc_url,
            "osparc_key": key, "osparc_secret": secret, "time_scale": self.sparc_time_scale,
        }
