"""The HTTP core (client, errors, paging) against a real local HTTP server."""

from __future__ import annotations

import time
import types

import pytest
import requests
import urllib3

import labpanels.http as http_module
from labpanels.errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    Conflict,
    ConnectionFailed,
    LabpanelsError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
    UnprocessableEntity,
    server_message,
)
from labpanels.http import HttpClient
from labpanels.paging import iter_osparc, iter_pennsieve, iter_vantage6
from tests.httpstub import (  # noqa: F401 (fixtures)
    Received,
    Reply,
    StubServer,
    closed_port,
    stub_client_fixture,
    stub_fixture,
)

# a broken retry or paging loop must fail fast, not hang the suite
pytestmark = pytest.mark.timeout(10)

HTML_404 = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server.</p>\n"
)


def spy_on_session(http: HttpClient) -> list[dict]:
    """Record every call the client makes to its session (they still go out for real)."""
    calls: list[dict] = []
    real = http.session.request

    def request(method, url, **kwargs):
        calls.append({"method": method, "url": url, **kwargs})
        return real(method, url, **kwargs)

    http.session.request = request
    return calls


def count_connects(monkeypatch) -> list[str]:
    """Record every TCP connection attempt (the retries happen below the session, in
    urllib3, so a server that refuses is the only witness otherwise)."""
    attempts: list[str] = []
    real = urllib3.connection.HTTPConnection.connect

    def connect(self):
        attempts.append(f"{self.host}:{self.port}")
        return real(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", connect)
    return attempts


# -- retries --------------------------------------------------------------------------


def test_get_is_retried_on_503_then_succeeds(stub, client):
    stub.route("GET", "/things", Reply(503, "busy"), Reply(200, json={"ok": True}))
    assert client.get("/things") == {"ok": True}
    assert stub.count("GET", "/things") == 2


@pytest.mark.parametrize("status", [502, 504])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_methods_are_retried_on_gateway_errors(stub, client, method, status):
    stub.route(method, "/thing/1", Reply(status), Reply(200, json={"done": method}))
    assert client.call(method, "/thing/1", json={"a": 1}) == {"done": method}
    assert stub.count(method, "/thing/1") == 2
    assert [r.json() for r in stub.requests(method)] == [{"a": 1}, {"a": 1}]


def test_retries_are_bounded_and_end_in_server_error(stub, client):
    stub.route("GET", "/down", Reply(503, json={"msg": "maintenance"}))
    with pytest.raises(ServerError) as info:
        client.get("/down")
    assert stub.count() == 1 + client.retries == 3
    assert info.value.status == 503
    assert info.value.message == "maintenance"


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_never_retried_on_503(stub, client, method):
    stub.route(method, "/tasks", Reply(503, json={"msg": "try later"}))
    with pytest.raises(ServerError) as info:
        client.call(method, "/tasks", json={"name": "x"})
    assert stub.count(method, "/tasks") == 1
    assert (info.value.status, info.value.method) == (503, method)
    # even when the caller asks for it
    with pytest.raises(ServerError):
        client.call(method, "/tasks", json={"name": "x"}, retry=True)
    assert stub.count(method, "/tasks") == 2


def test_retry_false_disables_retries_for_get(stub, client):
    stub.route("GET", "/x", Reply(503), Reply(200, json=[]))
    with pytest.raises(ServerError):
        client.get("/x", retry=False)
    assert stub.count() == 1


def test_non_replayable_body_is_not_retried(stub, client):
    stub.route("PUT", "/blob", Reply(503))
    body = (chunk for chunk in [b"part1", b"part2"])
    with pytest.raises(ServerError):
        client.request("PUT", "/blob", data=body)
    assert stub.count() == 1
    assert stub.requests()[0].body == b"part1part2"


def test_get_is_retried_on_connection_refused_then_fails(monkeypatch):
    http = HttpClient(f"http://127.0.0.1:{closed_port()}/api", backoff=0.01)
    calls = count_connects(monkeypatch)
    with pytest.raises(ConnectionFailed) as info:
        http.get("/organization")
    assert len(calls) == 1 + http.retries == 3
    error = info.value
    assert isinstance(error, LabpanelsError) and not isinstance(error, RequestTimeout)
    assert error.method == "GET"
    assert error.url == http.base_url + "/organization"
    assert error.reason == "connection refused"
    assert "cannot reach the server" in str(error)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_not_retried_on_connection_refused(method, monkeypatch):
    http = HttpClient(f"http://127.0.0.1:{closed_port()}", backoff=0.01)
    calls = count_connects(monkeypatch)
    with pytest.raises(ConnectionFailed) as info:
        http.call(method, "/task", json={})
    assert len(calls) == 1
    assert info.value.method == method


def test_truncated_body_is_a_connection_failure_and_retried_for_get(stub, client):
    stub.route("GET", "/big", Reply(200, body=b"0123456789", content_length=100))
    with pytest.raises(ConnectionFailed) as info:
        client.get("/big")
    assert stub.count() == 3
    assert info.value.url == stub.url + "/big"


def test_retry_after_is_honoured(stub, client):
    stub.route("GET", "/slow", Reply(503, headers={"Retry-After": "1"}), Reply(200, json=1))
    start = time.monotonic()
    assert client.get("/slow") == 1
    assert time.monotonic() - start >= 0.9  # backoff alone would be 0.01 s
    assert stub.count() == 2


def test_retry_after_is_capped(stub, client, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(http_module, "time", types.SimpleNamespace(sleep=slept.append))
    stub.route(
        "GET",
        "/slow",
        Reply(503, headers={"Retry-After": "3600"}),
        Reply(503, headers={"Retry-After": "not-a-number"}),
        Reply(200, json="ok"),
    )
    assert client.get("/slow") == "ok"
    assert slept == [10.0, 0.02]  # capped; unparsable falls back to the backoff


# -- timeouts -------------------------------------------------------------------------


def test_read_timeout_raises_request_timeout_promptly(stub):
    stub.route("GET", "/hang", Reply(200, json={}, delay=3))
    http = HttpClient(stub.url, timeout=0.5, backoff=0.01)
    start = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        http.get("/hang")
    assert time.monotonic() - start < 2.5
    assert stub.count() == 1
    assert info.value.seconds == 0.5
    assert (info.value.method, info.value.url) == ("GET", stub.url + "/hang")
    assert "0.5 s" in str(info.value)


def test_body_that_hangs_after_headers_is_a_timeout_too(stub):
    stub.route("GET", "/trickle", Reply(200, json={"a": 1}, body_delay=3))
    http = HttpClient(stub.url, timeout=0.5, backoff=0.01)
    start = time.monotonic()
    with pytest.raises(RequestTimeout):
        http.get("/trickle")
    assert time.monotonic() - start < 2.5
    assert stub.count() == 1


def test_every_request_has_a_timeout_and_one_session(stub):
    stub.route("GET", "/a", Reply(200, json=1))
    http = HttpClient(stub.url, timeout=(1.0, 7.0))
    session = http.session
    assert isinstance(session, requests.Session)
    calls = spy_on_session(http)
    http.get("/a")
    http.get("/a", timeout=2.0)
    assert [c["timeout"] for c in calls] == [(1.0, 7.0), 2.0]
    assert http.session is session
    assert stub.requests()[0].headers["User-Agent"].startswith("labpanels/")


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (401, AuthenticationError),
        (403, PermissionDenied),
        (404, NotFound),
        (409, Conflict),
        (418, ApiError),
        (422, UnprocessableEntity),
        (429, RateLimited),
        (500, ServerError),
    ],
)
def test_errors_carry_status_method_url_and_message(stub, client, status, cls):
    stub.route("POST", "/api/task", Reply(status, json={"msg": f"refused with {status}"}))
    with pytest.raises(cls) as info:
        client.post("/api/task", json={})
    error = info.value
    assert type(error) is cls
    assert isinstance(error, ApiError) and isinstance(error, LabpanelsError)
    assert error.status == status
    assert error.method == "POST"
    assert error.url == stub.url + "/api/task"
    assert error.message == f"refused with {status}"
    assert error.body == {"msg": f"refused with {status}"}
    assert str(error) == f"{status} on POST {stub.url}/api/task: refused with {status}"


