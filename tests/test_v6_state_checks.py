"""Refused before anything is sent, servers that are not vantage6, honest login
messages, and no secret in any record the session hands out."""

from __future__ import annotations

import http.server
import math
import threading

import pytest

from labpanels.errors import InvalidURL, LabpanelsError
from labpanels.vantage6 import Vantage6Session
from labpanels.vantage6.errors import LoginFailed, TaskValidationError
from labpanels.vantage6.session import SECRET_FIELDS, strip_secrets
from tests.v6_sessions import researcher

pytestmark = pytest.mark.platform

AVERAGE = "harbor2.vantage6.ai/demo/average"


@pytest.fixture
def session(v6):
    with researcher(v6) as s:
        yield s


def _requests(session) -> list[str]:
    sent: list[str] = []
    real = session.http.session.request

    def counting(method, url, *args, **kwargs):
        sent.append(f"{method} {url}")
        return real(method, url, *args, **kwargs)

    session.http.session.request = counting
    return sent


@pytest.mark.parametrize("kwargs, reason", [
    ({"column_name": math.nan}, "NaN and infinity are not JSON numbers"),
    ({"column_name": math.inf}, "NaN and infinity are not JSON numbers"),
    ({"columns": {"age", "bmi"}}, "not JSON serializable"),
    ({"column_name": object()}, "not JSON serializable"),
])
def test_arguments_that_are_not_json_are_refused_with_no_request(session, kwargs, reason):
    sent = _requests(session)
    with pytest.raises(TaskValidationError, match=reason):
        session.create_task(AVERAGE, "partial_average", kwargs=kwargs)
    assert sent == []


def test_organization_outside_the_collaboration_refused_with_no_request(v6, session):
    assert isinstance(session.collaboration["organizations"], list)  # select() read them
    sent = _requests(session)
    outsider = v6["organizations"]["HERMES_organization"]["id"]
    with pytest.raises(TaskValidationError, match="not part of collaboration PhY-research"):
        session.create_task(AVERAGE, "partial_average", organizations=[outsider],
                            kwargs={"column_name": "age"})
    with pytest.raises(TaskValidationError, match="is not an organization id"):
        session.create_task(AVERAGE, "partial_average", organizations=["GAZEL"],
                            kwargs={"column_name": "age"})
    assert sent == []


def test_collaboration_record_without_organizations_falls_back_to_the_server(v6, session):
    """A record that only links its organizations (as GET /collaboration/<id> gives
    without include) is completed by one read; the check still holds."""
    bare = {k: v for k, v in session.collaboration.items() if k != "organizations"}
    bare["organizations"] = f"/api/organization?collaboration_id={bare['id']}"
    session.collaboration = bare
    outsider = v6["organizations"]["HERMES_organization"]["id"]
    sent = _requests(session)
    with pytest.raises(TaskValidationError, match="not part of collaboration PhY-research"):
        session.create_task(AVERAGE, "partial_average", organizations=[outsider],
                            kwargs={"column_name": "age"})
    assert sent and not any(line.startswith("POST") for line in sent)


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "abcdef", "12-34-56"])
def test_two_factor_code_must_be_six_digits(v6, code):
    s = Vantage6Session(v6["url"], live=False)
    sent = _requests(s)
    with pytest.raises(LoginFailed, match="6 digits"):
        s.login("PhY24-rs1", "whatever", code)
    assert sent == []


def test_two_factor_code_with_spaces_is_sent_without_them(v6):
    s = Vantage6Session(v6["url"], live=False)
    bodies = []
    real = s.http.session.request
    s.http.session.request = lambda m, u, *a, **k: (bodies.append(k.get("json")),
                                                    real(m, u, *a, **k))[1]
    with pytest.raises(LoginFailed):  # this server has no two-factor: the password is wrong
        s.login("PhY24-rs1", "Wrong-password-1!", " 123 456 ")
    assert bodies[0]["mfa_code"] == "123456"


class _Answer(http.server.BaseHTTPRequestHandler):
    body = b""
    kind = "text/html"

    def do_POST(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", self.kind)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("body, kind", [
    (b"<html><body><h1>Welcome to our portal</h1></body></html>", "text/html"),
    (b"{}", "application/json"),
])
def test_a_server_that_is_not_vantage6_is_named_as_such(body, kind):
    handler = type("Handler", (_Answer,), {"body": body, "kind": kind})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        s = Vantage6Session(f"http://127.0.0.1:{server.server_port}/api", live=False)
        with pytest.raises(LabpanelsError, match="is not a vantage6 server") as info:
            s.login("someone", "something")
        assert "two-factor" not in str(info.value) and not s.mfa_required
        assert not s.logged_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_repeated_refusals_are_worded_honestly(v6):
    s = Vantage6Session(v6["url"], live=False)
    messages = []
    for _ in range(3):
        with pytest.raises(LoginFailed) as info:
            s.login("no-such-user-for-lockout-words", "Wrong-password-1!")
        messages.append(str(info.value))
    assert messages[0] != "wrong username or password"  # never plainly that
    assert "locked" in messages[0]
    assert "the server does not say which" in messages[2]


def test_no_secret_reaches_traits_records_or_repr(v6, platform):
    assert strip_secrets({"a": [{"otp_secret": "x", "ok": 1}], "API_KEY": "k"}) == {
        "a": [{"ok": 1}]}
    s = Vantage6Session(v6["url"], live=False)
    password = v6["users"]["PhY24-rs1"]["password"]
    s.login("PhY24-rs1", password)
    try:
        shown = [s.user, s.organization, s.fetch_one(f"user/{s.user['id']}"),
                 s.fetch("user"), s.fetch("node"), repr(s), str(s.trait_values())]
        text = repr(shown)
        assert password not in text and s._auth.access not in text
        assert s._auth.refresh_token not in text

        def keys(value):
            if isinstance(value, dict):
                return set(value) | {k for v in value.values() for k in keys(v)}
            if isinstance(value, list):
                return {k for v in value for k in keys(v)}
            return set()

        assert not keys(shown[:5]) & SECRET_FIELDS
    finally:
        s.close()
    # a URL carrying a user name and password is refused, without repeating the password
    with pytest.raises(InvalidURL, match="cannot carry a user name or password") as info:
        Vantage6Session(v6["url"].replace("http://", "http://me:s3cret@"), live=False)
    assert "s3cret" not in str(info.value) and "s3cret" not in info.value.url
