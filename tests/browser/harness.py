"""A real JupyterLab in a real headless Chromium, for the widget tests of labpanels.

The pieces, from the outside in (``conftest.py`` turns them into pytest fixtures):

- :class:`LabServer`: one ``jupyter lab`` process with token auth on a free port of 127.0.0.1,
  isolated config, data, runtime, settings, workspaces and IPython folders (the prebuilt
  ipywidgets/anywidget extensions under ``sys.prefix/share/jupyter`` are still found and
  checked), dying with the pytest process.
- :func:`launch_chromium`: Debian's ``chromium`` driven by Playwright.
- :class:`LabPages`: one browser context and one JupyterLab page reused from test to test
  (a fresh page costs ~3 s, reusing one ~1 s); console messages and page errors of the
  page are recorded.
- :class:`NotebookFactory`: what the ``notebook`` fixture returns. Each call writes a
  notebook in its own folder, opens it, waits for its kernel and runs all its cells. At the
  end of the test it closes every notebook it opened, shuts their kernels down and fails
  the test if the page logged a console error or threw an uncaught exception.
- :class:`Notebook`: the handle a test works with (``page``, ``panel``, ``kernel()``,
  ``wait_kernel()``, ``save()``, ``saved_json()``, ``screenshot()``...).

The rules behind the design are in /work/shared/reference/testing-widgets.md.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labpanels.demo import processes

__all__ = [
    "CHROMIUM_ARGS",
    "DEFAULT_LAB_SETTINGS",
    "DISABLED_EXTENSIONS",
    "IGNORED_CONSOLE_ERRORS",
    "KERNEL_ENV_FILE",
    "SCREENSHOTS",
    "CellError",
    "ConsoleEntry",
    "KernelError",
    "LabPages",
    "LabServer",
    "Notebook",
    "NotebookFactory",
    "launch_chromium",
    "markdown",
    "page_eval",
]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

#: Console errors that JupyterLab itself logs in normal operation, as (regex, why it is
#: harmless). Anything else logged with ``console.error`` or thrown uncaught fails the test.
#: Keep this list short and explain every entry; a test that provokes an error on purpose
#: uses ``notebook.ignore_console_errors(regex)`` instead.
IGNORED_CONSOLE_ERRORS: list[tuple[str, str]] = []

#: Settings written to the isolated user-settings folder before JupyterLab starts.
DEFAULT_LAB_SETTINGS: dict[str, dict[str, Any]] = {
    # Widget state is saved into the notebook's metadata on save, as a user who turned this
    # on would have it: tests check that no secret ends up there.
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
    # Every cell stays rendered in the DOM (the default, "contentVisibility", skips painting
    # cells out of view, which makes visibility checks and screenshots depend on scrolling).
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    # Files change on disk only when a test saves them.
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    # No news and no update checks (no internet here, and no pop-ups in screenshots).
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
}

#: Front-end extensions turned off in the isolated ``labconfig/page_config.json``, with why.
DISABLED_EXTENSIONS: dict[str, str] = {
    # On every kernel start the debugger asks the kernel for its debug state; when a test
    # closes its notebook within a second, the request is cancelled and the page logs
    # "Could not restore the debugger state: Canceled future for debug_request message".
    "@jupyterlab/debugger-extension": "console error on a quick notebook close",
}

#: The front-end plugins that must be active in every page (checked once per page).
REQUIRED_PLUGINS = ("@jupyter-widgets/jupyterlab-manager:plugin", "anywidget:plugin")
#: The prebuilt federated extensions the server must offer (checked once per server).
REQUIRED_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "anywidget")

#: Per-notebook kernel environment: the harness writes this file next to the notebook and
#: an IPython startup file of the isolated IPYTHONDIR applies it (kernels start in the
#: notebook's folder) before the first cell runs.
KERNEL_ENV_FILE = ".labpanels-kernel-env.json"
_KERNEL_ENV_STARTUP = f'''\
"""labpanels browser tests: apply the environment the harness wrote for this notebook."""
import json as _lp_json
import os as _lp_os

if _lp_os.path.exists({KERNEL_ENV_FILE!r}):
    with open({KERNEL_ENV_FILE!r}, encoding="utf-8") as _lp_fh:
        _lp_os.environ.update(_lp_json.load(_lp_fh))
    del _lp_fh
del _lp_json, _lp_os
'''

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _slug(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return slug[:limit] or "x"


class KernelError(AssertionError):
    """Code run with :meth:`Notebook.kernel` raised in the kernel."""


class CellError(AssertionError):
    """A notebook cell raised while the harness ran all cells."""


# --------------------------------------------------------------------------------------
# the server


@dataclass
class LabServer:
    """A running ``jupyter lab``; :meth:`start` it, :meth:`stop` it."""

    proc: subprocess.Popen
    port: int
    token: str
    folder: Path
    root: Path
    log: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        folder: Path,
        env: Mapping[str, str] | None = None,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        disabled: Iterable[str] | None = None,
        timeout: float = 90.0,
    ) -> LabServer:
        """Start JupyterLab with everything under ``folder``; notebooks go to ``folder/root``.

        ``env`` is added to the server's environment, and so to every kernel's.
        ``settings`` maps plugin ids to user settings (``DEFAULT_LAB_SETTINGS`` if None);
        ``disabled`` lists front-end extensions or plugins to turn off (``DISABLED_EXTENSIONS``
        if None).
        """
        folder = Path(folder)
        dirs = {
            name: folder / name
            for name in ("root", "config", "data", "runtime", "settings", "workspaces", "ipython")
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        for plugin, values in (DEFAULT_LAB_SETTINGS if settings is None else settings).items():
            package, _, name = plugin.partition(":")
            target = dirs["settings"] / package / f"{name}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values, indent=2), encoding="utf-8")
        labconfig = dirs["config"] / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        off = DISABLED_EXTENSIONS if disabled is None else disabled
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {name: True for name in off}}), encoding="utf-8"
        )
        startup = dirs["ipython"] / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-labpanels-kernel-env.py").write_text(_KERNEL_ENV_STARTUP, encoding="utf-8")

        full_env = {
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "IPYTHONDIR": str(dirs["ipython"]),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log = folder / "jupyterlab.log"
        last_error: Exception | None = None
        for _attempt in range(3):  # a free port can be taken between free_port() and bind()
            port = processes.free_port()
            token = secrets.token_hex(16)
            cmd = [
                sys.executable, "-m", "jupyter", "lab", "--no-browser",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={dirs['root']}",
                f"--LabApp.user_settings_dir={dirs['settings']}",
                f"--LabApp.workspaces_dir={dirs['workspaces']}",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.expose_app_in_browser=True",
                # widget messages without the ~40 ms delayed-ACK wait (labpanels.jupyter_nodelay)
                "--ServerApp.jpserver_extensions={'labpanels.jupyter_nodelay': True}",
            ]  # fmt: skip
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--ServerApp.allow_root=True")
            proc = processes.spawn(cmd, log=log, env=full_env)
            server = cls(proc, port, token, folder, dirs["root"], log, dict(env or {}))
            try:
                server._wait_ready(timeout)
            except Exception as exc:  # retried, then re-raised
                processes.stop(proc)
                last_error = exc
                continue
            server._check_extensions()
            return server
        raise RuntimeError(f"JupyterLab did not start: {last_error}\n{_tail(log)}")

    def _wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}")
            return processes.port_open(self.port) and "version" in self.api("GET", "/api")

        deadline = time.monotonic() + timeout
        while not _quiet(ready):
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"JupyterLab not ready within {timeout:g} s")
            time.sleep(0.1)

    def _check_extensions(self) -> None:
        html = self.request("GET", "/lab").decode()
        match = re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
        )
        config = json.loads(match.group(1)) if match else {}
        found = {ext.get("name") for ext in config.get("federated_extensions", [])}
        missing = [name for name in REQUIRED_EXTENSIONS if name not in found]
        if missing:
            raise RuntimeError(
                f"JupyterLab does not offer the prebuilt extensions {missing}"
                f" (found {sorted(found)}): are ipywidgets and anywidget installed in {sys.prefix}?"
            )

    def request(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the server's REST API (``/api/...``) with the token; JSON in and out."""
        raw = self.request(method, path, body, timeout)
        return json.loads(raw) if raw.strip() else None

    def shutdown_kernels(self) -> None:
        """Delete every session and kernel the server knows (between tests, and at the end)."""
        for session in self.api("GET", "/api/sessions"):
            _quiet(lambda s=session: self.api("DELETE", f"/api/sessions/{s['id']}"))
        for kernel in self.api("GET", "/api/kernels"):
            _quiet(lambda k=kernel: self.api("DELETE", f"/api/kernels/{k['id']}"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            _quiet(self.shutdown_kernels)
        processes.stop(self.proc)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log, lines)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def _quiet(call) -> Any:
    try:
        return call()
    except (OSError, ValueError, urllib.error.URLError):
        return None


# --------------------------------------------------------------------------------------
# the browser


def launch_chromium(playwright, executable: str | None = None):
    """Launch Debian's headless chromium; fail (not skip) with a clear message if absent."""
    executable = executable or shutil.which("chromium")
    if not executable:
        raise RuntimeError(
            "the browser tests need Debian's chromium, which is not installed: `.ci/run` installs"
            " it (`apt-get install chromium`); `playwright install` does not work here"
        )
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


@dataclass
class ConsoleEntry:
    """One console message or uncaught page error."""

    kind: str  # a console message type ("error", "warning", "log"...), "pageerror" or "crash"
    text: str
    location: str = ""
    when: float = field(default_factory=time.monotonic)

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"[{self.kind}] {self.text}{where}"

    @property
    def is_error(self) -> bool:
        return self.kind in ("error", "pageerror", "crash")


# The prelude of every script run in the page: `app`, `find(path)` and a timeout on the whole.
_JS_TEMPLATE = """async ([args, ms]) => {
  const app = window.jupyterapp;
  if (!app) throw new Error('window.jupyterapp is missing: not a JupyterLab page');
  const find = (path) => {
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path) return w;
    }
    return null;
  };
  const work = (async () => { %s })();
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`page script timed out after ${ms} ms`)), ms);
  });
  try { return await Promise.race([work, limit]); } finally { clearTimeout(timer); }
}"""


def page_eval(page, body: str, args: Any = None, timeout: float = 10.0) -> Any:
    """Run the async JS function body ``body`` in ``page`` with a timeout.

    In scope: ``app`` (``window.jupyterapp``), ``find(path)`` (the open document widget of
    that server path, or null) and ``args``. Return plain JSON values, never Lumino objects.
    """
    return page.evaluate(_JS_TEMPLATE % body, [args, int(timeout * 1000)])


class LabPages:
    """The browser context of a session, and the JupyterLab page that tests reuse."""

    def __init__(self, browser, server: LabServer) -> None:
        self.browser = browser
        self.server = server
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            device_scale_factor=1,
            reduced_motion="reduce",
            locale="en-US",
            timezone_id="UTC",
        )
        self.context.set_default_timeout(15_000)
        self.page = None
        self.log: list[ConsoleEntry] = []
        self._count = 0
        self.fresh_pages = 0  #: pages loaded so far
        #: notebooks opened in the current page; it is replaced after ``reuse_limit`` of them
        #: (a bound on whatever a long-lived page accumulates)
        self.uses = 0
        self.reuse_limit = 50

    def usable(self) -> bool:
        """True when the next notebook can open in the current page."""
        if self.page is None or self.page.is_closed() or self.uses >= self.reuse_limit:
            return False
        try:
            return bool(self.page.evaluate("() => !!window.jupyterapp"))
        except Exception:  # a crashed or navigating page
            return False

    def open_fresh(self, notebook_path: str, timeout: float = 60.0):
        """Close the current page and load JupyterLab in a unique workspace, on a notebook."""
        self.discard()
        self._count += 1
        workspace = f"t{os.getpid()}-{self._count}-{secrets.token_hex(3)}"
        page = self.context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        page.on("crash", lambda _page: self.log.append(ConsoleEntry("crash", "the page crashed")))
        self.page = page
        self.fresh_pages += 1
        self.uses = 0
        quoted = urllib.request.pathname2url(notebook_path)
        page.goto(
            f"{self.server.url}/lab/workspaces/{workspace}/tree/{quoted}?token={self.server.token}",
            wait_until="domcontentloaded",
            timeout=timeout * 1000,
        )
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout * 1000)
        inactive = page_eval(
            page,
            """
            await app.restored;
            app.shell.collapseLeft();
            return args.filter((id) => !app.isPluginActivated(id));
            """,
            list(REQUIRED_PLUGINS),
            timeout=timeout,
        )
        if inactive:
            raise AssertionError(f"JupyterLab plugins not active in the page: {inactive}")
        return page

    def discard(self) -> None:
        if self.page is not None and not self.page.is_closed():
            with contextlib.suppress(Exception):  # already gone
                self.page.close()
        self.page = None

    def close(self) -> None:
        self.discard()
        with contextlib.suppress(Exception):  # the browser may be gone already
            self.context.close()

    def _on_console(self, msg) -> None:
        loc = msg.location or {}
        where = loc.get("url", "")
        if where and loc.get("lineNumber") is not None:
            where = f"{where}:{loc['lineNumber']}"
        self.log.append(ConsoleEntry(msg.type, msg.text, where))

    def _on_pageerror(self, error) -> None:
        text = getattr(error, "stack", None) or str(error)
        self.log.append(ConsoleEntry("pageerror", text))