@pytest.mark.parametrize(
    ("status", "reply", "cls", "message"),
    [
        # vantage6: {"msg"} plus field errors from marshmallow
        (
            400,
            Reply(json={"msg": "Request body is incorrect", "errors": {"name": ["Missing data."]}}),
            BadRequest,
            "Request body is incorrect (name: Missing data.)",
        ),
        (
            404,
            Reply(json={"msg": "Organization id=9 not found!"}),
            NotFound,
            "Organization id=9 not found!",
        ),
        # o²S²PARC: {"errors": [...]}
        (
            422,
            Reply(json={"errors": ["Invalid solver version", "inputs missing"]}),
            UnprocessableEntity,
            "Invalid solver version; inputs missing",
        ),
        # FastAPI validation: {"detail": [{"loc", "msg"}]}
        (
            422,
            Reply(
                json={
                    "detail": [
                        {"loc": ["body", "name"], "msg": "field required", "type": "missing"},
                        {"loc": ["query", "limit"], "msg": "must be > 0", "type": "gt"},
                    ]
                }
            ),
            UnprocessableEntity,
            "name: field required; query.limit: must be > 0",
        ),
        (
            401,
            Reply(json={"detail": "Not authenticated"}),
            AuthenticationError,
            "Not authenticated",
        ),
        # Pennsieve: a bare JSON string
        (
            400,
            Reply(body='"limit must be at most 100"', headers={"Content-Type": "application/json"}),
            BadRequest,
            "limit must be at most 100",
        ),
        # plain text and an empty body
        (409, Reply(body="job already started\n"), Conflict, "job already started"),
        (500, Reply(body=b""), ServerError, "Internal Server Error"),
    ],
)
def test_server_message_for_each_platform_shape(stub, client, status, reply, cls, message):
    reply.status = status
    stub.route("POST", "/x", reply)
    with pytest.raises(cls) as info:
        client.post("/x")
    assert info.value.message == message


