"""The o²S²PARC job history and study runner clicked through in a real browser against the
local emulator: list a solver's past jobs, filter them, re-open one (its outputs and log),
re-run it; then pick a study, give it an input, run it to its outputs and step logs. Then,
measured in the page: the progress bars' fill against its track and the panel in light and
dark (WCAG 1.4.11, 3:1), and the JobBuilder's selects at 360 px (none cuts its choice)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

from .test_a11y_contrast import COLOURS, THEME

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

#: every progress bar of the o²S²PARC panels (a progressbar whose first child is its fill),
#: in every state kind: the contrast of the fill against the track and against the panel
BARS = COLOURS + """
const out = [];
const tracks = panel.node.querySelectorAll(
  ".lp-osparc-progress [role=progressbar], .lp-osparc-studies [role=progressbar]");
for (const track of tracks) {
  const fill = track.firstElementChild;
  const was = track.dataset.statusKind;
  for (const kind of ["ok", "error", "running", "waiting", "idle"]) {
    track.dataset.statusKind = kind;
    const colour = background(fill);
    out.push({ panel: track.closest(".lp-theme").className, kind,
               fill: colour.slice(0, 3).map(Math.round),
               track: ratio(colour, background(track)),
               panel_bg: ratio(colour, background(track.parentElement)) });
  }
  if (was === undefined) delete track.dataset.statusKind; else track.dataset.statusKind = was;
}
return out;
"""

#: the panels' selects at 360 px whose chosen option does not fit (its text is cut): each
#: one's width against the width the same select needs to show its chosen option whole
CUT_SELECTS = """
const cut = [];
const roots = [...panel.node.querySelectorAll(args)];
for (const root of roots) root.style.width = '360px';
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
for (const root of roots) {
  for (const select of root.querySelectorAll('select')) {
    const chosen = select.selectedOptions[0];
    if (!chosen || !select.getClientRects().length) continue;
    const probe = select.cloneNode(false);
    probe.removeAttribute('id');
    probe.append(chosen.cloneNode(true));
    probe.style.cssText = 'position: absolute; visibility: hidden; width: auto; '
      + 'min-width: 0; max-width: none; flex: none';
    select.parentElement.append(probe);
    const need = probe.getBoundingClientRect().width;
    probe.remove();
    const width = select.getBoundingClientRect().width;
    if (need > width + 1) cut.push({ root: root.className, text: chosen.textContent, width, need });
  }
}
for (const root of roots) root.style.width = '';
return cut;
"""


def test_job_history_reopens_and_reruns_and_a_study_runs(notebook, emulator):
    key, secret = emulator.credentials
    nb = notebook([
        "from labpanels import OsparcSession\n"
        "from labpanels.widgets import (\n"
        "    JobBuilder, OsparcJobHistory, OsparcJobProgress, OsparcStudyRunner)\n"
        "import ipywidgets as w\n"
        "osparc = OsparcSession()  # host, key and secret from OSPARC_API_* variables\n"
        "osparc.select_solver('simcore/services/comp/itis/sleeper', '2.0.2')\n"
        "history, runner = OsparcJobHistory(osparc), OsparcStudyRunner(osparc)\n"
        "w.VBox([history, runner, OsparcJobProgress(osparc), JobBuilder(osparc)])",
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
    # only the rows in view are drawn: aria-rowcount says how many the grid holds
    expect(grid).to_have_attribute("aria-rowcount", str(int(nb.kernel(
        "print(history.counts['FAILED'])")) + 1))
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

    # the bars (the study runner's, and the progress panel's, which shows the same job)
    expect(panel.locator(".lp-osparc-progress")).to_contain_text("SUCCESS")
    weak = []
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            assert nb.evaluate(THEME, theme, timeout=20) == theme
            measured = nb.evaluate(BARS, timeout=10)
            assert len(measured) == 2 * 5, measured  # two bars, five state kinds
            weak += [{**m, "theme": theme} for m in measured
                     if min(m["track"], m["panel_bg"]) < 3]
            nb.screenshot(f"osparc-bars-{theme.split()[-1].lower()}", panel.locator(
                ".lp-osparc-progress"))
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)
    assert not weak, "\n".join(
        f"{m['theme']} {m['panel']} {m['kind']}: fill {m['fill']} {m['track']:.2f}:1 on the "
        f"track, {m['panel_bg']:.2f}:1 on the panel" for m in weak)

    # the JobBuilder at 360 px: nothing sticks out, no select cuts the solver it shows
    builder = panel.locator(".lp-osparc-builder")
    expect(builder.get_by_label("Solver")).to_have_value("simcore/services/comp/itis/sleeper")
    assert nb.evaluate(CUT_SELECTS, ".lp-osparc-builder, .lp-osparc-history", timeout=10) == []
    assert nb.evaluate(NARROW, ".lp-osparc-builder", timeout=10) == []
    nb.screenshot("osparc-builder", builder)
