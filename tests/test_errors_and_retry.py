"""One error hierarchy and one retry policy (issue #10, "Panels that never lie").

Network failures: :class:`NetworkError` with two siblings, :class:`ConnectionFailed`
(never reached) and :class:`RequestTimeout` (reached, no answer in time). Retries:
``urllib3.util.Retry`` on the client's adapter, chosen per request; downloads retry
through :func:`labpanels.waiting.retry`.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
import urllib3

from labpanels import errors
from labpanels.errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailed,
    InvalidURL,
    LabpanelsError,
    NetworkError,
    RateLimited,
    RequestTimeout,
    ServerError,
)
from labpanels.http import HttpClient, network_error
from labpanels.paging import iter_vantage6
from labpanels.pennsieve.download import (
    DownloadCancelled,
    DownloadError,
    Tracker,
    download_url,
    partial_path,
    zipit_download,
)
from labpanels.pennsieve.session import PennsieveSession
from labpanels.vantage6 import encryption
from labpanels.vantage6.errors import SessionExpired
from labpanels.vantage6.tokens import TokenAuth
from labpanels.widgets.common import friendly
from tests.httpstub import Reply, StubServer, closed_port, stub_client_fixture, stub_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(20)


def count_connects(monkeypatch, fail_with: Exception | None = None) -> list[str]:
    """Record every TCP connection attempt; optionally make each one fail."""
    attempts: list[str] = []
    real = urllib3.connection.HTTPConnection.connect

    def connect(self):
        attempts.append(f"{self.host}:{self.port}")
        if fail_with is not None:
            raise fail_with
        return real(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", connect)
    return attempts


# -- the hierarchy ---------------------------------------------------------------------


def test_timeout_and_connection_failure_are_siblings_under_network_error():
    assert "NetworkError" in errors.__all__ and "InvalidURL" in errors.__all__
    assert issubclass(NetworkError, LabpanelsError)
    assert issubclass(ConnectionFailed, NetworkError)
    assert issubclass(RequestTimeout, NetworkError)
    assert not issubclass(RequestTimeout, ConnectionFailed)
    assert not issubclass(ConnectionFailed, RequestTimeout)

    failed = ConnectionFailed("GET", "http://h/api/x", "connection refused")
    assert (failed.method, failed.url) == ("GET", "http://h/api/x")
    assert failed.reason == "connection refused"
    assert str(failed) == "GET http://h/api/x: cannot reach the server (connection refused)"

    late = RequestTimeout("GET", "http://h/api/x", 60)
    assert (late.method, late.url, late.seconds) == ("GET", "http://h/api/x", 60)
    assert late.reason == "no answer within 60 s"
    assert str(late) == "GET http://h/api/x: the server gave no answer within 60 s"
    assert "cannot reach" not in str(late)


def test_a_real_read_timeout_says_the_server_did_not_answer(stub):
    stub.route("GET", "/slow", Reply(200, json={}, delay=2))
    http = HttpClient(stub.url, timeout=(2.0, 0.3), backoff=0.01)
    with pytest.raises(RequestTimeout) as info:
        http.get("/slow")
    error = info.value
    assert isinstance(error, NetworkError) and not isinstance(error, ConnectionFailed)
    assert error.seconds == 0.3  # the read timeout, not the connect timeout
    assert str(error) == f"GET {stub.url}/slow: the server gave no answer within 0.3 s"


def test_a_refused_connection_is_not_a_timeout():
    http = HttpClient(f"http://127.0.0.1:{closed_port()}", backoff=0.01, retries=0)
    with pytest.raises(NetworkError) as info:
        http.get("/x")
    assert type(info.value) is ConnectionFailed
    assert info.value.reason == "connection refused"


def test_encryption_error_is_a_labpanels_error_and_still_a_value_error():
    assert issubclass(encryption.EncryptionError, LabpanelsError)
    assert issubclass(encryption.EncryptionError, ValueError)
    key = encryption.generate_private_key(1024)
    with pytest.raises(LabpanelsError) as info:
        encryption.decrypt("not an envelope", key)
    assert isinstance(info.value, encryption.EncryptionError)
    assert "expected key$iv$data" in str(info.value)


# -- friendly() ------------------------------------------------------------------------


def test_friendly_tells_a_timeout_from_an_unreachable_server():
    late = RequestTimeout("GET", "http://h/api/task", 60)
    assert friendly(late) == "The server did not answer within 60 s: it may be busy; try again."
    gone = ConnectionFailed("GET", "http://h/api/task", "connection refused")
    assert friendly(gone) == (
        "Cannot reach the server (connection refused). Check the URL and that it is running."
    )
    assert friendly(RequestTimeout("GET", "http://h", None)) == (
        "The server did not answer in time: it may be busy; try again."
    )


def test_friendly_for_errors_from_real_requests(stub):
    stub.route("GET", "/slow", Reply(200, json={}, delay=2))
    http = HttpClient(stub.url, timeout=0.25)
    with pytest.raises(RequestTimeout) as info:
        http.get("/slow")
    assert friendly(info.value).startswith("The server did not answer within 0.25 s")
    refused = HttpClient(f"http://127.0.0.1:{closed_port()}", retries=0)
    with pytest.raises(ConnectionFailed) as info:
        refused.get("/x")
    assert friendly(info.value).startswith("Cannot reach the server (connection refused)")


# -- one retry policy ------------------------------------------------------------------


def test_a_connect_timeout_is_retried_and_means_not_reached(monkeypatch):
    http = HttpClient("http://192.0.2.1:9", timeout=(1.5, 30.0), backoff=0.01)
    stalled = urllib3.exceptions.ConnectTimeoutError(None, "connect timed out")
    attempts = count_connects(monkeypatch, fail_with=stalled)
    with pytest.raises(ConnectionFailed) as info:
        http.get("/x")
    assert len(attempts) == 3
    assert info.value.reason == "no connection within 1.5 s"
    assert not isinstance(info.value, RequestTimeout)
    attempts.clear()
    with pytest.raises(ConnectionFailed):
        http.post("/x", json={})
    assert len(attempts) == 1  # never for POST


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_read_timeout_is_never_retried(stub, method):
    stub.route(method, "/work", Reply(200, json={}, delay=1.5))
    http = HttpClient(stub.url, timeout=0.3, backoff=0.01, retries=3)
    with pytest.raises(RequestTimeout):
        http.call(method, "/work", json={"a": 1})
    assert stub.count(method, "/work") == 1


@pytest.mark.parametrize(
    ("status", "cls"), [(500, ServerError), (429, RateLimited), (501, ServerError)]
)
def test_only_gateway_statuses_are_retried(stub, client, status, cls):
    stub.route("GET", "/x", Reply(status, headers={"Retry-After": "0"}), Reply(200, json=1))
    with pytest.raises(cls):
        client.get("/x")
    assert stub.count() == 1


def test_file_uploads_are_not_retried(stub, client):
    stub.route("PUT", "/upload", Reply(503), Reply(200, json={}))
    with pytest.raises(ServerError):
        client.request("PUT", "/upload", files={"file": ("a.txt", b"abc")})
    assert stub.count() == 1


def test_retry_after_as_an_http_date_is_honoured(stub, client):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 2))
    stub.route("GET", "/x", Reply(503, headers={"Retry-After": when}), Reply(200, json=2))
    start = time.monotonic()
    assert client.get("/x") == 2
    assert time.monotonic() - start >= 0.5  # the backoff alone is 0.01 s
    assert stub.count() == 2


def test_constructor_retries_sets_the_number_of_tries(stub):
    stub.route("GET", "/x", Reply(503))
    http = HttpClient(stub.url, retries=4, backoff=0.001)
    with pytest.raises(ServerError):
        http.get("/x")
    assert stub.count() == 5
    http.retries = 0  # read per request
    with pytest.raises(ServerError):
        http.get("/x")
    assert stub.count() == 6


def test_a_broken_body_and_a_503_share_one_budget(stub, client):
    truncated = Reply(200, body=b"0123", content_length=50)
    stub.route("GET", "/a", Reply(503), truncated, Reply(200, json={"ok": 1}))
    assert client.get("/a") == {"ok": 1}
    assert stub.count("GET", "/a") == 3
    stub.route("GET", "/b", Reply(503), truncated, truncated, Reply(200, json={"ok": 2}))
    with pytest.raises(ConnectionFailed) as info:
        client.get("/b")
    assert stub.count("GET", "/b") == 3  # 1 + retries in all, not per phase
    assert info.value.reason == "connection broken"


def test_a_renewed_401_then_a_503_is_still_retried(stub):
    stub.route("GET", "/me", Reply(401, json={"msg": "expired"}), Reply(503), Reply(200, json=7))
    renewals = []
    http = HttpClient(stub.url, backoff=0.01, on_unauthorized=lambda e: renewals.append(e) or True)
    assert http.get("/me") == 7
    assert len(renewals) == 1 and stub.count() == 3


def test_the_session_used_directly_does_not_retry(stub, client):
    stub.route("GET", "/x", Reply(503), Reply(200, json=1))
    client.get("/x")  # retried: 503 then 200
    stub.route("GET", "/y", Reply(503), Reply(200, json=1))
    assert client.session.get(stub.url + "/y", timeout=3).status_code == 503
    assert stub.count("GET", "/y") == 1


def test_the_retry_choice_of_one_thread_does_not_leak_into_another(stub, client):
    # while one thread waits on a request sent with retry=False, another's GET is
    # retried, and the other way round
    stub.route("GET", "/slow", Reply(200, json="slow", delay=0.8))
    stub.route("GET", "/flaky", Reply(503), Reply(200, json="flaky"))
    stub.route("GET", "/once", Reply(503), Reply(200, json="once"))
    results: dict[str, object] = {}

    def slow(retry: bool) -> None:
        results[f"slow-{retry}"] = client.get("/slow", retry=retry)

    waiting = threading.Thread(target=slow, args=(False,))
    waiting.start()
    time.sleep(0.2)
    assert client.get("/flaky") == "flaky"
    waiting.join()
    waiting = threading.Thread(target=slow, args=(True,))
    waiting.start()
    time.sleep(0.2)
    with pytest.raises(ServerError):
        client.get("/once", retry=False)
    waiting.join()
    assert stub.count("GET", "/flaky") == 2 and stub.count("GET", "/once") == 1
    assert results == {"slow-False": "slow", "slow-True": "slow"}


# -- base URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "extra", "address"),
    [
        ("http://h/api?x=1", "?x=1", "http://h/api"),
        ("http://h/api/#top", "#top", "http://h/api"),
        ("https://h:8443/v0?a=1#b", "?a=1#b", "https://h:8443/v0"),
        ("http://h/api?", "?", "http://h/api"),
    ],
)
def test_a_base_url_with_a_query_or_fragment_is_refused(url, extra, address):
    with pytest.raises(InvalidURL) as info:
        HttpClient(url)
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, LabpanelsError)
    assert error.url == url
    assert str(error) == (
        f"{url}: a server URL cannot have a query or fragment ({extra}); "
        f"give only the address, e.g. {address}"
    )
    http = HttpClient(address)
    with pytest.raises(InvalidURL):
        http.base_url = url
    assert http.base_url == address  # unchanged


def test_a_session_url_with_a_query_is_refused():
    with pytest.raises(ValueError, match="cannot have a query"):
        PennsieveSession("http://h/discover?x=1")


def test_a_non_http_url_is_an_invalid_url_too():
    with pytest.raises(InvalidURL, match="not an http"):
        HttpClient("ftp://h/x")


# -- token renewal ---------------------------------------------------------------------


def test_a_token_renewal_that_times_out_is_a_request_timeout(stub):
    stub.route("POST", "/api/token/refresh", Reply(200, json={"access_token": "x"}, delay=1.5))
    http = HttpClient(stub.url + "/api", timeout=0.3)
    auth = TokenAuth(http, "old-access", "refresh")
    with pytest.raises(RequestTimeout) as info:
        auth.renew()
    assert info.value.url == stub.url + "/api/token/refresh"
    assert info.value.method == "POST"
    expired = AuthenticationError(401, "GET", stub.url + "/api/task", "expired")
    assert auth.renew_after_401(expired) is False  # no resend, no traceback
    assert auth.access == "old-access"


def test_a_token_renewal_to_a_dead_server_is_a_connection_failure():
    http = HttpClient(f"http://127.0.0.1:{closed_port()}/api", timeout=1.0)
    auth = TokenAuth(http, "old-access", "refresh")
    with pytest.raises(ConnectionFailed) as info:
        auth.renew()
    assert info.value.reason == "connection refused"


@pytest.mark.parametrize("answer", [Reply(200, body="<html>sign in</html>"),
                                    Reply(200, json={"token": "not the expected field"})])
def test_a_token_renewal_answer_without_a_token_means_log_in_again(stub, answer):
    stub.route("POST", "/api/token/refresh", answer)
    auth = TokenAuth(HttpClient(stub.url + "/api"), "old-access", "refresh")
    with pytest.raises(SessionExpired, match="held no token: log in again"):
        auth.renew()
    expired = AuthenticationError(401, "GET", stub.url + "/api/task", "expired")
    assert auth.renew_after_401(expired) is False and auth.access == "old-access"


def test_a_vantage6_list_that_is_not_one_is_a_labpanels_error(stub, client):
    stub.route("GET", "/api/task", Reply(200, body="<html>a login page</html>"))
    with pytest.raises(LabpanelsError, match="is not a vantage6 list"):
        list(iter_vantage6(HttpClient(stub.url + "/api"), "task"))


def test_errors_never_show_a_password_or_a_signed_links_signature(stub):
    with pytest.raises(InvalidURL) as info:
        HttpClient("https://me:s3cret@h.example/api")
    assert "s3cret" not in str(info.value) and info.value.url == "https://h.example/api"
    assert "user name or password" in str(info.value)
    stub.route("GET", "/bucket/a.csv", Reply(403, body="expired"))
    signed = (stub.url + "/bucket/a.csv?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc123"
              "&response-content-type=text%2Fcsv")
    with pytest.raises(ApiError) as caught:
        HttpClient(stub.url).call("GET", signed)
    for text in (str(caught.value), caught.value.url):
        assert "abc123" not in text and "AKIA" not in text
        assert "X-Amz-Signature=…" in text and "response-content-type=text/csv" in text
    dead = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(ConnectionFailed) as lost:
        HttpClient(dead, backoff=0.01).call("GET", f"{dead}/x.csv?token=t0ps3cret")
    assert "t0ps3cret" not in str(lost.value) and "t0ps3cret" not in lost.value.reason
    # a reason in urllib3's own words names the URL with its query: the query is cut
    odd = requests.ConnectionError("HTTPSConnectionPool(host='b.example', port=443): Max "
                                   "retries exceeded with url: /a.csv?X-Amz-Signature=abc123 "
                                   "(Caused by SomethingNew('odd'))")
    error = network_error(odd, "GET", "https://b.example/a.csv?X-Amz-Signature=abc123", 5.0)
    assert "abc123" not in str(error) and "/a.csv?… (Caused by SomethingNew" in error.reason


# -- downloads retry through labpanels.waiting ------------------------------------------


ZIP_HEADERS = {"Content-Disposition": 'attachment; filename="a.bin"',
               "Content-Type": "application/octet-stream"}


def test_zipit_restarts_a_broken_body(stub, client, tmp_path):
    stub.route(
        "POST", "/zipit",
        Reply(200, body=b"0123", content_length=10, headers=ZIP_HEADERS),
        Reply(200, body=b"0123456789", headers=ZIP_HEADERS),
    )
    dest, _ = zipit_download(client, stub.url + "/zipit", {"paths": ["a"]}, tmp_path)
    assert dest.read_bytes() == b"0123456789"
    assert stub.count("POST", "/zipit") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_zipit_gives_up_after_its_attempts(stub, client, tmp_path):
    stub.route("POST", "/zipit", Reply(200, body=b"0123", content_length=10, headers=ZIP_HEADERS))
    with pytest.raises(DownloadError, match="zipit download failed after 2 attempts"):
        zipit_download(client, stub.url + "/zipit", {}, tmp_path, attempts=2)
    assert stub.count("POST", "/zipit") == 2
    assert list(tmp_path.iterdir()) == []


def test_zipit_retries_an_unreachable_server_then_raises_its_error(monkeypatch, tmp_path):
    http = HttpClient(f"http://127.0.0.1:{closed_port()}", backoff=0.01)
    attempts = count_connects(monkeypatch)
    with pytest.raises(ConnectionFailed):
        zipit_download(http, http.url("/zipit"), {}, tmp_path, attempts=3)
    assert len(attempts) == 3  # the POST itself is sent once per zipit attempt


def test_a_cancel_during_a_download_pause_stops_at_once(stub, client, tmp_path):
    stub.route("GET", "/f", Reply(200, body=b"0123", content_length=10))
    cancel = threading.Event()
    tracker = Tracker(files_total=1, bytes_total=10, cancel_event=cancel)
    timer = threading.Timer(0.5, cancel.set)  # during the 3rd or 4th pause (0.2 0.4 0.8 1.0)
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(DownloadCancelled):
            download_url(client, stub.url + "/f", tmp_path / "f.bin", size=10,
                         tracker=tracker, attempts=50)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 0.9  # not after the pause that was under way
    assert not partial_path(tmp_path / "f.bin").exists()
    assert not (tmp_path / "f.bin").exists()


def test_a_download_tries_attempts_times_with_growing_pauses(stub, client, tmp_path, monkeypatch):
    import labpanels.waiting as waiting

    pauses: list[float] = []
    monkeypatch.setattr(waiting, "_pause", lambda seconds, stop: pauses.append(seconds))
    stub.route("GET", "/f", Reply(200, body=b"0123", content_length=10))
    with pytest.raises(DownloadError, match="failed after 5 attempts"):
        download_url(client, stub.url + "/f", tmp_path / "f.bin", size=10, attempts=5)
    assert stub.count("GET", "/f") == 5
    assert pauses == [0.2, 0.4, 0.8, 1.0]


def test_network_errors_in_the_package_are_caught_as_network_error():
    # every place that tolerates "no answer" must tolerate a timeout as well: the
    # o²S²PARC job poller retries what _TRANSIENT names
    from labpanels.osparc.session import _TRANSIENT

    assert isinstance(RequestTimeout("GET", "http://h", 5), _TRANSIENT)
    assert isinstance(ConnectionFailed("GET", "http://h", "connection refused"), _TRANSIENT)
    assert not isinstance(requests.RequestException("raw"), _TRANSIENT)


def test_bad_arguments_are_labpanels_errors_and_still_value_errors(tmp_path):
    from labpanels.errors import InvalidArgument, InvalidURL, LabpanelsError
    from labpanels.pennsieve.session import PennsieveSession

    assert issubclass(InvalidURL, InvalidArgument)
    session = PennsieveSession("http://127.0.0.1:9/discover")
    with pytest.raises(InvalidArgument, match="nothing to download") as info:
        session.download([], tmp_path, dataset_id=1, version=1)
    assert isinstance(info.value, LabpanelsError) and isinstance(info.value, ValueError)