def test_pennsieve_bare_string_404(stub, client):
    stub.route(
        "GET",
        "/datasets/999",
        Reply(404, body='"dataset 999 not found"', headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(NotFound) as info:
        client.get("/datasets/999")
    error = info.value
    assert "dataset 999 not found" in error.message
    assert '"' not in error.message
    assert error.body == "dataset 999 not found"
    assert error.url == stub.url + "/datasets/999"


def test_html_404_page_is_a_clear_not_found(stub, client):
    stub.route("GET", "/nope", Reply(404, HTML_404, headers={"Content-Type": "text/html"}))
    with pytest.raises(NotFound) as info:
        client.get("/nope")
    assert "not found" in info.value.message
    assert "<" not in info.value.message
    assert info.value.method == "GET"
    assert info.value.status == 404


def test_html_error_page_uses_its_heading():
    page = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad <b>Gateway</b></h1>"
    message, body = server_message(page.encode(), "text/html", "Bad Gateway")
    assert message == "Bad Gateway"
    assert body == page


# -- 401 hook -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_401_hook_refreshes_and_retries_once(stub, method):
    stub.route(
        method,
        "/api/task",
        Reply(401, json={"msg": "Token has expired"}),
        Reply(200, json={"id": 1}),
    )
    calls = []

    def refresh(error) -> bool:
        assert error.status == 401
        calls.append(1)
        http.session.headers["Authorization"] = "Bearer new"
        return True

    http = HttpClient(
        stub.url + "/api", headers={"Authorization": "Bearer old"}, on_unauthorized=refresh
    )
    assert http.call(method, "/task", json={"x": 1}) == {"id": 1}
    assert len(calls) == 1
    sent = stub.requests(method, "/api/task")
    assert [r.headers["Authorization"] for r in sent] == ["Bearer old", "Bearer new"]
    assert [r.json() for r in sent] == [{"x": 1}, {"x": 1}]


def test_401_hook_retries_only_once(stub):
    stub.route("POST", "/task", Reply(401, json={"msg": "bad token"}))
    calls = []
    http = HttpClient(stub.url, on_unauthorized=lambda error: calls.append(1) or True)
    with pytest.raises(AuthenticationError) as info:
        http.post("/task", json={})
    assert len(calls) == 1
    assert stub.count() == 2
    assert info.value.message == "bad token"


def test_401_hook_returning_false_raises_the_original_401(stub):
    stub.route("GET", "/me", Reply(401, json={"msg": "Session expired"}), Reply(200, json={}))
    calls = []
    http = HttpClient(stub.url, on_unauthorized=lambda error: calls.append(1) or False)
    with pytest.raises(AuthenticationError) as info:
        http.get("/me")
    assert len(calls) == 1
    assert stub.count() == 1
    assert (info.value.status, info.value.method) == (401, "GET")
    assert info.value.message == "Session expired"


def test_401_without_hook_is_raised_directly(stub, client):
    stub.route("GET", "/me", Reply(401, json={"msg": "no"}), Reply(200, json={}))
    with pytest.raises(AuthenticationError):
        client.get("/me")
    assert stub.count() == 1


def test_401_hook_does_not_resend_a_consumed_upload(stub):
    stub.route("POST", "/upload", Reply(401, json={"msg": "expired"}), Reply(200, json={}))
    calls = []
    http = HttpClient(stub.url, on_unauthorized=lambda error: calls.append(1) or True)
    with pytest.raises(AuthenticationError):
        http.post("/upload", data=(chunk for chunk in [b"abc"]))
    assert len(calls) == 1  # the token is refreshed for the next call...
    assert stub.count() == 1  # ...but an exhausted stream is not sent again empty


# -- URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://h:5000/api", "organization", "http://h:5000/api/organization"),
        ("http://h:5000/api", "/organization", "http://h:5000/api/organization"),
        ("http://h:5000/api/", "/organization", "http://h:5000/api/organization"),
        (
            "http://h:5000/api",
            "/api/organization?page=2&per_page=10",
            "http://h:5000/api/organization?page=2&per_page=10",
        ),
        ("http://h:5000/api", "/api", "http://h:5000/api"),
        ("http://h:5000/api", "/apiary/x", "http://h:5000/api/apiary/x"),
        ("http://h:5000/api", "", "http://h:5000/api"),
        ("http://h:5000/api", "https://s3.example/b?sig=1", "https://s3.example/b?sig=1"),
        (
            "https://api.pennsieve.io",
            "/datasets/paginated",
            "https://api.pennsieve.io/datasets/paginated",
        ),
        ("https://api.pennsieve.io/", "datasets", "https://api.pennsieve.io/datasets"),
        ("http://h/v0", "/v0/solvers?offset=2", "http://h/v0/solvers?offset=2"),
        ("http://h/a/b", "/a/b/c", "http://h/a/b/c"),
        ("http://h/a/b", "/a/c", "http://h/a/b/a/c"),
    ],
)
def test_url_resolution(base, path, expected):
    assert HttpClient(base).url(path) == expected