# --------------------------------------------------------------------------------------
# notebooks


def markdown(source: str) -> dict:
    """A markdown cell, to put in ``notebook(cells=[...])`` next to code strings."""
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _notebook_json(cells: Iterable[str | Mapping[str, Any]], metadata: Mapping | None) -> dict:
    out = []
    for cell in cells:
        if isinstance(cell, str):
            cell = {
                "cell_type": "code", "execution_count": None, "metadata": {},
                "outputs": [], "source": cell,
            }  # fmt: skip
        out.append(dict(cell))
    meta = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    meta.update(metadata or {})
    return {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


class Notebook:
    """An open, run notebook in the shared JupyterLab page."""

    def __init__(self, factory: NotebookFactory, path: str, file: Path, panel_id: str) -> None:
        self._factory = factory
        self.path = path  #: the notebook's path on the server (relative to its root)
        self.file = file  #: the notebook's file on disk
        self.panel_id = panel_id
        self.page = factory.pages.page
        #: The notebook's panel; scope every locator to it (hidden tabs stay in the DOM).
        self.panel = self.page.locator(f'[id="{panel_id}"]')
        #: What the last :meth:`run_all` found, per code cell: index, source, count, errors.
        self.cell_results: list[dict] = []

    def __repr__(self) -> str:
        return f"<Notebook {self.path}>"

    # -- the DOM ---------------------------------------------------------------------------

    def cell(self, index: int):
        """Locator of the ``index``-th cell (any type) of this notebook."""
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(index)

    def output(self, index: int):
        """Locator of the output area of the ``index``-th cell."""
        return self.cell(index).locator(".jp-OutputArea")

    def evaluate(self, body: str, args: Any = None, timeout: float = 10.0) -> Any:
        """Run an async JS function body in the page (``app``, ``panel``, ``args`` in scope)."""
        return page_eval(
            self.page,
            "const panel = find(args.path);"
            "if (!panel) throw new Error(`notebook ${args.path} is not open`);"
            f"return await (async (args) => {{ {body} }})(args.args);",
            {"path": self.path, "args": args},
            timeout,
        )

    def screenshot(self, name: str, locator=None) -> Path:
        """Write ``tests/artifacts/screenshots/<name>.png`` (the page, or just ``locator``)."""
        return _screenshot(self.page, name, locator)

    # -- the kernel ------------------------------------------------------------------------

    def kernel(self, code: str, timeout: float = 30.0, stderr: bool = False) -> str:
        """Run ``code`` in this notebook's kernel; return what it printed (and displayed).

        Returns stdout followed by the ``text/plain`` of results and displays, with trailing
        newlines removed (``stderr=True`` adds stderr). Raises :class:`KernelError` if the code
        raised. Cells of the notebook do not see this code's output.
        """
        try:
            out = page_eval(self.page, _KERNEL_EXECUTE, {"path": self.path, "code": code}, timeout)
        except Exception as exc:
            if "timed out" in str(exc):
                raise TimeoutError(
                    f"the kernel did not answer within {timeout:g} s (busy?) running:\n{code}"
                ) from None
            raise
        if out["error"]:
            err = out["error"]
            trace = _strip_ansi("\n".join(err.get("traceback") or []))
            raise KernelError(f"{err['ename']}: {err['evalue']}\nrunning:\n{code}\n{trace}")
        text = out["stdout"] + (out["stderr"] if stderr else "") + "".join(out["results"])
        return text.rstrip("\n")

    def wait_kernel(
        self, code: str, expected: Any, timeout: float = 15.0, interval: float = 0.15
    ) -> str:
        """Poll ``kernel(code)`` until its output, stripped, equals ``str(expected)``.

        The kernel lags the browser (ipywidgets buffers updates while one is in flight), so
        check kernel-side state after clicks with this, never with a single ``kernel()``.
        Errors in ``code`` are raised at once.
        """
        want = str(expected).strip()
        deadline = time.monotonic() + timeout
        while True:
            left = max(deadline - time.monotonic(), 1.0)
            got = self.kernel(code, timeout=left).strip()
            if got == want:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"kernel state not reached within {timeout:g} s: {code!r} printed {got!r},"
                    f" expected {want!r}"
                )
            time.sleep(interval)

    def kernel_status(self) -> str:
        return self.evaluate("return panel.sessionContext.session?.kernel?.status ?? 'none';")

    def run_all(self, timeout: float = 60.0, allow_errors: bool = False) -> list[dict]:
        """Run all cells (``notebook:run-all-cells``) and check that every code cell ran.

        Returns one dict per code cell (``index``, ``count``, ``errors``). Raises
        :class:`CellError` if a cell raised (unless ``allow_errors``).
        """
        self._activate()
        result = self.evaluate(_RUN_ALL, None, timeout)
        self.cell_results = result["cells"]
        failed = [cell for cell in result["cells"] if cell["errors"]]
        if failed and not allow_errors:
            cell = failed[0]
            err = cell["errors"][0]
            trace = _strip_ansi("\n".join(err.get("traceback") or []))
            raise CellError(
                f"cell {cell['index']} of {self.path} raised {err['ename']}: {err['evalue']}\n"
                f"{cell['source']}\n{trace}"
            )
        if not failed:
            missing = [
                c["index"] for c in result["cells"] if c["source"].strip() and not c["count"]
            ]
            if missing:
                raise AssertionError(
                    f"run-all did not run cells {missing} of {self.path} (result: {result})"
                )
        return result["cells"]

    def _activate(self, timeout: float = 30.0) -> None:
        """Make this notebook the current widget, with an idle kernel and run-all enabled."""
        self.evaluate("app.shell.activateById(panel.id); return true;")
        try:
            self.page.wait_for_function(
                _READY_PREDICATE, arg=self.path, timeout=timeout * 1000, polling=50
            )
        except Exception as exc:
            state = self.evaluate(_READY_STATE)
            raise TimeoutError(f"notebook {self.path} not ready to run: {state}") from exc

    # -- the file --------------------------------------------------------------------------

    def save(self, timeout: float = 20.0) -> None:
        """Save the notebook (widget state included) and wait for the server to write it."""
        self.evaluate(
            "await panel.context.ready; await panel.context.save();"
            "if (panel.context.model.dirty) throw new Error('still dirty after save');"
            "return true;",
            None,
            timeout,
        )

    def saved_json(self) -> dict:
        """The notebook as saved on disk."""
        return json.loads(self.file.read_text(encoding="utf-8"))

    # -- the console -----------------------------------------------------------------------

    def console_errors(self) -> list[ConsoleEntry]:
        """Console errors and page errors of this test so far, minus the ignored ones."""
        return self._factory.console_errors()

    def assert_no_console_errors(self) -> None:
        self._factory.assert_no_console_errors()

    def close(self, timeout: float = 15.0) -> None:
        """Shut the kernel down and close the panel (done for you at the end of the test)."""
        if not self.page.is_closed():
            page_eval(self.page, _CLOSE, self.path, timeout)


