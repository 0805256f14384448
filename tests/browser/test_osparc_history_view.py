"""The o²S²PARC job history and study runner clicked through in a real browser against the
local emulator: list a solver's past jobs, filter them, re-open one (its outputs and log),
re-run it; then pick a study, give it an input, run it to its outputs and step logs."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

pytestmark = pytest.mark.browser

NARROW = (
    "const root = panel.node.querySelector(args);"
    "root.style.width = '360px';"
    "await new Promise((r) => requestAnimationFrame(() => r()));"
    "const edge = root.getBoundingClientRect().right + 1;"
    "const wide = [...root.querySelectorAll('*')].filter((e) => "
    "!e.closest('.lp-grid-scroll, option, select, .lp-visually-hidden') && "
    "e.getClientRects().length && "
    "(e.getBoundingClientRect().right > edge || (e.matches('label, button') && "
    "e.scrollWidth > e.clientWidth + 1))).map((e) => e.outerHTML.slice(0, 80));"
    "root.style.width = '';"
    "return wide;"
)


def test_job_history_reopens_and_reruns_and_a_study_runs(notebook, emulator):
    key, secret = emulator.credentials
    nb = notebook([
        "from labpanels import OsparcSession\n"
        "from labpanels.widgets import OsparcJobHistory, OsparcStudyRunner\n"
        "import ipywidgets as w\n"
        "osparc = OsparcSession()  # host, key and secret from OSPARC_API_* variables\n"
        "osparc.select_solver('simcore/services/comp/itis/sleeper', '2.0.2')\n"
        "history, runner = OsparcJobHistory(osparc), OsparcStudyRunner(osparc)\n"
        "w.VBox([history, runner])",
    ], name="osparc-history.ipynb", env={"OSPARC_API_HOST": emulator.osparc_url,
                                         "OSPARC_API_KEY": key, "OSPARC_API_SECRET": secret})
    panel = nb.panel
    view = panel.locator(".lp-osparc-history")
    grid = view.get_by_role("grid", name="Past jobs")
    expect(grid.locator(".lp-grid-row", has_text="FAILED").first).to_be_visible(timeout=20_000)
    expect(grid.locator(".lp-grid-row", has_text="d ago").first).to_be_visible()  # human times
    # filter by state with the keyboard-reachable select
    view.get_by_label("State").select_option("FAILED")
    nb.wait_kernel("print(history.state_filter)", "FAILED")
    expect(grid.locator(".lp-grid-row")).to_have_count(int(nb.kernel(
        "print(history.counts['FAILED'])")))
    expect(grid.locator(".lp-grid-row").first).to_contain_text("Failing after sleep")
    view.get_by_label("State").select_option("")
    nb.wait_kernel("print(history.state_filter == '')", "True")
    # re-open a past job that succeeded: Enter on its row
    past = nb.kernel("print(next(j['id'] for j in osparc.history if j['state'] == 'SUCCESS'))")
    row = grid.locator(f".lp-grid-row[data-key='{past}']")
    row.focus()
    row.press("Enter")
    nb.wait_kernel("print(history.shown_id, history.shown_state)", f"{past} SUCCESS", timeout=20)
    nb.wait_kernel("print(bool(history.log_rows))", "True", timeout=20)
    expect(view.get_by_role("grid", name="Job outputs").locator(
        ".lp-grid-row", has_text="single_number.txt")).to_be_visible()
    expect(view.get_by_role("log", name="Job log")).to_contain_text("Service finished successfully")
    expect(view.locator(".lp-jd-inputs")).to_contain_text("history-number.txt")
    assert nb.kernel("print(osparc.job['id'])") == past  # every panel shows the job re-opened
    nb.screenshot("osparc-job-history", view)
    view.get_by_role("button", name="Re-run with the same inputs").click()
    nb.wait_kernel(f"print(history.shown_id != {past!r} and history.shown_state)", "SUCCESS",
                   timeout=60)
    rerun = nb.kernel("print(history.shown_id)")
    expect(grid.locator(f".lp-grid-row[data-key='{rerun}']")).to_contain_text("SUCCESS")
    assert nb.evaluate(NARROW, ".lp-osparc-history", timeout=10) == []

    # a study: choose it, give an input, run it
    studies = panel.locator(".lp-osparc-studies")
    choice = studies.get_by_role("grid", name="Studies").locator(
        ".lp-grid-row", has_text="Two sleepers in a row")
    choice.click()
    nb.wait_kernel("print(osparc.study['title'])", "Two sleepers in a row")
    interval = studies.get_by_label("Sleep interval")
    expect(interval).to_have_value("2")
    interval.fill("0")
    studies.get_by_role("button", name="Run", exact=True).click()
    nb.wait_kernel("print(runner.shown_state)", "SUCCESS", timeout=60)
    nb.wait_kernel("print(bool(runner.log_rows))", "True", timeout=20)
    expect(studies.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(studies.get_by_role("grid", name="Run outputs").locator(
        ".lp-grid-row", has_text="Random number")).to_be_visible()
    expect(studies.get_by_role("log", name="Run log")).to_contain_text(
        "sleeper 2 finished successfully")
    expect(studies.locator(".lp-jd-inputs")).to_contain_text("Sleep interval")
    inputs = json.loads(nb.kernel("import json; print(json.dumps(osparc.job['inputs']))"))
    assert inputs["Sleep interval"] == 0
    nb.screenshot("osparc-study", studies)
    assert nb.evaluate(NARROW, ".lp-osparc-studies", timeout=10) == []