@pytest.mark.parametrize(
    "base", ["ftp://host/x", "localhost:5000", "", "http://", "file:///etc/passwd", "/api"]
)
def test_non_http_base_url_is_rejected(base):
    with pytest.raises(ValueError):
        HttpClient(base)


def test_base_url_is_normalised():
    http = HttpClient("  http://h:7601/api/  ")
    assert http.base_url == "http://h:7601/api"
    assert http.origin == "http://h:7601"
    with pytest.raises(ValueError):
        http.base_url = "gopher://h"
    assert http.base_url == "http://h:7601/api"


def test_call_decodes_json_text_and_empty(stub, client):
    stub.route("GET", "/json", Reply(200, json={"a": [1, 2]}))
    stub.route("GET", "/text", Reply(200, "hello"))
    stub.route("DELETE", "/thing", Reply(204))
    assert client.get("/json") == {"a": [1, 2]}
    assert client.get("/text") == "hello"
    assert client.delete("/thing") is None


# -- paging ---------------------------------------------------------------------------

ITEMS = [{"id": i} for i in range(1, 6)]


def _vantage6_pages(items, per_page, next_on_last=False):
    def answer(req: Received) -> Reply:
        page = int(req.query["page"])
        size = int(req.query["per_page"])
        assert size == per_page
        chunk = items[(page - 1) * size : page * size]
        links = {"first": f"{req.path}?page=1&per_page={size}"}
        if page * size < len(items) or next_on_last:
            links["next"] = f"{req.path}?page={page + 1}&per_page={size}"
        return Reply(json={"data": chunk, "links": links})

    return answer


def test_iter_vantage6_follows_relative_next_links(stub):
    stub.route("GET", "/api/organization", _vantage6_pages(ITEMS, 2))
    http = HttpClient(stub.url + "/api")
    pages = iter_vantage6(http, "/organization", params={"name": "x"}, per_page=2)
    assert next(pages) == {"id": 1}
    assert stub.count() == 1  # lazy: one page per need
    assert [{"id": 1}, *pages] == ITEMS
    sent = stub.requests()
    assert [r.query.get("page") for r in sent] == ["1", "2", "3"]
    assert sent[0].query == {"name": "x", "page": "1", "per_page": "2"}


def test_iter_vantage6_empty_collection(stub):
    stub.route("GET", "/api/task", Reply(json={"data": [], "links": {}}))
    http = HttpClient(stub.url + "/api")
    assert list(iter_vantage6(http, "task")) == []
    assert stub.count() == 1


