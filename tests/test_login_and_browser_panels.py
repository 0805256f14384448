"""LoginPanel, CollaborationBrowser and NodeStatusTable at the Python level, against the
real local platform (clicks are simulated as the browser's messages)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from labpanels.vantage6 import UserClient, Vantage6Session
from labpanels.widgets import CollaborationBrowser, LoginPanel, NodeStatusTable
from tests.waiting import until as _until

pytestmark = pytest.mark.platform


def _sent(widget) -> list[dict]:
    messages: list[dict] = []
    original = widget.send
    widget.send = lambda content, buffers=None: (messages.append(content),
                                                 original(content, buffers))
    return messages


def _click_login(panel, username, password, code="", url=""):
    """What the view sends when the form is submitted (Enter or the button)."""
    panel._handle_custom_msg({"type": "action", "name": "login", "args": {
        "username": username, "password": password, "code": code, "url": url}}, [])


def _state_text(*widgets) -> str:
    return json.dumps([w.get_state() for w in widgets], default=str)


def test_login_panel_wrong_password_then_success(v6):
    session = Vantage6Session(v6["url"])
    panel = LoginPanel(session)
    sent = _sent(panel)
    _click_login(panel, "PhY24-rs1", "Wrong-password-1!")
    assert not panel.logged_in
    # (the session's sentence may add why, e.g. that an account locks after many tries)
    assert panel.status_text.startswith("Wrong username or password")
    assert panel.status_kind == "error"
    assert {"type": "clear_secrets"} in sent
    password = v6["users"]["PhY24-rs1"]["password"]
    _click_login(panel, "PhY24-rs1", password)
    assert panel.logged_in and panel.who == "PhY24-rs1 (PhY24-consortium)"
    assert panel.status_kind == "ok"
    assert sent.count({"type": "clear_secrets"}) == 2
    state = _state_text(panel)
    assert password not in state and "access_token" not in state
    assert session._auth.access not in state
    panel.logout()
    assert not panel.logged_in and not session.logged_in


def test_login_panel_unreachable_server_and_bad_url():
    panel = LoginPanel(Vantage6Session("http://127.0.0.1:9/api", live=False))
    assert not panel.login("someone", "Password-1!")
    assert panel.status_text.startswith("Cannot reach the server (connection refused)")
    assert not panel.login("someone", "Password-1!", url="not a url")
    assert panel.status_kind == "error" and "http" in panel.status_text
    typed = "http://me:s3cret@127.0.0.1:9/api"
    panel.url = typed  # as the view sets it before asking to log in
    assert panel.url == "http://127.0.0.1:9/api"  # the widget's state keeps no password
    assert not panel.login("someone", "Password-1!", url=typed)
    assert "cannot carry a user name or password" in panel.status_text
    assert "s3cret" not in panel.status_text + panel.url + panel.message


def test_login_panel_accepts_the_userclient_facade(v6):
    client = UserClient(v6["host"], v6["port"], "/api")
    panel = LoginPanel(client)
    assert panel.login("GHT-rs1", v6["users"]["GHT-rs1"]["password"])
    assert client.session.logged_in
    assert client.collaboration.list(fields=["name"])


def test_login_panel_private_key_by_upload_and_path(v6):
    session = Vantage6Session(v6["url"], live=False)
    panel = LoginPanel(session)
    panel.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    assert not panel.needs_key
    session.select("PhY-secure")
    assert panel.needs_key and not panel.key_loaded
    wrong = Path(v6["key_files"]["GAZEL_organization"]).read_bytes()
    panel._handle_custom_msg({"type": "action", "name": "load_key",  # as the view sends it
                              "args": {"name": "gazel.pem"}}, [memoryview(wrong)])
    assert panel.status_kind == "error" and "does not belong to PhY24-consortium" in (
        panel.status_text)
    assert not panel.key_loaded
    panel._handle_custom_msg({"type": "action", "name": "load_key",
                              "args": {"path": v6["key_files"]["PhY24-consortium"]}}, [])
    assert panel.key_loaded and session.key_loaded
    assert "BEGIN" not in _state_text(panel)


def test_login_panel_two_factor_setup_shows_qr_by_message(tmp_path):
    import pyotp

    from labpanels.demo.v6server import V6Server

    with V6Server(tmp_path / "mfa", two_factor=True) as server:
        panel = LoginPanel(Vantage6Session(server.api_url, live=False))
        sent = _sent(panel)
        assert not panel.login("root", "root")
        qr = next(m for m in sent if m.get("type") == "qr")
        assert base64.b64decode(qr["svg"]).startswith(b"<svg")
        assert panel.mfa_required and "scan the QR code" in panel.status_text
        assert qr["secret"] not in _state_text(panel)  # shown once, never saved
        assert not panel.login("root", "root")  # now it asks for the code
        assert {"type": "focus_code"} in sent
        assert panel.login("root", "root", pyotp.TOTP(qr["secret"]).now())
        assert panel.logged_in and not panel.mfa_required


def test_collaboration_browser_selection_drives_the_session(v6):
    session = Vantage6Session(v6["url"])
    browser = CollaborationBrowser(session)
    assert browser.collaborations.rows == []
    session.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    # a change of the session is read on the panel's worker, never on the changing thread
    _until(lambda: len(browser.collaborations.rows) >= 3, what="collaborations listed")
    rows = {r["name"]: r for r in browser.collaborations.rows}
    assert rows["PhY-research"]["online"] == "4 of 4"
    assert rows["GHT_consortium"]["online"] == "3 of 4"
    assert rows["PhY-secure"]["encrypted"] == "yes"
    # a click on the row, or Enter on it: the view sends the action message
    browser._handle_custom_msg({"type": "action", "name": "select",
                                "args": {"collaboration": rows["GHT_consortium"]["id"]}}, [])
    assert session.collaboration["name"] == "GHT_consortium"
    _until(lambda: len(browser.organizations.rows) == 4 and len(browser.nodes.rows) == 4
           and "3 of 4 nodes online" in browser.summary, what="GHT shown")
    assert browser.current == rows["GHT_consortium"]["id"]
    assert {r["name"]: r["country"] for r in browser.organizations.rows}[
        "HERMES_organization"] == "Italy"
    nodes = {r["organization"]: r["status"] for r in browser.nodes.rows}
    assert nodes.pop("HERMES_organization") == "never seen"
    assert set(nodes.values()) == {"online"}
    assert "3 of 4 nodes online" in browser.summary
    # rows travel as names once + lists, never as dicts repeating their keys
    wire = browser.get_state()["node_rows"]
    assert set(wire) == {"keys", "data"} and len(wire["data"]) == 4
    assert all(isinstance(row, list) for row in wire["data"])
    # an action outside the whitelist, or with bad arguments, does nothing
    browser._handle_custom_msg({"type": "action", "name": "close", "args": {}}, [])
    browser._handle_custom_msg({"type": "action", "name": "select", "args": []}, [])
    assert not browser.closed and session.collaboration["name"] == "GHT_consortium"
    session.select("PhY-research")  # from code: the grid follows
    _until(lambda: browser.collaborations.selected == [rows["PhY-research"]["id"]]
           and "not encrypted; 4 of 4" in browser.summary, what="PhY-research shown")
    # Refresh (the button's action) reads everything again
    browser._handle_custom_msg({"type": "action", "name": "refresh", "args": {}}, [])
    assert {r["name"] for r in browser.collaborations.rows} >= set(rows)
    assert len(browser.nodes.rows) == 4 and browser.message_kind != "error"
    browser.close()
    session.close()


def test_node_table_follows_live_events_one_row_at_a_time(platform, v6):
    session = Vantage6Session(v6["url"])
    session.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
    session.select("PhY-research")
    table = NodeStatusTable(session)
    assert len(table.rows) == 4
    _until(lambda: session.live, what="live events")
    patches = []
    original = table.send
    table.send = lambda content, buffers=None: (patches.append(content),
                                                original(content, buffers))
    spec = next(n for n in platform.node_specs()
                if n.collaboration == "PhY-research" and n.organization == "LIFELINES_organization")
    platform.stop_node(spec.id)
    try:
        _until(lambda: table.row(spec.id)["status"] == "offline", 10, "row shows offline")
    finally:
        platform.start_node(spec.id)
    _until(lambda: table.row(spec.id)["status"] == "online", 20, "row back online")
    assert patches and all(p["type"] == "patch" for p in patches)
    # rows travel as lists with their column names once per patch
    assert all(isinstance(r, list) and len(r) == len(p["keys"]) for p in patches
               for r in p["rows"])
    # the stopped node's changes travel alone (other nodes' last_seen may change meanwhile,
    # in patches of their own); no patch resends the whole table
    mine = [p for p in patches
            if any(r[p["keys"].index("id")] == spec.id for r in p["rows"])]
    assert mine and all(len(p["rows"]) == 1 for p in mine)
    assert all(len(p["rows"]) < len(table.rows) for p in patches)


def test_server_text_stays_text(platform, v6):
    name = '<img src=x onerror="window.__pwned=1">'
    with platform.root_http() as root:
        org = root.post("organization", json={"name": name, "country": "<b>Nowhere</b>"})
        me = v6["organizations"]["PhY24-consortium"]["id"]
        collab = root.post("collaboration", json={"name": "XSS-check", "encrypted": False,
                                                  "organization_ids": [org["id"], me]})
        node = root.post("node", json={"organization_id": org["id"],
                                       "collaboration_id": collab["id"]})
        try:
            session = Vantage6Session(v6["url"], live=False)
            session.login("PhY24-rs1", v6["users"]["PhY24-rs1"]["password"])
            browser = CollaborationBrowser(session)
            session.select("XSS-check")
            _until(lambda: browser.organizations.rows and browser.nodes.rows,
                   what="XSS-check shown")
            assert name in {r["name"] for r in browser.organizations.rows}
            assert "<b>Nowhere</b>" in {r["country"] for r in browser.organizations.rows}
            assert any(r["organization"] == name for r in browser.nodes.rows)
        finally:  # leave the shared platform as the other tests expect it
            root.delete(f"node/{node['id']}")
            root.delete(f"collaboration/{collab['id']}", params={"delete_dependents": "true"})
            root.delete(f"organization/{org['id']}")
