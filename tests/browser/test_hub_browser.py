"""A class on one machine, in the browser.

- ``labpanels hub --learners 3`` as a subprocess: learner02 logs in through the hub's
  login page, opens notebook 1, runs its first cell, logs in to vantage6 in the panel and
  runs a task; the instructor's view (on the platform's root account) then shows learner02
  with one task; SIGINT to the command leaves no process of all it started (checked by the
  pids and process groups recorded while it ran).
- The instructor's view drawn in JupyterLab: sorted by a header, "Stuck only" with the
  keyboard, a learner's failure and why, 360 px, contrast in light and dark.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import expect

from labpanels.demo import processes
from labpanels.demo.scenario import ROOT_PASSWORD
from labpanels.vantage6 import Vantage6Session
from labpanels.widgets import InstructorView
from tests.waiting import until

from .flows import Researcher, vantage6_flow
from .test_a11y_contrast import CONTRAST, THEME
from .test_narrow import OFFENDERS

pytestmark = pytest.mark.browser

LEARNER = "learner02"


def _need_hub_tools() -> None:
    """Fail (not skip) with what to install, as the browser tests do for chromium."""
    if importlib.util.find_spec("jupyterhub") is None:
        pytest.fail("the hub test needs JupyterHub: pip install -e '.[hub]' (or add "
                    "labpanels[hub] to the test extra)")
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail("the hub test needs Node.js and npm (configurable-http-proxy)")


def _start_hub(folder: Path, learners: int) -> tuple[subprocess.Popen, dict, Path]:
    info_file = folder / "hub.json"
    log = folder / "hub.log"
    cmd = [sys.executable, "-m", "labpanels.cli", "hub", "--learners", str(learners),
           "--port", str(processes.free_port()), "--folder", str(folder / "class"),
           "--info", str(info_file)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            proc.wait(60)
            pytest.fail(f"labpanels hub did not get ready:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    return proc, json.loads(info_file.read_text()), log


def _descendants(pid: int) -> list[tuple[int, float, int, str]]:
    """(pid, start time, process group, command) of every descendant of ``pid``."""
    found = []
    for proc in psutil.Process(pid).children(recursive=True):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            found.append((proc.pid, proc.create_time(), os.getpgid(proc.pid),
                          " ".join(proc.cmdline())[:160]))
    return found


def _still_running(recorded: list[tuple[int, float, int, str]]) -> list[str]:
    left = []
    for pid, started, _group, cmd in recorded:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc = psutil.Process(pid)
            if proc.create_time() == started and proc.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{pid} {cmd}")
    groups = {group for *_, group, _cmd in recorded}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) in groups and proc.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{proc.pid} (group {os.getpgid(proc.pid)}) "
                            f"{' '.join(proc.info['cmdline'] or [])[:160]}")
    return left


def _open_notebook_one(page, hub: dict) -> None:
    """Log in as learner02 on the hub's page and run notebook 1's first code cell."""
    page.goto(f"{hub['local_url']}hub/login", wait_until="domcontentloaded")
    page.locator("#username_input").fill(LEARNER)
    page.locator("#password_input").fill(hub["password"])
    page.locator("#login_submit").click()
    page.wait_for_url(f"**/user/{LEARNER}/lab**", timeout=180_000)  # spawned, redirected
    page.goto(f"{hub['local_url']}user/{LEARNER}/lab/tree/1-vantage6-by-clicking.ipynb",
              wait_until="domcontentloaded")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    first_code = notebook.locator(".jp-CodeCell").first
    expect(first_code).to_be_visible(timeout=120_000)
    expect(page.get_by_role("button", name=re.compile(r"Python 3 .*\| Idle"))
           ).to_be_visible(timeout=120_000)  # the kernel is up
    first_code.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(page.locator(".lp-dashboard").first).to_be_visible(timeout=120_000)


@pytest.mark.platform
def test_a_class_on_one_hub(browser, tmp_path):
    _need_hub_tools()
    proc, info, log = _start_hub(tmp_path, learners=3)
    recorded: list = []
    try:
        hub, v6 = info["hub"], info["vantage6"]
        assert hub["learners"] == ["learner01", "learner02", "learner03"]
        # learner02's own connection: their account, neither root's nor other learners'
        mine = json.loads((Path(hub["homes"]) / LEARNER / ".labpanels" / "demo.json")
                          .read_text())
        assert mine["learner"] == LEARNER and LEARNER in mine["vantage6"]["users"]
        assert not {"root", "learner01", "learner03"} & set(mine["vantage6"]["users"])

        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="en-US", timezone_id="UTC")
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            _open_notebook_one(page, hub)
            organizations = tuple(v6["collaborations"]["PhY-research"]["organizations"])
            vantage6_flow(page, Researcher(LEARNER, v6["users"][LEARNER]["password"],
                                           organizations))
            recorded = _descendants(proc.pid)  # the learner's server and kernel included
        finally:
            context.close()
        commands = " ".join(cmd for *_, cmd in recorded)
        assert "jupyterhub.singleuser" in commands and "ipykernel" in commands, commands
        assert "configurable-http-proxy" in commands, commands

        admin = Vantage6Session(v6["url"])
        admin.login("root", ROOT_PASSWORD)
        view = InstructorView(admin)
        try:
            until(lambda: (view.row(LEARNER) or {}).get("tasks") == 1
                  and view.row(LEARNER)["running"] == 0, 60, "learner02 with one task")
            row = view.row(LEARNER)
            assert row["seen"] and row["failed"] == 0 and not row["stuck"]
            assert {r["learner"] for r in view.rows} == set(hub["learners"])
            assert view.row("learner01")["reason"] == "not logged in yet"
        finally:
            view.close()
            admin.close()
    finally:
        if not recorded and proc.poll() is None:
            recorded = _descendants(proc.pid)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)  # Ctrl-C, to the command alone
        try:
            code = proc.wait(90)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert code == 0, log.read_text()[-3000:]
    assert "Everything stopped." in log.read_text()
    left = _still_running(recorded)
    assert not left, "\n".join(left)


def _learners(platform, v6, prefix: str, password: str) -> None:
    with platform.root_http() as root:
        roles = {r["name"]: r["id"] for r in root.get("role", params={"per_page": 100})["data"]}
        for name in ("a", "b", "c"):
            root.post("user", json={
                "username": prefix + name, "password": password, "firstname": "Learner",
                "lastname": name, "email": f"{prefix}{name}@labpanels.example.org",
                "organization_id": v6["organizations"]["PhY24-consortium"]["id"],
                "roles": [roles["Researcher"]]})


@pytest.mark.platform
def test_instructor_view_in_jupyterlab(notebook, platform, v6):
    prefix, password = f"iv{secrets.token_hex(2)}-", "Instructor-view-1!"
    _learners(platform, v6, prefix, password)
    learner = Vantage6Session(v6["url"], live=False)  # a: one task that failed
    learner.login(prefix + "a", password)
    learner.select("PhY-research")
    failed = learner.create_task("harbor2.vantage6.ai/demo/average", "partial_average",
                                 kwargs={"column_name": "sex"})
    learner.wait(failed, timeout=120)
    learner.close()
    other = Vantage6Session(v6["url"], live=False)  # b: logged in, nothing run
    other.login(prefix + "b", password)
    other.close()

    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import InstructorView\n"
        f"admin = Vantage6Session({v6['url']!r})\n"
        f"admin.login('root', {ROOT_PASSWORD!r})\n"
        f"view = InstructorView(admin, prefix={prefix!r})\n"
        "view",
    ], name="instructor.ipynb")
    panel = nb.output(0).locator(".lp-instructor")
    rows = panel.locator(".lp-grid-row")
    expect(rows).to_have_count(3, timeout=30_000)
    expect(panel.locator(".lp-instr-summary")).to_have_text(
        "3 learners: 2 logged in, 1 task, 1 failed; 2 stuck")
    expect(panel.locator(".lp-grid-row.lp-instr-row-stuck")).to_have_count(2)

    # sort by Failed (header button), most first
    header = panel.get_by_role("button", name="Failed")
    header.click()
    header.click()
    nb.wait_kernel("print(view.sort_by, view.sort_desc)", "failed True")
    expect(rows.first).to_contain_text(prefix + "a")

    # Stuck only, with the keyboard
    stuck = panel.get_by_label("Stuck only")
    stuck.focus()
    nb.page.keyboard.press("Space")
    nb.wait_kernel("print(view.stuck_only)", "True")
    expect(rows).to_have_count(2)
    expect(panel.locator(".lp-grid-row", has_text=prefix + "b")).to_have_count(0)

    # choose a learner with the keyboard: their failure and why
    panel.get_by_role("grid", name="Learners").locator(".lp-grid-row").first.focus()
    nb.page.keyboard.press("Enter")
    nb.wait_kernel("print(view.selected)", prefix + "a")
    detail = panel.locator(".lp-instr-detail")
    expect(detail.locator(".lp-instr-failure")).to_have_count(4, timeout=20_000)
    expect(detail.locator(".lp-instr-failure-error").first).to_contain_text(
        "'sex' does not hold numbers")
    nb.screenshot("instructor-view", panel)

    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            assert nb.evaluate(THEME, theme, timeout=20) == theme
            measured = [m for m in nb.evaluate(CONTRAST, timeout=20)
                        if "lp-instr" in m["cls"] or "lp-grid" in m["cls"]
                        or "lp-status" in m["cls"]]
            assert len(measured) >= 10, measured
            bad = [m for m in measured if m["ratio"] < 4.5]
            assert not bad, f"{theme}: {bad}"
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)

    nb.evaluate(
        "for (const o of panel.node.querySelectorAll('.jp-OutputArea-output')) {"
        "  o.style.width = '360px'; o.style.maxWidth = '360px'; o.style.flex = '0 0 auto'; }"
        "await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));"
        "return 0;")
    found = nb.evaluate(OFFENDERS, {"width": 360}, timeout=30)
    assert found["roots"] >= 1 and not found["out"], found["out"]
    nb.kernel("view.close(); admin.close()")