def test_iter_vantage6_stops_on_an_empty_page_even_with_a_next_link(stub):
    stub.route("GET", "/api/run", _vantage6_pages(ITEMS[:4], 2, next_on_last=True))
    http = HttpClient(stub.url + "/api")
    assert list(iter_vantage6(http, "/run", per_page=2)) == ITEMS[:4]
    assert stub.count() == 3  # two full pages, then an empty one ends it


def _pennsieve_pages(items, key, with_total=True):
    def answer(req: Received) -> Reply:
        limit, offset = int(req.query["limit"]), int(req.query["offset"])
        body = {key: items[offset : offset + limit], "limit": limit, "offset": offset}
        if with_total:
            body["totalCount"] = len(items)
        return Reply(json=body)

    return answer


def test_iter_pennsieve_limit_offset_total_count(stub):
    stub.route("GET", "/datasets/paginated", _pennsieve_pages(ITEMS, "datasets"))
    http = HttpClient(stub.url)
    pages = iter_pennsieve(http, "/datasets/paginated", "datasets", {"orderBy": "Name"}, limit=2)
    assert list(pages) == ITEMS
    sent = stub.requests()
    assert [(r.query["limit"], r.query["offset"]) for r in sent] == [
        ("2", "0"),
        ("2", "2"),
        ("2", "4"),
    ]
    assert all(r.query["orderBy"] == "Name" for r in sent)


def test_iter_pennsieve_exact_multiple_and_start_offset(stub):
    files = [{"id": f"N:package:{i}"} for i in range(4)]
    stub.route("GET", "/datasets/N:ds/packages", _pennsieve_pages(files, "files"))
    http = HttpClient(stub.url)
    assert list(iter_pennsieve(http, "/datasets/N:ds/packages", "files", limit=2)) == files
    assert stub.count() == 2  # totalCount reached: no third request
    rest = iter_pennsieve(http, "/datasets/N:ds/packages", "files", {"offset": 3})
    assert list(rest) == files[3:]


def test_iter_pennsieve_without_total_count_stops_on_empty_page(stub):
    stub.route("GET", "/files", _pennsieve_pages(ITEMS, "files", with_total=False))
    http = HttpClient(stub.url)
    assert list(iter_pennsieve(http, "/files", "files", limit=2)) == ITEMS
    assert stub.count() == 4


def test_iter_pennsieve_empty_collection(stub):
    stub.route("GET", "/datasets/paginated", Reply(json={"datasets": [], "totalCount": 0}))
    http = HttpClient(stub.url)
    assert list(iter_pennsieve(http, "/datasets/paginated", "datasets")) == []
    assert stub.count() == 1


def _osparc_pages(items, base, next_links=True):
    def answer(req: Received) -> Reply:
        limit, offset = int(req.query["limit"]), int(req.query["offset"])
        following = offset + limit
        link = f"{base}{req.path}?limit={limit}&offset={following}"
        body = {
            "items": items[offset:following],
            "total": len(items),
            "limit": limit,
            "offset": offset,
            "links": {"next": link if next_links and following < len(items) else None},
        }
        return Reply(json=body)

    return answer


def test_iter_osparc_follows_absolute_next_links(stub):
    stub.route("GET", "/v0/solvers/s/releases/1.0/jobs/page", _osparc_pages(ITEMS, stub.url))
    http = HttpClient(stub.url + "/v0")
    got = list(iter_osparc(http, "/solvers/s/releases/1.0/jobs/page", limit=2))
    assert got == ITEMS
    assert [r.query["offset"] for r in stub.requests()] == ["0", "2", "4"]


def test_iter_osparc_without_links_uses_offsets(stub):
    stub.route("GET", "/v0/files/page", _osparc_pages(ITEMS[:3], stub.url, next_links=False))
    http = HttpClient(stub.url + "/v0")
    assert list(iter_osparc(http, "files/page", {"kind": "csv"}, limit=2)) == ITEMS[:3]
    sent = stub.requests()
    assert [(r.query["offset"], r.query["kind"]) for r in sent] == [("0", "csv"), ("2", "csv")]


def test_iter_osparc_empty_collection(stub):
    empty = {"items": [], "total": 0, "limit": 50, "offset": 0, "links": {"next": None}}
    stub.route("GET", "/v0/jobs/page", Reply(json=empty))
    http = HttpClient(stub.url + "/v0")
    assert list(iter_osparc(http, "/jobs/page")) == []
    assert stub.count() == 1
