"""The login panel with the keyboard only: type the server, the username and the
password, press Enter, and the session logs in (JupyterLab's notebook does not take the
key); Escape empties the password."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.platform]

USER = "PhY24-rs1"


def test_login_with_the_keyboard_only(notebook, v6):
    nb = notebook([
        "from labpanels.vantage6 import Vantage6Session\n"
        "from labpanels.widgets import LoginPanel\n"
        "session = Vantage6Session('http://127.0.0.1:9/api')\n"  # the URL is typed below
        "login = LoginPanel(session)\n"
        "login",
    ], name="login-keyboard.ipynb")
    panel = nb.panel.locator(".lp-login")
    expect(panel).to_have_class(re.compile(r"\blp-theme\b"))
    # no mouse from here on: count any pointer event the page sees
    nb.page.evaluate("window.__lpMouse = 0; for (const t of ['mousedown', 'pointerdown', "
                     "'click']) document.addEventListener(t, (e) => { if (e.isTrusted) "
                     "window.__lpMouse++; }, true);")
    cells_before = nb.evaluate("return panel.content.widgets.length;")
    url = panel.locator("input[name=url]")
    expect(panel.get_by_label("Server")).to_have_count(1)  # every input has its label
    expect(panel.get_by_label("Username")).to_have_count(1)
    expect(panel.get_by_label("Password")).to_have_count(1)
    url.fill("")  # empties and focuses it (no mouse)
    nb.page.keyboard.type(v6["url"])
    nb.page.keyboard.press("Tab")
    nb.page.keyboard.type(USER)
    nb.page.keyboard.press("Tab")
    nb.page.keyboard.type("not the password")
    expect(panel.locator("input[name=password]")).to_be_focused()
    nb.page.keyboard.press("Escape")  # empties the secrets, and the notebook keeps its mode
    expect(panel.locator("input[name=password]")).to_have_value("")
    nb.page.keyboard.type(v6["users"][USER]["password"])
    nb.page.keyboard.press("Enter")
    try:
        nb.wait_kernel("print(session.logged_in)", "True", timeout=30)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; panel: " + nb.kernel(
            "print(repr(login.url), repr(login.username), repr(login.message))")) from None
    expect(panel.locator(".lp-login-who")).to_have_text(f"Logged in as {USER} (PhY24-consortium)")
    expect(panel.get_by_role("status")).to_contain_text(f"Logged in to {v6['url']}")
    expect(panel.locator("input[name=password]")).to_have_value("")
    assert nb.kernel("print(login.status_kind, login.message_kind)") == "ok ok"
    # Enter did not reach the notebook (it would run the cell or enter edit mode on it)
    assert nb.evaluate("return panel.content.widgets.length;") == cells_before
    assert nb.evaluate("return panel.content.mode;") == "command"
    assert nb.page.evaluate("window.__lpMouse") == 0
    nb.kernel("session.logout()")