_KERNEL_EXECUTE = """
const panel = find(args.path);
if (!panel) throw new Error(`notebook ${args.path} is not open`);
await panel.sessionContext.ready;
const kernel = panel.sessionContext.session?.kernel;
if (!kernel) throw new Error(`notebook ${args.path} has no kernel`);
const out = {stdout: '', stderr: '', results: [], error: null};
const future = kernel.requestExecute(
  {code: args.code, silent: false, store_history: false, allow_stdin: false,
   stop_on_error: false},
  true,
);
future.onIOPub = (msg) => {
  const type = msg.header.msg_type;
  const c = msg.content;
  if (type === 'stream') out[c.name === 'stderr' ? 'stderr' : 'stdout'] += c.text;
  else if (type === 'execute_result' || type === 'display_data') {
    const text = c.data && c.data['text/plain'];
    if (text !== undefined) out.results.push(text + '\\n');
  } else if (type === 'error') {
    out.error = {ename: c.ename, evalue: c.evalue, traceback: c.traceback};
  }
};
const reply = await future.done;
if (reply.content.status === 'error' && !out.error) {
  const c = reply.content;
  out.error = {ename: c.ename, evalue: c.evalue, traceback: c.traceback};
}
return out;
"""

_READY_PREDICATE = """(path) => {
  const app = window.jupyterapp;
  if (!app) return false;
  let panel = null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path) { panel = w; break; }
  }
  if (!panel || app.shell.currentWidget !== panel) return false;
  if (!panel.context.isReady || !panel.sessionContext.isReady) return false;
  const kernel = panel.sessionContext.session?.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected'
    && app.commands.isEnabled('notebook:run-all-cells');
}"""

