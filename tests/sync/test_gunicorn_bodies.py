"""Request bodies against central under a real gunicorn: a chunked push is read (within the
push's byte limit), and a 200 MB booking body is refused with 413 at once, without the
worker growing."""
import gzip
import json
import socket
import threading
import time

import pytest
import requests
from sync_support import NIKS, Events, central_app, free_port, kill, start_gunicorn

from sync.database import open_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Central (one worker) on a SQLite file with offices SRG and CLG; (url, tokens, proc)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('central') / 'central.db'}"
    _, tokens = central_app(url)
    port = free_port()
    proc = start_gunicorn(port, url, workers=1)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while requests.get(f"{base}/api/v1/health", timeout=5).status_code != 200:
        assert time.monotonic() < deadline
    yield base, tokens, proc, url
    kill(proc)


def chunks(data, size=1000):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def push_chunked(base, token, body, **headers):
    return requests.post(f"{base}/api/v1/sync/push", data=chunks(body), timeout=30,
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json", **headers})


def test_a_chunked_push_is_read_plain_or_gzipped(served):
    base, tokens, _, url = served
    event = Events()
    plain = json.dumps({"office": "SRG", "events": event.ticket("A001", NIKS[0])}).encode()
    packed = gzip.compress(json.dumps({"office": "SRG",
                                       "events": event.ticket("A002", NIKS[1])}).encode())
    for body, headers in ((plain, {}), (packed, {"Content-Encoding": "gzip"})):
        answer = push_chunked(base, tokens["SRG"], body, **headers)
        assert answer.request.headers.get("Transfer-Encoding") == "chunked"
        assert "Content-Length" not in answer.request.headers
        assert (answer.status_code, answer.json()["applied"]) == (200, 3), answer.text
    central = open_database(url)
    assert central.execute_sql("SELECT count(*) FROM received_event").fetchone()[0] == 6
    central.close()


def test_a_chunked_push_over_the_byte_limit_is_413(served):
    base, tokens, _, _ = served
    body = json.dumps({"office": "SRG", "events": [], "pad": "x" * 1_100_000}).encode()
    answer = push_chunked(base, tokens["SRG"], body)
    assert answer.status_code == 413 and answer.json()["error"] == "batch_too_large"


def worker_rss_kb(master):
    """VmRSS of gunicorn's one worker, from /proc."""
    with open(f"/proc/{master.pid}/task/{master.pid}/children") as children:
        worker = int(children.read().split()[0])
    with open(f"/proc/{worker}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_a_200_mb_booking_body_is_refused_at_once_and_the_worker_does_not_grow(served):
    base, _, proc, _ = served
    port = int(base.rsplit(":", 1)[1])
    requests.get(f"{base}/api/v1/offices", timeout=10)          # the worker warmed up
    before = worker_rss_kb(proc)
    size = 200 * 1024 * 1024
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"POST /api/v1/bookings HTTP/1.1\r\nHost: central\r\n"
                 b"Content-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n{\"name\": \"" % size)
    sender = threading.Thread(target=_send_body, args=(sock, size), daemon=True)
    started = time.monotonic()
    sender.start()
    answer = _read_answer(sock)
    took = time.monotonic() - started
    sender.join(timeout=30)
    sock.close()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"error":"too_large"' in answer.replace(" ", "")
    assert took < 5, took
    assert worker_rss_kb(proc) - before < 5 * 1024       # a few MB at most
    assert requests.get(f"{base}/api/v1/health", timeout=10).status_code == 200


def _send_body(sock, size, chunk=b"x" * (1 << 20)):
    try:
        for _ in range(size // len(chunk)):
            sock.sendall(chunk)
    except OSError:
        pass            # central answered and closed: the rest is never read


def _read_answer(sock):
    """The whole answer: central closes the connection after it (the body is unread)."""
    parts = []
    while sum(map(len, parts)) < 65536:
        try:
            data = sock.recv(4096)
        except ConnectionResetError:
            break
        if not data:
            break
        parts.append(data)
        if b"\r\n\r\n" in b"".join(parts) and b"}" in parts[-1]:
            break
    return b"".join(parts).decode("latin-1")
