"""Every panel in the hosts other than JupyterLab: Notebook 7, voila and marimo.

One page per host shows all twelve panels (no vantage6 server: a logged-out
Vantage6Session on an unreachable URL; the SPARC and o²S²PARC panels on the local
emulator). The test checks that each panel's ``.lp-theme`` root is drawn and visible and
that the page logged no console error, then makes one round trip through the comm
(a search in the DatasetPicker, or the LoginPanel's form submitted with Enter).
"""

from __future__ import annotations

import re
import textwrap

import pytest
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

from .hosts import PageLog, start_marimo, start_notebook7, start_voila, write_notebook

pytestmark = pytest.mark.browser

#: panel -> the class of its view's root (each root also has ``lp-theme``)
ROOTS = {
    "LoginPanel": "lp-login",
    "CollaborationBrowser": "lp-collaborations",
    "NodeStatusTable": "lp-table",
    "TaskBuilder": "lp-task-builder",
    "JobProgress": "lp-progress",
    "ResultViewer": "lp-results",
    "Vantage6Dashboard": "lp-dashboard",
    "DatasetPicker": "lp-sparc-picker",
    "JobBuilder": "lp-osparc-builder",
    "OsparcJobProgress": "lp-osparc-progress",
    "OsparcResultViewer": "lp-osparc-viewer",
    "Table": "lp-table",
}

#: a vantage6 server nobody listens on: the panels stay logged out, a login is refused
NOWHERE = "http://127.0.0.1:9/api"

SETUP = f"""\
import os
from labpanels import OsparcSession, PennsieveSession
from labpanels.vantage6 import Vantage6Session
from labpanels.widgets import (
    CollaborationBrowser, DatasetPicker, JobBuilder, JobProgress, LoginPanel,
    NodeStatusTable, OsparcJobProgress, OsparcResultViewer, ResultViewer, Table,
    TaskBuilder, Vantage6Dashboard,
)
from labpanels.widgets.table import column

v6 = Vantage6Session({NOWHERE!r}, live=False)
osparc = OsparcSession()  # host, key and secret from the OSPARC_API_* variables
pennsieve = PennsieveSession(os.environ["LP_PENNSIEVE_URL"])
table = Table(columns=[column("name", "Name"), column("size", "Size")], selectable="none",
              height=160)
table.set_rows({{"id": i, "name": f"row {{i}}", "size": i * 10}} for i in range(5))
panels = {{
    "LoginPanel": LoginPanel(v6),
    "CollaborationBrowser": CollaborationBrowser(v6),
    "NodeStatusTable": NodeStatusTable(v6),
    "TaskBuilder": TaskBuilder(v6),
    "JobProgress": JobProgress(v6),
    "ResultViewer": ResultViewer(v6),
    "Vantage6Dashboard": Vantage6Dashboard(v6),
    "DatasetPicker": DatasetPicker(pennsieve),
    "JobBuilder": JobBuilder(osparc),
    "OsparcJobProgress": OsparcJobProgress(osparc),
    "OsparcResultViewer": OsparcResultViewer(osparc),
    "Table": table,
}}
"""

#: the page's ``.lp-theme`` roots that are not inside another one, by their classes;
#: marimo draws each anywidget inside a shadow root, so the search goes into those
TOP_ROOTS = """() => {
  const all = [];
  const walk = (node) => {
    for (const e of node.querySelectorAll('*')) {
      if (e.classList.contains('lp-theme')) all.push(e);
      if (e.shadowRoot) walk(e.shadowRoot);
    }
  };
  walk(document);
  const inside = (e) => {  // another .lp-theme above e, across shadow boundaries
    let node = e.parentNode;
    while (node) {
      if (node.classList && node.classList.contains('lp-theme')) return true;
      node = node.parentNode || (node instanceof ShadowRoot ? node.host : null);
    }
    return false;
  };
  return all.filter((e) => !inside(e)).map((e) => ({cls: e.className,
    w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height}));
}"""


NB7_READY = """() => {
  const app = window.jupyterapp;
  const nb = app && app.shell.currentWidget;
  const kernel = nb && nb.sessionContext && nb.sessionContext.session?.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected'
    && app.commands.isEnabled('notebook:run-all-cells');
}"""
NB7_STATE = """() => {
  const app = window.jupyterapp;
  const nb = app && app.shell.currentWidget;
  const kernel = nb && nb.sessionContext && nb.sessionContext.session?.kernel;
  return {app: !!app, widget: nb ? nb.constructor.name : null,
          kernel: kernel ? [kernel.status, kernel.connectionStatus] : null,
          runAll: !!app && app.commands.isEnabled('notebook:run-all-cells'),
          dialogs: document.querySelectorAll('.jp-Dialog').length};
}"""


#: what voila's own page logs offline, whatever it shows: its template links Font Awesome
#: from cdn.jsdelivr.net (no internet here). The panels use inline SVG icons.
VOILA_OWN_ERRORS = (r"ERR_NAME_NOT_RESOLVED \S*cdn\.jsdelivr\.net/npm/@fortawesome/",)


#: what Notebook 7.6.5 logs on its own here: the same page error with a notebook holding
#: only ``1+1`` and no panel (its shortcuts plugin reads the schema of a plugin it does
#: not know, in its settings registry's pluginChanged handler)
NB7_OWN_ERRORS = (r"^TypeError: Cannot read properties of undefined \(reading 'schema'\)"
                  r"[\s\S]*static/notebook/notebook_core\.",)


def _env(emulator) -> dict[str, str]:
    key, secret = emulator.credentials
    return {"OSPARC_API_HOST": emulator.osparc_url, "OSPARC_API_KEY": key,
            "OSPARC_API_SECRET": secret, "LP_PENNSIEVE_URL": emulator.pennsieve_url}


