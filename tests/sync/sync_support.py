"""Helpers for the sync tests: a central server we can break, and branch events."""
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

from werkzeug.serving import make_server

from central import create_app
from central.db import db as central_db, init_db as init_central_db
from central.models import Office
from central.tokens import issue_token
from sync import SCHEMA_VERSION

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
NIKS = ["3601014501900001", "3602015507850002", "3604012003700003", "3673016112950004"]


class Faults:
    """WSGI middleware in front of central: each planned fault hits the next push."""

    def __init__(self, app, client_timeout=1.0):
        self.app, self.client_timeout = app, client_timeout
        self.plans = {"push": [], "changes": [], "digest": [], "digests": []}
        self.cursors, self.pushes = [], 0
        self.lock = threading.Lock()

    @property
    def plan(self):
        """The faults for the next pushes (other endpoints: `plans[name]`)."""
        return self.plans["push"]

    @plan.setter
    def plan(self, faults):
        self.plans["push"] = faults

    def __call__(self, environ, start_response):
        endpoint = environ["PATH_INFO"].rsplit("/", 1)[-1]
        if endpoint not in self.plans:
            return self.app(environ, start_response)
        # One request at a time, so cursors are logged in the order central committed them.
        with self.lock:
            self.pushes += endpoint == "push"
            plan = self.plans[endpoint]
            fault = plan.pop(0) if plan else "none"
            return getattr(self, fault)(environ, start_response)

    def none(self, environ, start_response):
        return self._through(environ, start_response)

    def _through(self, environ, start_response, body=None):
        body = body if body is not None else _read(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None
        chunks = b"".join(self.app(environ, capture))
        if captured["status"].startswith("200") and environ["PATH_INFO"].endswith("/push"):
            self.cursors.append(json.loads(chunks)["cursor"])
        start_response(captured["status"], captured["headers"])
        return [chunks]

    def lose_request(self, environ, start_response):
        """The request never reaches central: the connection drops."""
        _read(environ)
        return _hang_up(environ, start_response)

    def lose_response(self, environ, start_response):
        """Central commits, the answer is lost on the way back."""
        self._through(environ, lambda *a: None)
        return _hang_up(environ, start_response)

    def duplicate(self, environ, start_response):
        """The network delivers the same request twice."""
        body = _read(environ)
        self._through(dict(environ), lambda *a: None, body)
        return self._through(environ, start_response, body)

    def error_500(self, environ, start_response):
        _read(environ)
        start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
        return [b'{"error":"internal","message":"injected"}']

    def timeout(self, environ, start_response):
        """Central is slow: the client gives up, then central commits anyway."""
        body = _read(environ)
        time.sleep(self.client_timeout + 0.5)
        return self._through(environ, start_response, body)


def _read(environ):
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


def _hang_up(environ, start_response):
    sock = environ["werkzeug.socket"]
    sock.shutdown(socket.SHUT_RDWR)
    start_response("500 INTERNAL SERVER ERROR", [])
    return []


class ServerThread:
    """Central served by werkzeug in a thread of the test process."""

    def __init__(self, wsgi_app):
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port, database_url, workers=1):
    """Central under gunicorn, run as the README deploys it, waiting until it answers."""
    env = dict(os.environ, ANTREAN_DATABASE_URL=database_url)
    proc = subprocess.Popen([os.path.join(VENV_BIN, "gunicorn"), "--preload", "-w", str(workers),
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "central:create_app()"],
                            cwd=ROOT, env=env, start_new_session=True)
    wait_for_port(port)
    return proc


def wait_for_port(port, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


def kill(proc, sig=signal.SIGKILL):
    os.killpg(proc.pid, sig)
    proc.wait(timeout=10)


def record_days(db, office, first_day, days, tickets_per_day):
    """Realistic events over `days` days: issued, called, finished (some passports)."""
    from branch.outbox import record_event
    with db.atomic():
        for d in range(days):
            day = first_day + timedelta(days=d)
            for n in range(1, tickets_per_day + 1):
                _ticket_events(record_event, office, day, n)


def _ticket_events(record_event, office, day, n):
    ticket, nik = f"A{n:03d}", NIKS[n % len(NIKS)]
    regency = nik[:4]
    record_event(office, day, "ticket_issued", ticket=ticket, lane="general", nik=nik,
                 regency=regency)
    record_event(office, day, "ticket_called", ticket=ticket, counter="1")
    outcome = "passport_issued" if n % 5 else "incomplete_documents"
    record_event(office, day, "ticket_finished", ticket=ticket, counter="1",
                 outcome=outcome, regency=regency)


DAY = date(2026, 11, 23)


class Events:
    """Wire events (sync.schema.Event as JSON) with increasing seq, as a branch sends them."""

    def __init__(self, office="SRG"):
        self.office, self.seq = office, 0

    def __call__(self, kind, day=DAY, **payload):
        import uuid
        self.seq += 1
        return {"id": str(uuid.uuid4()), "seq": self.seq, "office": self.office,
                "day": day.isoformat(), "kind": kind, "schema_version": SCHEMA_VERSION,
                "payload": payload, "created_at": "2026-11-23T08:00:00"}

    def ticket(self, number, nik, lane="general", day=DAY, outcome="passport_issued", **extra):
        """Issued, called and finished events of one ticket."""
        return [self("ticket_issued", day, ticket=number, lane=lane, nik=nik,
                     regency=nik[:4], **extra),
                self("ticket_called", day, ticket=number, counter="2"),
                self("ticket_finished", day, ticket=number, counter="2", outcome=outcome,
                     regency=nik[:4])]


def push(api, events, office="SRG", token_of="SRG", **extra):
    """POST a batch to central's test client with an office's token."""
    return api.client.post("/api/v1/sync/push",
                           json={"office": office, "events": events, **extra},
                           headers=api.auth(token_of))


def quick_sleep(seconds):
    """The retry policy's sleep in tests: real, but short."""
    time.sleep(min(seconds, 0.05))


def central_app(url):
    """A central app on `url` with offices SRG and CLG; (app, {office: token})."""
    app = create_app({"DATABASE_URL": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    init_central_db()
    with central_db.connection_context():
        Office.create(code="SRG", name="Kantor Imigrasi Serang")
        Office.create(code="CLG", name="Kantor Imigrasi Cilegon")
        tokens = {code: issue_token(code) for code in ("SRG", "CLG")}
    return app, tokens
