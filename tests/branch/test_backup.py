"""`flask --app branch backup` while a real gunicorn branch issues tickets; `restore`."""
import os
from contextlib import closing
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from branch.db import db, init_db
from sync.backup import BackupError, backup, restore
from sync.database import open_database

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NIKS = ["3601014507850003", "3602011203500001", "3604010101900007", "3673025112880004"]


def flask(env, *args):
    return subprocess.run([str(BIN / "flask"), "--app", "branch", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """A branch under gunicorn on a database that already holds 40,000 outbox events."""
    path = tmp_path / "branch.db"
    db.initialize(open_database(f"sqlite:///{path}"))
    init_db()
    with closing(sqlite3.connect(path)) as conn, conn:     # history, so the copy is not trivially small
        conn.executemany(
            "INSERT INTO outbox (uuid, office, day, kind, payload, created_at, state) "
            "VALUES (?, 'SRG', '2026-11-02', 'ticket_called', '{\"ticket\":\"A001\"}', "
            "'2026-11-02 01:00:00', 'sent')", ((f"old-{n}",) for n in range(40_000)))
    port = free_port()
    env = dict(os.environ, ANTREAN_DATABASE_URL=f"sqlite:///{path}", ANTREAN_OFFICE="SRG",
               ANTREAN_CAP_GENERAL="1000000", ANTREAN_RATELIMIT_ENABLED="false",
               ANTREAN_LOG_REQUESTS="false", ANTREAN_CENTRAL_URL="http://127.0.0.1:9")
    server = subprocess.Popen([str(BIN / "gunicorn"), "--preload", "-w", "2", "-k", "gthread",
                               "--threads", "4", "-b", f"127.0.0.1:{port}", "--log-level",
                               "warning", "branch:create_app()"], cwd=ROOT, env=env,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/api/v1/health", timeout=1)
            break
        except (requests.ConnectionError, requests.Timeout):   # still starting
            assert time.monotonic() < deadline, "the branch did not start"
            time.sleep(0.05)
    yield type("Served", (), dict(url=url, env=env, path=path))
    server.terminate()
    server.wait(timeout=20)


class Kiosks:
    """Four clients issuing tickets until stopped; each answer noted with its time."""

    def __init__(self, url):
        self.url, self.issued, self.errors = url, [], []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._issue, args=(n,)) for n in range(4)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _issue(self, kiosk):
        session, serial = requests.Session(), 0
        while not self.stop.is_set():
            # A new person each time: one NIK may hold only one waiting ticket a lane.
            serial += 1
            nik = f"3604{kiosk + 1:02d}150590{serial % 9999 + 1:04d}"
            answer = session.post(f"{self.url}/api/v1/tickets", json={"lane": "general",
                                                                     "nik": nik}, timeout=10)
            if answer.status_code == 201:
                self.issued.append((time.monotonic(), answer.json()["id"]))
            else:
                self.errors.append(answer.text)

    def answered_before(self, moment):
        return {ticket for at, ticket in list(self.issued) if at < moment}


def test_a_backup_taken_while_tickets_are_issued_holds_every_earlier_ticket(served, tmp_path):
    copy = tmp_path / "backup" / "branch-copy.db"
    copy.parent.mkdir()
    with Kiosks(served.url) as kiosks:
        while len(kiosks.issued) < 50:
            time.sleep(0.05)
        started = time.monotonic()
        before = kiosks.answered_before(started)
        result = flask(served.env, "backup", str(copy))
        ended = time.monotonic()
        time.sleep(0.2)
    assert result.returncode == 0, result.stderr
    assert f"written to {copy}" in result.stdout and "integrity ok" in result.stdout
    during = {t for at, t in kiosks.issued if started <= at <= ended}
    assert not kiosks.errors and len(during) > 0      # the kiosks kept issuing meanwhile
    with closing(sqlite3.connect(copy)) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        tickets = {t for (t,) in conn.execute("SELECT id FROM ticket")}
        issued_events = conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'ticket_issued'").fetchone()[0]
        old = conn.execute("SELECT count(*) FROM outbox WHERE uuid LIKE 'old-%'").fetchone()[0]
    assert before <= tickets                    # every ticket answered before the backup began
    assert issued_events == len(tickets)        # one instant: each ticket with its event
    assert old == 40_000 and len(tickets) < len(kiosks.issued)
    assert oct(os.stat(copy).st_mode & 0o777) == "0o600"
    again = flask(served.env, "backup", str(copy))
    assert again.returncode == 1 and "exists; give a new file name" in again.stderr


def test_restore_refuses_a_database_in_use_and_replaces_it_once_stopped(served, tmp_path):
    copy = tmp_path / "copy.db"
    requests.post(f"{served.url}/api/v1/tickets", json={"lane": "general", "nik": NIKS[0]})
    assert flask(served.env, "backup", str(copy)).returncode == 0
    requests.post(f"{served.url}/api/v1/tickets", json={"lane": "general", "nik": NIKS[1]})
    refused = flask(served.env, "restore", str(copy))
    assert refused.returncode == 1 and "add --replace" in refused.stderr
    in_use = flask(served.env, "restore", "--replace", str(copy))
    assert in_use.returncode == 1 and "is in use" in in_use.stderr
    with closing(sqlite3.connect(served.path)) as conn, conn:          # nothing changed
        assert conn.execute("SELECT count(*) FROM ticket").fetchone() == (2,)


def test_restore_puts_the_backup_in_place_and_keeps_the_replaced_database(tmp_path):
    live, copy = tmp_path / "branch.db", tmp_path / "copy.db"
    url = f"sqlite:///{live}"
    db.initialize(open_database(url))
    init_db()
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute("INSERT INTO counter (name, active) VALUES ('1', 1)")
    backup(url, str(copy))
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute("INSERT INTO counter (name, active) VALUES ('2', 1)")
    restored = flask(dict(os.environ, ANTREAN_DATABASE_URL=url), "restore", "--replace", str(copy))
    assert restored.returncode == 0, restored.stderr
    assert "next: run init-db" in restored.stdout
    with closing(sqlite3.connect(live)) as conn, conn:
        assert [n for (n,) in conn.execute("SELECT name FROM counter")] == ["1"]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (kept,) = tmp_path.glob("branch.db.replaced-*")
    with closing(sqlite3.connect(kept)) as conn, conn:
        assert sorted(n for (n,) in conn.execute("SELECT name FROM counter")) == ["1", "2"]
    fresh = tmp_path / "new-pc.db"           # a new PC: nothing there yet
    assert "restored" in restore(str(copy), f"sqlite:///{fresh}")
    with closing(sqlite3.connect(fresh)) as conn, conn:
        assert [n for (n,) in conn.execute("SELECT name FROM counter")] == ["1"]
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(BackupError, match="not a usable SQLite database"):
        restore(str(broken), url, replace=True)
    with pytest.raises(BackupError, match="not SQLite: back up PostgreSQL with its own tools"):
        backup("postgresql://postgres@127.0.0.1/x", str(tmp_path / "pg.db"))
