"""Every panel, and a researcher's three flows, in JupyterLab's dark theme, Notebook 7,
voila and marimo (JupyterLab's light theme: the other browser tests).

One page per host shows all twelve panels: the dashboard on the local vantage6 server,
the other vantage6 panels logged out (a session on an unreachable URL), the SPARC and
o²S²PARC panels on the local emulator. The test checks that each panel's ``.lp-theme``
root is drawn and visible, then walks the flows of ``flows.py`` by the page alone: log in,
choose a collaboration, submit ``partial_average`` and read its results; pick and
download two files; run the sleeper and read its outputs; and fails on any console error.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.emulator_fixture import emulator_fixture  # noqa: F401

from .flows import SETUP as FLOW_SETUP
from .flows import Researcher, sleeper_flow, sparc_flow, vantage6_flow
from .hosts import PageLog, start_marimo, start_notebook7, start_voila, write_notebook
from .test_a11y_contrast import THEME

pytestmark = [pytest.mark.browser, pytest.mark.platform]

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

SETUP = FLOW_SETUP + f"""\
from labpanels.widgets import (
    CollaborationBrowser, JobProgress, LoginPanel, NodeStatusTable, ResultViewer, Table,
    TaskBuilder,
)
from labpanels.widgets.table import column

v6 = Vantage6Session({NOWHERE!r}, live=False)
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
    "Vantage6Dashboard": Vantage6Dashboard(researcher),
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


#: ids that two elements of the panels share within one document or shadow root
DUPLICATE_IDS = """() => {
  const repeated = [];
  const scan = (root) => {
    const seen = new Set();
    for (const e of root.querySelectorAll('.lp-theme [id]')) {
      if (seen.has(e.id)) repeated.push(e.id); else seen.add(e.id);
    }
    for (const e of root.querySelectorAll('*')) if (e.shadowRoot) scan(e.shadowRoot);
  };
  scan(document);
  return repeated;
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


def _env(emulator, v6: dict) -> dict[str, str]:
    key, secret = emulator.credentials
    return {"OSPARC_API_HOST": emulator.osparc_url, "OSPARC_API_KEY": key,
            "OSPARC_API_SECRET": secret, "LP_PENNSIEVE_URL": emulator.pennsieve_url,
            "LP_V6_URL": v6["url"]}


USER = "PhY24-rs1"

#: what the dashboard, the picker and the o²S²PARC panels show, as text (for a failure)
SHOWN_TEXT = """() => ['.lp-dashboard', '.lp-sparc-picker', '.lp-osparc-viewer'].map((cls) => {
  const e = document.querySelector(cls);
  return `${cls}: ${e ? e.innerText.replace(/\\s+/g, ' ').slice(0, 1500) : 'not in the page'}`;
}).join('\\n')"""


def _researcher(v6: dict) -> Researcher:
    return Researcher(USER, v6["users"][USER]["password"],
                      tuple(v6["collaborations"]["PhY-research"]["organizations"]))


def _flows(page, v6: dict, folder, host: str) -> None:
    """The three flows, each failing with the host's name in its message."""
    for name, flow in (("vantage6", lambda: vantage6_flow(page, _researcher(v6))),
                       ("SPARC", lambda: sparc_flow(page, str(folder / "downloads"))),
                       ("sleeper", lambda: sleeper_flow(page))):
        try:
            flow()
        except (AssertionError, PlaywrightTimeout) as exc:
            shown = page.evaluate(SHOWN_TEXT)
            raise AssertionError(f"{host}, {name} flow: {exc}\nthe panels show:\n{shown}"
                                 ) from None
    downloaded = sorted(p.name for p in (folder / "downloads").rglob("*") if p.is_file())
    assert downloaded == ["README.md", "subjects.csv"], downloaded


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
    # a label finds its input by id: no id repeats within a document or a shadow root
    assert page.evaluate(DUPLICATE_IDS) == [], f"{host}: ids used twice"
    for cls in set(ROOTS.values()):
        expect(page.locator(f".lp-theme.{cls}").first).to_be_visible()
    return roots


def _check_dashboard(page, host: str) -> None:
    """The dashboard draws its tabs and, inside them, the login panel of the first tab."""
    dash = page.locator(".lp-dashboard").first
    expect(dash.get_by_role("tab")).to_have_count(5)  # … New task, Tasks, Results
    expect(dash.locator(".lp-theme.lp-login")).to_be_visible()


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


def test_jupyterlab_dark_every_panel_and_flows(notebook, emulator, v6, tmp_path):
    nb = notebook(_jupyter_cells(), name="panels-dark.ipynb", env=_env(emulator, v6))
    assert nb.evaluate(THEME, "JupyterLab Dark", timeout=20) == "JupyterLab Dark"
    try:
        _check_roots(nb.page, "JupyterLab dark")
        _check_dashboard(nb.page, "JupyterLab dark")
        _flows(nb.page, v6, tmp_path, "JupyterLab dark")
        nb.screenshot("dark-theme-dashboard", nb.page.locator(".lp-dashboard").first)
    finally:
        nb.evaluate(THEME, "JupyterLab Light", timeout=20)


def test_notebook7_every_panel_and_flows(page, emulator, v6, tmp_path):
    root = tmp_path / "root"
    write_notebook(root / "panels.ipynb", _jupyter_cells())
    server = start_notebook7(tmp_path / "nb7", root, env=_env(emulator, v6))
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
        _flows(page, v6, tmp_path, "Notebook 7")
        _assert_clean(log, "Notebook 7", NB7_OWN_ERRORS)
    finally:
        server.stop()


def test_voila_every_panel_and_flows(page, emulator, v6, tmp_path):
    nb = write_notebook(tmp_path / "app" / "panels.ipynb", _jupyter_cells())
    server = start_voila(tmp_path / "voila", nb, env=_env(emulator, v6))
    try:
        log = PageLog().attach(page)
        page.goto(server.url("/"), wait_until="domcontentloaded", timeout=90_000)
        _check_roots(page, "voila", timeout=90)
        _check_dashboard(page, "voila")
        _flows(page, v6, tmp_path, "voila")
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


def test_marimo_every_panel_and_flows(page, emulator, v6, tmp_path):
    app = tmp_path / "app" / "panels.py"
    app.parent.mkdir(parents=True)
    app.write_text(_marimo_app(), encoding="utf-8")
    server = start_marimo(tmp_path / "marimo", app, env=_env(emulator, v6))
    try:
        log = PageLog().attach(page)
        page.goto(server.url("/"), wait_until="domcontentloaded", timeout=60_000)
        _check_roots(page, "marimo")
        _check_dashboard(page, "marimo")
        _flows(page, v6, tmp_path, "marimo")
        _assert_clean(log, "marimo")
    finally:
        server.stop()


def test_marimo_app_is_valid_python():
    compile(_marimo_app(), "panels.py", "exec")
    assert re.search(r"^app = marimo.App", _marimo_app(), re.M)