_READY_STATE = """
const kernel = panel.sessionContext.session?.kernel;
return {
  current: app.shell.currentWidget === panel,
  contextReady: panel.context.isReady,
  sessionReady: panel.sessionContext.isReady,
  kernel: kernel ? kernel.status : null,
  connection: kernel ? kernel.connectionStatus : null,
  runAllEnabled: app.commands.isEnabled('notebook:run-all-cells'),
  dialogs: document.querySelectorAll('.jp-Dialog').length,
};
"""

_RUN_ALL = """
const ok = await app.commands.execute('notebook:run-all-cells');
const cells = [];
panel.content.widgets.forEach((cell, index) => {
  const model = cell.model;
  if (model.type !== 'code') return;
  const errors = model.outputs.toJSON()
    .filter((o) => o.output_type === 'error')
    .map((o) => ({ename: o.ename, evalue: o.evalue, traceback: o.traceback}));
  cells.push({index, source: model.sharedModel.getSource(), count: model.executionCount, errors});
});
return {ok, cells};
"""

_CLOSE = """
const panel = find(args);
if (!panel) return false;
panel.context.model.dirty = false;  // no "unsaved changes" dialog
if (panel.sessionContext.session) await panel.sessionContext.shutdown();
panel.close();
return true;
"""


def _screenshot(page, name: str, locator=None) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = name[:-4] if name.endswith(".png") else name
    path = SCREENSHOTS / f"{_slug(stem, 120)}.png"
    target = locator if locator is not None else page
    target.screenshot(path=str(path), animations="disabled", caret="hide")
    return path


