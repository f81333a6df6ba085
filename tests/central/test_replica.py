"""A real PostgreSQL streaming replica: reports and the booking calendar read it, bookings
(the quota check) never do, so a lagging replica can never cause an overbooking.

The test makes a second PostgreSQL cluster on another port from the running server
with pg_basebackup (as the postgres OS user when run as root), starts it as a hot
standby, pauses its replay to make it lag on purpose, and removes it afterwards.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import requests

from central import create_app
from central.db import db, init_db, reading
from central.models import Booking, Office
from central.offices import save_office
from central.sync_reports import office_day
from sync.database import open_database, pooled
from central_support import nik

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PG_URL = os.environ.get("ANTREAN_TEST_POSTGRES_URL")
ROOT = Path(__file__).resolve().parents[2]
QUOTA = 20


def start_central(port, primary, replica):
    """Central under gunicorn (2 workers) on the primary, its reports on the replica."""
    env = dict(os.environ, ANTREAN_DATABASE_URL=primary, ANTREAN_REPLICA_URL=replica,
               ANTREAN_RATELIMIT_ENABLED="false", ANTREAN_LOG_REQUESTS="false")
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--preload", "-w", "2",
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "central:create_app()"], cwd=ROOT, env=env,
                              start_new_session=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return server
        except (requests.ConnectionError, requests.Timeout):
            assert server.poll() is None and time.monotonic() < deadline, "central did not start"
            time.sleep(0.05)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sql(url, statement, autocommit=True):
    conn = psycopg2.connect(url)
    conn.autocommit = autocommit
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


class Cluster:
    """A hot standby of the server at PG_URL, in a temporary directory, on a free port."""

    def __init__(self):
        self.bindir = sql(PG_URL, "SELECT setting FROM pg_config WHERE name = 'BINDIR'")[0][0]
        self.work = Path(tempfile.mkdtemp(prefix="antrean-replica-"))
        self.data, self.port = self.work / "data", free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.work, "postgres")

    def run(self, *command):
        done = subprocess.run([*self.as_postgres, *command], capture_output=True, text=True,
                              timeout=60)
        if done.returncode:
            log = self.work / "log"
            said = log.read_text()[-1500:] if log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()[-1500:]} {said}")

    def create(self):
        primary = urlsplit(PG_URL)
        backup = [f"{self.bindir}/pg_basebackup", "-h", primary.hostname,
                  "-p", str(primary.port or 5432), "-U", primary.username or "postgres",
                  "-D", str(self.data), "-X", "stream", "--checkpoint=fast", "-R"]
        try:
            self.run(*backup)
        except RuntimeError as exc:
            if "replication" not in str(exc):
                raise
            subprocess.run([str(ROOT / "scripts" / "ensure-pg-replication")], check=True)
            time.sleep(1)           # the server reloads its pg_hba.conf
            shutil.rmtree(self.data, ignore_errors=True)
            self.run(*backup)
        self._configure()
        self.run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.work / "log"),
                 "-w", "-t", "30", "start")

    def _configure(self):
        # Debian keeps the primary's postgresql.conf and pg_hba.conf in /etc: the copy has
        # none, so it gets its own (the -R of pg_basebackup wrote primary_conninfo).
        # A standby needs these at least as high as its primary's.
        settings = dict(sql(PG_URL, "SELECT name, setting FROM pg_settings WHERE name IN "
                                    "('max_connections', 'max_worker_processes', "
                                    "'max_wal_senders', 'max_prepared_transactions', "
                                    "'max_locks_per_transaction')"))
        settings.update({"port": self.port, "listen_addresses": "'127.0.0.1'",
                         "unix_socket_directories": f"'{self.work}'", "hot_standby": "on",
                         "shared_buffers": "'32MB'", "fsync": "off"})
        files = {"postgresql.conf": "".join(f"{k} = {v}\n" for k, v in settings.items()),
                 "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
                 "pg_ident.conf": ""}
        for name, text in files.items():
            self.run("sh", "-c", f"cat > '{self.data / name}' <<'EOF'\n{text}EOF")

    def url(self, database):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.as_postgres, f"{self.bindir}/pg_ctl", "-D", str(self.data),
                            "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.work, ignore_errors=True)


@pytest.fixture(scope="module")
def replicated():
    """(primary URL, replica URL) of a database of our own, with central's schema and an
    office whose quota is QUOTA; the replica is removed afterwards, also on failure."""
    if not PG_URL:
        pytest.skip("ANTREAN_TEST_POSTGRES_URL is not set")
    name = f"antrean_replica_{uuid.uuid4().hex[:8]}"
    sql(PG_URL, f'CREATE DATABASE "{name}"')
    primary = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}"))
    cluster = Cluster()
    try:
        create_app({"DATABASE_URL": primary, "TESTING": True})
        init_db()
        with db.connection_context():
            save_office("RPL", name="Kantor Imigrasi Replika", daily_quota=QUOTA,
                        slot_capacity=QUOTA, slot_hours="8,9,10,11,12,13,14",
                        open_days="1,2,3,4,5,6,7")
        cluster.create()
        yield primary, cluster.url(name)
    finally:
        cluster.remove()
        sql(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def caught_up(primary, replica, seconds=20):
    """Wait until the replica has replayed everything the primary has written."""
    target = sql(primary, "SELECT pg_current_wal_lsn()")[0][0]
    deadline = time.monotonic() + seconds
    while sql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'")[0][0] is not True:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def set_replay(replica, paused):
    sql(replica, "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
    want = "paused" if paused else "not paused"
    while sql(replica, "SELECT pg_get_wal_replay_pause_state()")[0][0] != want:
        time.sleep(0.05)


def booking_day():
    """Tomorrow at the office (Asia/Jakarta), always open (the office is open every day)."""
    return (datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(days=1)).date()




def test_reports_and_calendar_read_the_replica_bookings_count_on_the_primary(replicated,
                                                                               tmp_path):
    primary, replica = replicated
    day, port = booking_day(), free_port()
    server = start_central(port, primary, replica)
    url = f"http://127.0.0.1:{port}/api/v1"

    def book(n):
        return requests.post(f"{url}/bookings", timeout=10, json={
            "office": "RPL", "date": day.isoformat(), "hour": 10, "nik": nik(n + 1),
            "name": f"Pemohon {n}", "purpose": "general"})

    def calendar():
        slots = requests.get(f"{url}/offices/RPL/slots", params={"date": day.isoformat()},
                             timeout=10)
        assert slots.status_code == 200
        return slots.json()["booked"]

    try:
        assert [book(n).status_code for n in range(5)] == [201] * 5
        caught_up(primary, replica)
        assert calendar() == 5
        set_replay(replica, paused=True)            # the replica now lags on purpose
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(book, range(5, 65)))
        statuses = [a.status_code for a in answers]
        assert statuses.count(201) == QUOTA - 5 and statuses.count(409) == 60 - (QUOTA - 5)
        assert {a.json()["error"] for a in answers if a.status_code == 409} == {"quota_full"}
        with psycopg2.connect(primary) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM booking WHERE status = 'booked'")
            assert cursor.fetchone() == (QUOTA,)        # never one too many
        assert calendar() == 5          # the calendar is the replica's: it has not seen them
        late = next(a.json() for a in answers if a.status_code == 201)
        found = requests.post(f"{url}/bookings/{late['code']}/lookup", timeout=10,
                              json={"nik": late["nik"]})
        assert found.status_code == 200                                 # read on the primary
        in_process_reports_read_the_replica(primary, replica, day)
        set_replay(replica, paused=False)
        caught_up(primary, replica)
        assert calendar() == QUOTA
    finally:
        set_replay(replica, paused=False)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def in_process_reports_read_the_replica(primary, replica, day):
    """office_day (a report) reads the lagging replica; outside reading() the primary
    answers; a write that strays into reading() is refused by the read-only replica."""
    app = create_app({"DATABASE_URL": primary, "REPLICA_URL": replica, "TESTING": True})
    with app.app_context(), db.connection_context():
        office = Office.get(Office.code == "RPL")
        assert office_day(office, day)["booked"] == 5
        assert Booking.select().where(Booking.status == "booked").count() == QUOTA
        with reading(fresh=True):
            assert Booking.select().where(Booking.status == "booked").count() == QUOTA
        with pytest.raises(Exception, match="read-only transaction"), reading():
            Office.update(name="x").where(Office.code == "RPL").execute()
    db.close_replica()


def test_a_url_naming_several_hosts_connects_to_the_one_that_is_primary(replicated):
    """How app servers follow a failover: libpq tries the hosts in turn and keeps the one
    that takes writes (the replica is listed first and refuses them)."""
    primary, replica = replicated
    p, r = urlsplit(primary), urlsplit(replica)
    both = (f"postgresql://postgres@{r.hostname}:{r.port},{p.hostname}:{p.port or 5432}"
            f"{p.path}?target_session_attrs=read-write")
    database = open_database(pooled(both))
    try:
        in_recovery, port = database.execute_sql(
            "SELECT pg_is_in_recovery(), inet_server_port()").fetchone()
    finally:
        database.close_all()
    assert (in_recovery, port) == (False, p.port or 5432)
    assert open_database(pooled(replica)).execute_sql(
        "SELECT pg_is_in_recovery()").fetchone() == (True,)
