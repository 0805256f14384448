"""The three flows a researcher walks through, by the page alone, in any host.

Each flow takes a Playwright ``page`` (JupyterLab, Notebook 7, voila or marimo: locators
reach into marimo's shadow roots) and uses only what a person sees and does: labels,
roles, text, clicks and keys. Nothing here asks the kernel; every step waits for what
the panel shows next. The page must hold the panels that :data:`SETUP` builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import expect

#: kernel code that builds the panels the flows use (with the other panels of a page):
#: a dashboard on the vantage6 server at ``LP_V6_URL``, a dataset picker on the Pennsieve
#: emulator, and the o²S²PARC job builder, progress and viewer with the sleeper chosen
SETUP = """\
import os
from pathlib import Path
from labpanels import OsparcSession, PennsieveSession
from labpanels.vantage6 import Vantage6Session
from labpanels.widgets import (
    DatasetPicker, JobBuilder, OsparcJobProgress, OsparcResultViewer, Vantage6Dashboard,
)
researcher = Vantage6Session(os.environ["LP_V6_URL"])
osparc = OsparcSession()  # host, key and secret from the OSPARC_API_* variables
osparc.select_solver("simcore/services/comp/itis/sleeper", "2.0.2")
Path("number.txt").write_text("3")
pennsieve = PennsieveSession(os.environ["LP_PENNSIEVE_URL"])
"""


@dataclass(frozen=True)
class Researcher:
    """Who logs in to vantage6, and what the results should name."""

    username: str
    password: str
    organizations: tuple[str, ...]  # the collaboration's organizations
    collaboration: str = "PhY-research"


def _row(scope, text: str):
    return scope.locator(".lp-grid-row", has_text=text).first


def vantage6_flow(page, who: Researcher) -> None:
    """Log in (Enter), choose the collaboration, review and submit ``partial_average`` on
    ``age``, and read one result row per organization, in the dashboard."""
    dash = page.locator(".lp-dashboard").first
    login = dash.locator(".lp-login")
    login.get_by_label("Username").fill(who.username)
    password = login.get_by_label("Password")
    password.fill(who.password)
    password.press("Enter")
    expect(login.locator(".lp-login-who")).to_contain_text(
        f"Logged in as {who.username}", timeout=30_000)
    expect(password).to_have_value("")

    tabs = dash.locator(".lp-dash-tabs")
    expect(tabs.get_by_role("tab", name="Collaborations")).to_have_attribute(
        "aria-selected", "true")
    collabs = dash.locator(".lp-collaborations .lp-collab-collaborations")
    _row(collabs, who.collaboration).click()
    expect(_row(collabs, who.collaboration)).to_have_attribute("aria-selected", "true")
    nodes = dash.locator(".lp-collaborations .lp-collab-nodes")
    expect(nodes.locator(".lp-status-online")).to_have_count(len(who.organizations),
                                                             timeout=30_000)

    tabs.get_by_role("tab", name="New task").click()
    builder = dash.locator(".lp-task-builder")
    builder.locator("select").filter(
        has=page.locator("option", has_text="partial_average")).select_option("partial_average")
    # the field is labelled by the argument's display name and its name (column_name)
    column = builder.get_by_label(re.compile(r"column[_ ]name", re.I)).first
    column.fill("age")
    column.press("Tab")
    # the code view is drawn from the kernel's state: the value has arrived there
    expect(builder.locator("textarea, pre, code").last).to_contain_text("'column_name': 'age'")
    # Review shows what will run where; Submit there sends it
    builder.get_by_role("button", name="Review").click()
    expect(builder.get_by_role("region", name="Review: what will run where")).to_contain_text(
        "partial_average")
    builder.get_by_role("button", name="Submit").click()
    progress = dash.locator(".lp-progress")
    expect(progress).to_contain_text(f"{len(who.organizations)} of {len(who.organizations)}",
                                     timeout=90_000)

    tabs.get_by_role("tab", name="Results").click()
    table = dash.locator(".lp-results .lp-tabpanel")
    for org in who.organizations:
        expect(_row(table, org)).to_be_visible(timeout=30_000)


#: the dataset the SPARC flow opens, and the two files it downloads from its top folder
DATASET_QUERY = "heart rate vagus"
DATASET_TITLE = "Heart rate response to vagus nerve stimulation"
TWO_FILES = ("files/README.md", "files/subjects.csv")


def sparc_flow(page, save_to: str) -> None:
    """Search the datasets, open one with Enter, tick two files, download them to
    ``save_to`` and see both done."""
    picker = page.locator(".lp-sparc-picker").first
    query = picker.get_by_label("Search", exact=True)
    query.fill(DATASET_QUERY)
    query.press("Enter")
    grid = picker.get_by_role("grid", name="Datasets")
    result = _row(grid, DATASET_TITLE)
    expect(result).to_be_visible(timeout=30_000)
    result.click()
    expect(picker.locator(".lp-sp-title")).to_contain_text(DATASET_TITLE, timeout=30_000)
    tree = picker.locator(".lp-filetree")
    for path in TWO_FILES:
        row = tree.locator(f".lp-ft-row[data-path='{path}']")
        expect(row).to_be_visible(timeout=30_000)
        row.locator("input.lp-ft-check").click()
        expect(row).to_have_attribute("aria-checked", "true")
    picker.get_by_label("Save to").fill(save_to)
    picker.get_by_role("button", name="Download").click()
    expect(picker.locator(".lp-sp-progress-text")).to_contain_text("Done: 2 files",
                                                                   timeout=60_000)


def sleeper_flow(page) -> None:
    """Fill the sleeper's form (a file, one second), submit, and read its outputs."""
    builder = page.locator(".lp-osparc-builder").first
    builder.get_by_label("File with int number", exact=True).fill("number.txt")
    builder.get_by_label("File with int number", exact=True).press("Tab")
    seconds = builder.get_by_label("Sleep interval", exact=True)
    seconds.fill("1")
    seconds.press("Tab")
    builder.get_by_role("button", name="Submit").click()
    viewer = page.locator(".lp-osparc-viewer").first
    expect(viewer.locator(".lp-grid-row", has_text="output_2").first).to_be_visible(
        timeout=90_000)
    expect(page.locator(".lp-osparc-progress", has_text="SUCCESS").first).to_be_visible()