_FOLDERS = itertools.count(1)


class NotebookFactory:
    """The ``notebook`` fixture: ``nb = notebook(cells=[...], name="x.ipynb")``."""

    def __init__(
        self,
        pages: LabPages,
        test_name: str,
        kernel_env: Mapping[str, str] | None = None,
    ) -> None:
        self.pages = pages
        self.server = pages.server
        self.test_name = _slug(test_name)
        self.kernel_env = dict(kernel_env or {})
        self.notebooks: list[Notebook] = []
        self._ignored: list[tuple[re.Pattern, str]] = [
            (re.compile(rx), why) for rx, why in IGNORED_CONSOLE_ERRORS
        ]
        self._log_start = len(pages.log)
        self.timings: dict[str, float] = {}

    @property
    def page(self):
        return self.pages.page

    def __call__(
        self,
        cells: Sequence[str | Mapping[str, Any]] = (),
        name: str = "notebook.ipynb",
        *,
        run: bool = True,
        allow_errors: bool = False,
        env: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        fresh_page: bool = False,
        timeout: float = 60.0,
    ) -> Notebook:
        """Write a notebook of ``cells``, open it, wait for its kernel, and run all cells.

        ``cells``: code strings, or cell dicts (see :func:`markdown`). ``env``: extra
        environment variables for this notebook's kernel (on top of the ``kernel_env`` and
        ``lab_env`` fixtures). ``run=False`` only opens it (the kernel is idle and run-all
        enabled). ``fresh_page=True`` loads JupyterLab anew instead of reusing the page.
        """
        started = time.monotonic()
        # one folder per notebook, unique in the session: <n>-<test name>/<name>
        folder = self.server.root / f"{next(_FOLDERS):04d}-{self.test_name}"
        folder.mkdir(parents=True)
        file = folder / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(_notebook_json(cells, metadata), indent=1), encoding="utf-8")
        kernel_env = {**self.kernel_env, **(env or {})}
        if kernel_env:
            # kernels start in the notebook's folder
            (file.parent / KERNEL_ENV_FILE).write_text(json.dumps(kernel_env), encoding="utf-8")
        path = file.relative_to(self.server.root).as_posix()

        if fresh_page or not self.pages.usable():
            self.pages.open_fresh(path, timeout=timeout)
        else:
            page_eval(
                self.page,
                "await app.commands.execute('docmanager:open', {path: args, factory: 'Notebook'});"
                "return true;",
                path,
                timeout,
            )
        self.page.wait_for_function(
            """(path) => {
              const app = window.jupyterapp;
              for (const w of app.shell.widgets('main')) {
                if (w.context && w.context.path === path) return true;
              }
              return false;
            }""",
            arg=path,
            timeout=timeout * 1000,
        )
        self.pages.uses += 1
        panel_id = page_eval(self.page, "return find(args).id;", path)
        nb = Notebook(self, path, file, panel_id)
        self.notebooks.append(nb)
        self.timings["open"] = time.monotonic() - started
        if run:
            nb.run_all(timeout=timeout, allow_errors=allow_errors)
        else:
            nb._activate(timeout)
        self.timings["ready"] = time.monotonic() - started
        return nb

    # -- console errors ------------------------------------------------------------------

    def ignore_console_errors(self, pattern: str, why: str = "expected by this test") -> None:
        """Do not fail this test for console errors matching ``pattern`` (a regex)."""
        self._ignored.append((re.compile(pattern), why))

    def console_log(self) -> list[ConsoleEntry]:
        """Every console message and page error of this test so far."""
        if self.page is not None and not self.page.is_closed():
            # console events queued before this call are delivered by it
            with contextlib.suppress(Exception):  # a crashed page
                self.page.evaluate("() => 0")
        return self.pages.log[self._log_start :]

    def console_errors(self) -> list[ConsoleEntry]:
        return [
            entry
            for entry in self.console_log()
            if entry.is_error and not any(rx.search(entry.text) for rx, _ in self._ignored)
        ]

    def assert_no_console_errors(self) -> None:
        errors = self.console_errors()
        if errors:
            listing = "\n".join(f"  {entry}" for entry in errors)
            raise AssertionError(f"{len(errors)} console error(s) in the page:\n{listing}")

    # -- the end of the test ----------------------------------------------------------------

    def finish(self, failed: bool = False) -> None:
        """Close the notebooks, stop their kernels, fail on console errors.

        The page is reused by the next test unless this test failed or left the page in
        an unknown state (open dialogs, other documents, a crash).
        """
        if failed:
            self._keep_failure_artifacts()
        clean = not failed
        if self.page is not None and not self.page.is_closed():
            for nb in self.notebooks:
                try:
                    nb.close()
                except Exception:  # the page is recycled below
                    clean = False
            try:
                state = page_eval(
                    self.page,
                    "const docs = [...app.shell.widgets('main')].filter((w) => w.context);"
                    "return {docs: docs.length,"
                    " dialogs: document.querySelectorAll('.jp-Dialog').length};",
                )
                clean = clean and state["docs"] == 0 and state["dialogs"] == 0
            except Exception:
                clean = False
        try:
            self.server.shutdown_kernels()
        except Exception:  # the server check below reports it
            clean = False
        errors = self.console_errors()
        if os.environ.get("LABPANELS_BROWSER_CONSOLE"):
            print(f"\n--- browser console of {self.test_name}")
            print("\n".join(str(entry) for entry in self.console_log()))
        if not clean or errors:
            self.pages.discard()
        if self.server.proc.poll() is not None:
            raise AssertionError(
                f"JupyterLab died during the test (exit {self.server.proc.returncode}):\n"
                f"{self.server.log_tail()}"
            )
        if errors and not failed:
            listing = "\n".join(f"  {entry}" for entry in errors)
            raise AssertionError(f"{len(errors)} console error(s) in the page:\n{listing}")

    def _keep_failure_artifacts(self) -> None:
        """After a failure: ``FAILED-<test>.png`` and ``FAILED-<test>.console.txt``."""
        stem = f"FAILED-{self.test_name}"
        if self.page is not None and not self.page.is_closed():
            with contextlib.suppress(Exception):  # best effort
                _screenshot(self.page, stem)
        try:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / f"{stem}.console.txt").write_text(
                "\n".join(str(entry) for entry in self.console_log()) + "\n", encoding="utf-8"
            )
        except OSError:
            pass
