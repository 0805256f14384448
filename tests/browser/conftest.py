"""Fixtures for tests that drive a real JupyterLab in headless Chromium (see ``harness.py``).

Session-scoped: ``lab_env`` and ``lab_settings`` (fill or override them before the server
starts), ``jupyterlab`` (the server), ``browser`` (Chromium), ``lab_pages`` (the reused page).
Function-scoped: ``kernel_env`` (environment of this test's kernels) and ``notebook``.
"""

from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from .harness import DEFAULT_LAB_SETTINGS, LabPages, LabServer, NotebookFactory, launch_chromium

_REPORTS = pytest.StashKey[dict]()

# Playwright's `expect` waits 5 s by default: too short for a kernel round trip on a busy
# 2-core machine. Actions on locators wait up to 15 s as well (see LabPages).
expect.set_options(timeout=15_000)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so that fixtures know whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    factory = getattr(item, "funcargs", {}).get("notebook")
    if report.when == "call" and report.failed and isinstance(factory, NotebookFactory):
        entries = [entry for entry in factory.console_log() if entry.kind not in ("debug", "log")]
        if entries:  # shown with the failure, like captured output
            report.sections.append(
                ("Captured browser console", "\n".join(str(entry) for entry in entries))
            )
    return report


@pytest.fixture(scope="session")
def lab_env() -> dict[str, str]:
    """Environment variables for the JupyterLab server, and so for every kernel it starts.

    Fill it before the server starts by overriding it in a conftest (session scope)::

        @pytest.fixture(scope="session")
        def lab_env(lab_env, platform_info_file):
            lab_env["LABPANELS_DEMO_INFO"] = str(platform_info_file)
            return lab_env

    The server starts once per session: the ``notebook`` fixture fails if the ``lab_env`` a
    test sees differs from the one the server got. For variables that differ between tests,
    use ``kernel_env`` or ``notebook(..., env=...)``.
    """
    return {}


@pytest.fixture(scope="session")
def lab_settings() -> dict[str, dict]:
    """JupyterLab user settings (plugin id -> values) written before the server starts."""
    return copy.deepcopy(DEFAULT_LAB_SETTINGS)


@pytest.fixture(scope="session")
def jupyterlab(lab_env, lab_settings, tmp_path_factory) -> LabServer:
    """The JupyterLab server of the session (notebooks under ``jupyterlab.root``)."""
    server = LabServer.start(
        tmp_path_factory.mktemp("jupyterlab"), env=lab_env, settings=lab_settings
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def playwright_driver():
    """The Playwright (sync API) driver of the session."""
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Debian's headless Chromium (fails, does not skip, when chromium is missing)."""
    chromium = launch_chromium(playwright_driver)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="session")
def lab_pages(browser, jupyterlab) -> LabPages:
    """The browser context and the JupyterLab page that consecutive tests reuse."""
    pages = LabPages(browser, jupyterlab)
    try:
        yield pages
    finally:
        pages.close()


@pytest.fixture
def kernel_env() -> dict[str, str]:
    """Environment variables for this test's kernels (override it in a conftest to add some)."""
    return {}


@pytest.fixture
def notebook(request, lab_pages, lab_env, kernel_env) -> NotebookFactory:
    """``nb = notebook(cells=[...], name="x.ipynb")``: write, open and run a notebook.

    At the end of the test its notebooks are closed, their kernels stopped, and the test
    fails if the page logged console errors (see ``harness.IGNORED_CONSOLE_ERRORS``).
    """
    if dict(lab_env) != lab_pages.server.env:
        pytest.fail(
            "lab_env differs from the environment JupyterLab was started with"
            f" ({sorted(set(lab_env) ^ set(lab_pages.server.env)) or 'changed values'}):"
            " fill lab_env in a session fixture overriding it, so that it runs before the"
            " jupyterlab fixture, or use kernel_env / notebook(env=...) for per-test variables"
        )
    factory = NotebookFactory(lab_pages, request.node.name, kernel_env)
    yield factory
    reports = request.node.stash.get(_REPORTS, {})
    failed = any(rep.failed for rep in reports.values())
    factory.finish(failed=failed)