def _jupyter_cells() -> list[str]:
    return [SETUP] + [f"panels[{name!r}]" for name in ROOTS]


def _check_roots(page, host: str, timeout: float = 60.0) -> list[dict]:
    """Wait until twelve top-level panel roots are drawn; check each is visible."""
    try:
        page.wait_for_function(
            f"() => ({TOP_ROOTS})().length >= {len(ROOTS)}", timeout=timeout * 1000,
            polling=200)
    except Exception as exc:
        raise AssertionError(f"{host}: not every panel drawn: {page.evaluate(TOP_ROOTS)}"
                             ) from exc
    roots = page.evaluate(TOP_ROOTS)
    assert len(roots) == len(ROOTS), f"{host}: {roots}"
    for name, cls in ROOTS.items():
        found = [r for r in roots if cls in r["cls"].split()]
        assert found, f"{host}: no .{cls} root for {name}: {roots}"
        assert all(r["w"] > 0 and r["h"] > 0 for r in found), f"{host}: {name} empty: {found}"
    assert len([r for r in roots if "lp-table" in r["cls"].split()]) == 2
    for cls in set(ROOTS.values()):
        expect(page.locator(f".lp-theme.{cls}").first).to_be_visible()
    return roots


def _check_dashboard(page, host: str) -> None:
    """The dashboard draws its tabs and, inside them, the login panel of the first tab."""
    dash = page.locator(".lp-dashboard").first
    expect(dash.get_by_role("tab")).to_have_count(4)
    expect(dash.locator(".lp-theme.lp-login")).to_be_visible()


def _search_picker(page) -> None:
    """One comm round trip: Enter in the picker's search box lists the emulator's datasets."""
    picker = page.locator(".lp-sparc-picker").first
    query = picker.get_by_label("Search", exact=True)
    query.fill("voltage traces")
    query.press("Enter")
    grid = picker.get_by_role("grid", name="Datasets")
    expect(grid.locator(".lp-grid-row", has_text="Large-scale intracellular voltage").first
           ).to_be_visible(timeout=30_000)


def _login_refused(page) -> None:
    """One comm round trip: the LoginPanel form, submitted with Enter, shows the refusal."""
    login = page.locator(".lp-theme.lp-login").first
    login.get_by_label("Username").fill("nobody")
    password = login.get_by_label("Password")
    password.fill("wrong password")
    password.press("Enter")
    status = login.locator("[role=status]")
    expect(status).to_contain_text("Cannot reach the server", timeout=30_000)
    expect(status).to_have_attribute("data-kind", "error")
    expect(password).to_have_value("")  # the secret left the view with the action


def _assert_clean(log: PageLog, host: str, ignore: tuple[str, ...] = ()) -> None:
    errors = log.errors(ignore)
    assert not errors, f"{host}: console errors:\n" + "\n".join(f"  {e}" for e in errors)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  reduced_motion="reduce", locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_notebook7_shows_every_panel(page, emulator, tmp_path):
    root = tmp_path / "root"
    write_notebook(root / "panels.ipynb", _jupyter_cells())
    server = start_notebook7(tmp_path / "nb7", root, env=_env(emulator))
    try:
        log = PageLog().attach(page)
        page.goto(server.url("/notebooks/panels.ipynb"), wait_until="domcontentloaded")
        try:
            page.wait_for_function(NB7_READY, timeout=90_000, polling=100)
        except Exception as exc:
            state = page.evaluate(NB7_STATE)
            raise AssertionError(f"Notebook 7 not ready to run: {state}\n"
                                 f"{server.log_tail()}") from exc
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        _check_roots(page, "Notebook 7")
        _check_dashboard(page, "Notebook 7")
        _login_refused(page)  # Enter submits the form in Notebook 7 too
        _assert_clean(log, "Notebook 7", NB7_OWN_ERRORS)
    finally:
        server.stop()


def test_voila_shows_every_panel(page, emulator, tmp_path):
    nb = write_notebook(tmp_path / "app" / "panels.ipynb", _jupyter_cells())
    server = start_voila(tmp_path / "voila", nb, env=_env(emulator))
    try:
        log = PageLog().attach(page)
        page.goto(server.url("/"), wait_until="domcontentloaded", timeout=90_000)
        _check_roots(page, "voila", timeout=90)
        _check_dashboard(page, "voila")
        _search_picker(page)
        _assert_clean(log, "voila", VOILA_OWN_ERRORS)
    finally:
        server.stop()


def _marimo_app() -> str:
    cells = "".join(
        f"\n\n@app.cell\ndef _(panels):\n    panels[{name!r}]\n    return\n" for name in ROOTS)
    return (
        "import marimo\n\napp = marimo.App(width='full')\n\n\n@app.cell\ndef _():\n"
        + textwrap.indent(SETUP, "    ")
        + "    return (panels,)\n"
        + cells
        + "\n\nif __name__ == '__main__':\n    app.run()\n"
    )


def test_marimo_shows_every_panel(page, emulator, tmp_path):
    app = tmp_path / "app" / "panels.py"
    app.parent.mkdir(parents=True)
    app.write_text(_marimo_app(), encoding="utf-8")
    server = start_marimo(tmp_path / "marimo", app, env=_env(emulator))
    try:
        log = PageLog().attach(page)
        page.goto(server.url("/"), wait_until="domcontentloaded", timeout=60_000)
        _check_roots(page, "marimo")
        _check_dashboard(page, "marimo")
        _search_picker(page)
        _assert_clean(log, "marimo")
    finally:
        server.stop()


def test_marimo_app_is_valid_python():
    compile(_marimo_app(), "panels.py", "exec")
    assert re.search(r"^app = marimo.App", _marimo_app(), re.M)
