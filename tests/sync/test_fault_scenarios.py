"""Fault scenarios with real processes: central under gunicorn, the real `antrean-sync` as a
subprocess, and between them our TCP fault proxy (faultproxy.py), driven by each test.

Every scenario ends the same way (`assert_proven`): the same event ids and digests on
both sides, passports by regency at central equal to the branch's served counts, lost 0,
doubled 0. People are served by the branch's own code (issue at the kiosk, call, recall,
transfer, no-show, finish) on its own clock; large backlogs come from record_days.

The figures are CI's; the ANTREAN_PROOF_* variables scale them up for longer runs
(docs/RELIABILITY.md).
"""
import json
import os
import random
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import psycopg2
import pytest
from faultproxy import FaultProxy
from sync_support import (DAY, ROOT, VENV_BIN, ServerThread, central_app, free_port, kill,
                          record_days, start_gunicorn)
from test_job import assert_same_everywhere

from branch import counters, create_app as create_branch_app
from branch.auth import create_staff
from branch.cli import add_counters
from branch.db import db as branch_db, init_db as init_branch_db
from branch.models import Outbox, SyncState, Ticket
from branch.tickets import issue_ticket
from central.db import db as central_db
from central.merged import MergedTicket, OfficeSync, PassportTally, QuarantinedEvent, ReceivedEvent
from sync.client import MAX_BACKOFF

pytestmark = pytest.mark.slow

PEOPLE = int(os.environ.get("ANTREAN_PROOF_PEOPLE", "600"))        # the outage's day
KILLS = int(os.environ.get("ANTREAN_PROOF_KILLS", "50"))
BACKLOG_DAYS = int(os.environ.get("ANTREAN_PROOF_BACKLOG_DAYS", "10"))    # x 100 tickets
FLAP_SECONDS = float(os.environ.get("ANTREAN_PROOF_FLAP_SECONDS", "0.5"))
FLAP_CYCLES = int(os.environ.get("ANTREAN_PROOF_FLAP_CYCLES", "2"))
HOLD_SECONDS = float(os.environ.get("ANTREAN_PROOF_HOLD_SECONDS", "3"))
SEED = int(os.environ.get("ANTREAN_PROOF_SEED", str(random.randrange(10 ** 6))))

REGENCIES = ("3601", "3602", "3603", "3604", "3671", "3672", "3673", "3674")
WIB = timedelta(hours=7)
# A cron run during an outage gives up quickly; a run meant to finish has time to spare.
GIVE_UP = {"ANTREAN_SYNC_MAX_SECONDS": "0.5"}


class Clock:
    """The branch app's CLOCK: fixed, moved on by the test."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


def local_time(day, hour, minute=0):
    """`hour:minute` in Serang (UTC+7) on `day`, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc) - WIB


def nik(n, regency, born="150590"):
    """Person number `n`'s NIK (its serial is n, so each person has their own)."""
    return f"{regency}01{born}{n:04d}"


class Rig:
    """Central under gunicorn on `central_url`, the fault proxy in front of it, and the SRG
    branch (its app, on its own clock) whose `antrean-sync` talks to the proxy."""

    def __init__(self, tmp_path, central_url, clock):
        self.tmp, self.central_url, self.clock = tmp_path, central_url, clock
        _, tokens = central_app(central_url)
        self.port = free_port()
        self.servers, self.jobs = [], []
        starting = threading.Thread(target=self.start_central)    # while the branch is made
        starting.start()
        self.proxy = FaultProxy(self.port)
        try:
            self._make_branch(tmp_path, clock)
        finally:
            starting.join()
            if not self.servers or not hasattr(self, "staff"):
                self._stop_processes()       # the fixture never gets the rig to close
        assert self.servers, "central did not start"
        self.served = 0
        self.env = dict(os.environ, ANTREAN_DATABASE_URL=self.branch_url, ANTREAN_OFFICE="SRG",
                        ANTREAN_TOKEN=tokens["SRG"], ANTREAN_CENTRAL_URL=self.proxy.url,
                        ANTREAN_SYNC_MAX_SECONDS="60", ANTREAN_SYNC_BATCH_EVENTS="100",
                        ANTREAN_SYNC_TIMEOUT="2", ANTREAN_LOG_LEVEL="warning")

    def _make_branch(self, tmp_path, clock):
        self.branch_url = f"sqlite:///{tmp_path / 'branch.db'}"
        self.app = create_branch_app({
            "TESTING": True, "SECRET_KEY": "test", "OFFICE": "SRG",
            "DATABASE_URL": self.branch_url, "CENTRAL_URL": self.proxy.url, "CLOCK": clock,
            "RATELIMIT_ENABLED": False, "CAP_GENERAL": 10000, "CAP_PRIORITY": 10000})
        self.context = self.app.app_context()
        self.context.push()
        init_branch_db()
        branch_db.connect(reuse_if_open=True)
        add_counters(["1", "2"])
        self.staff = create_staff("petugas", "pw-for-tests", "staff")

    def start_central(self):
        self.servers.append(start_gunicorn(self.port, self.central_url, workers=2))

    def kill_central(self):
        kill(self.servers[-1])

    def job(self, *args, **env):
        """Start `antrean-sync --once` (or `args`); its output goes to files, never a pipe
        that a killed or unread job could fill."""
        n = len(self.jobs)
        out, err = (open(self.tmp / f"job{n}.{name}", "w+") for name in ("out", "err"))
        proc = subprocess.Popen([os.path.join(VENV_BIN, "antrean-sync"), *(args or ["--once"])],
                                env={**self.env, **env}, cwd=ROOT, stdout=out, stderr=err,
                                text=True, start_new_session=True)
        proc.out, proc.err = out, err
        self.jobs.append(proc)
        return proc

    def run(self, *args, timeout=120, **env):
        """A job run to its end: (exit status, stdout, stderr)."""
        return finish(self.job(*args, **env), timeout)

    def serve(self, people, step=timedelta(seconds=20)):
        """`people` applicants through the branch's own code, one after another at counter 1:
        every 20th in the priority lane (elderly), every 30th (from the 15th) transferred
        there at the counter, every 25th called twice, every 40th a no-show, the rest
        finished (every 7th without a passport)."""
        for _ in range(people):
            self.served += 1
            self._serve_one(self.served, step)

    def _serve_one(self, n, step):
        regency = REGENCIES[n % len(REGENCIES)]
        if n % 20 == 0:
            ticket = issue_ticket("priority", nik(n, regency, born="120350"), reason="elderly")
        else:
            ticket = issue_ticket("general", nik(n, regency))
        self.clock.advance(seconds=step.total_seconds())
        called = counters.call_next("1", self.staff)
        assert called.id == ticket.id
        if n % 30 == 15:
            counters.transfer(ticket.id, "priority", self.staff, reason="disability")
            counters.call_next("1", self.staff)
        if n % 25 == 0:
            counters.recall(ticket.id, self.staff)
        self.clock.advance(seconds=step.total_seconds())
        if n % 40 == 0:
            counters.no_show(ticket.id, self.staff)
        else:
            outcome = "incomplete_documents" if n % 7 == 0 else "passport_issued"
            counters.finish(ticket.id, outcome, self.staff)

    def close(self):
        self._stop_processes()
        if not branch_db.is_closed():
            branch_db.close()
        self.context.pop()

    def _stop_processes(self):
        for proc in self.jobs + self.servers:
            if proc.poll() is None:
                kill(proc)
        for proc in self.jobs:
            proc.out.close(), proc.err.close()
        self.proxy.stop()


def finish(proc, timeout=120):
    proc.wait(timeout=timeout)
    proc.out.seek(0), proc.err.seek(0)
    return proc.returncode, proc.out.read(), proc.err.read()


@pytest.fixture
def rig(tmp_path):
    """A rig on SQLite, the branch's clock at 08:00 in Serang on DAY."""
    made = Rig(tmp_path, f"sqlite:///{tmp_path / 'central.db'}", Clock(local_time(DAY, 8)))
    yield made
    made.close()


@pytest.fixture
def any_rig(tmp_path, central_db_url):
    """The same rig on SQLite and on PostgreSQL."""
    made = Rig(tmp_path, central_db_url, Clock(local_time(DAY, 8)))
    yield made
    made.close()


def pending():
    return Outbox.select().where(Outbox.state == "pending").count()


def central_received():
    """Central's received events of SRG, counted by id (a doubled event counts 2)."""
    with central_db.connection_context():
        return Counter(str(e.id) for e in ReceivedEvent.select(ReceivedEvent.id)
                       .where(ReceivedEvent.office == "SRG"))


def branch_passports():
    """Passports issued by day and regency as the branch recorded them (its outbox), checked
    against its tickets where it has them (record_days writes events only)."""
    issued = {}
    for event in Outbox.select().where(Outbox.kind == "ticket_finished"):
        payload = json.loads(event.payload)
        if payload["outcome"] == "passport_issued":
            issued[(str(event.day), payload["ticket"])] = payload["regency"]
    tickets = {(str(t.day), t.number): t.regency
               for t in Ticket.select().where(Ticket.outcome == "passport_issued")}
    days = {day for day, _ in tickets}
    assert tickets == {key: regency for key, regency in issued.items() if key[0] in days}
    return Counter((day, regency) for (day, _), regency in issued.items())


def central_passports():
    with central_db.connection_context():
        return Counter({(str(p.day), p.regency): p.count for p in PassportTally.select()
                        .where(PassportTally.office == "SRG", PassportTally.count > 0)})


def assert_proven(proxy):
    """Same ids and digests everywhere, passports by regency equal, lost 0, doubled 0, every
    ticket the branch holds merged at central with the branch's status and outcome, and no
    answer of central's through `proxy` a 5xx. Returns the number of events."""
    assert not [s for s in proxy.statuses if s.startswith("5")], proxy.statuses
    assert_same_everywhere()
    ours = Counter(o.uuid for o in Outbox.select(Outbox.uuid))
    theirs = central_received()
    lost, doubled = set(ours) - set(theirs), sum(n - 1 for n in theirs.values())
    assert (len(lost), doubled) == (0, 0)
    assert sum(theirs.values()) == sum(ours.values())
    assert Outbox.select().where(Outbox.state == "quarantined").count() == 0
    with central_db.connection_context():
        assert QuarantinedEvent.select().count() == 0
        merged = {(str(m.day), m.number): (m.status, m.outcome, m.lane)
                  for m in MergedTicket.select().where(MergedTicket.office == "SRG")}
    tickets = {(str(t.day), t.number): (t.status, t.outcome, t.lane) for t in Ticket.select()}
    assert {key: merged.get(key) for key in tickets} == tickets
    passports = branch_passports()
    assert central_passports() == passports
    print(f"proven: {len(ours)} events, {sum(passports.values())} passports, lost 0, "
          f"doubled 0; proxy connections {dict(proxy.counts)}")
    return len(ours)


# --- the scenarios ---------------------------------------------------------------------

def test_the_proxy_does_what_each_mode_says():
    """Each fault as the job's HTTP client (requests) sees it, counted by the proxy (here in
    front of a plain WSGI server that closes each connection after its answer, as
    gunicorn's sync workers do)."""
    import requests

    def health(environ, start_response):
        body = b'{"status": "ok", "padding": "' + b"x" * 1000 + b'"}'
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    server = ServerThread(health)
    proxy = FaultProxy(int(server.url.rsplit(":", 1)[1]))
    try:
        url = f"{proxy.url}/api/v1/health"
        assert requests.get(url, timeout=2).json()["status"] == "ok"
        for mode, error in (("refuse", requests.ConnectionError),
                            ("reset_after_request", requests.ConnectionError),
                            ("cut_mid_body", requests.exceptions.ChunkedEncodingError),
                            ("blackhole", requests.Timeout)):
            proxy.mode = mode
            with pytest.raises(error):
                requests.get(url, timeout=1).json()
        proxy.mode = "delay"
        started = time.monotonic()
        assert requests.get(url, timeout=2).status_code == 200
        assert time.monotonic() - started >= 0.1            # 50 ms each way
        assert dict(proxy.counts) == {"pass": 1, "refuse": 1, "reset_after_request": 1,
                                      "cut_mid_body": 1, "blackhole": 1, "delay": 1}
        # The server answered the requests whose answers the proxy then withheld.
        withheld = [(seen.mode, seen.status, json.loads(seen.body)["status"])
                    for seen in proxy.log if seen.body]
        assert withheld == [("reset_after_request", "200", "ok"),
                            ("cut_mid_body", "200", "ok")]
        assert proxy.seen("blackhole", "GET /api/v1/health") == 1
    finally:
        proxy.stop()
        server.stop()


def test_a_whole_day_outage_then_the_link_comes_back(any_rig):
    """600 people served with central unreachable all day (refused, then black-holed), the
    job failing fast from cron at midday and in the evening; the link back, one run sends
    it all."""
    rig = any_rig
    rig.proxy.mode = "refuse"
    rig.serve(PEOPLE // 2)
    status, _, err = rig.run(**GIVE_UP)              # cron at midday
    assert status == 1 and err.strip().splitlines()[-1].startswith(
        "antrean-sync: central unreachable: ConnectionError"), err
    rig.serve(PEOPLE - PEOPLE // 2)
    rig.proxy.mode = "blackhole"        # a link that takes the bytes and answers nothing
    status, _, err = rig.run(ANTREAN_SYNC_TIMEOUT="1", **GIVE_UP)    # cron in the evening
    assert status == 1 and "central unreachable: ReadTimeout" in err, err
    state = SyncState.get_by_id(1)
    assert state.central_reachable is False and state.unreachable_since is not None
    assert sum(central_received().values()) == 0
    waiting = pending()
    assert waiting == Outbox.select().count() > 3 * PEOPLE
    assert rig.proxy.counts["refuse"] >= 1 and rig.proxy.seen("blackhole", "/push") >= 1

    rig.proxy.mode = "pass"
    status, out, err = rig.run()
    assert status == 0, err
    assert out.startswith(f"antrean-sync: ok: pushed {waiting} events (0 already at central")
    assert "1 day(s) reconciled" in out
    assert assert_proven(rig.proxy) == waiting
    assert SyncState.get_by_id(1).central_reachable is True
    assert Ticket.select().where(Ticket.status == "done").count() == PEOPLE - PEOPLE // 40


def test_answers_lost_after_central_committed_are_sent_again_without_doubling(any_rig):
    """Every other push reaches central, which commits it, and the job gets a reset instead
    of the answer: it sends the batch again, central counts it once."""
    rig = any_rig
    record_days(branch_db, "SRG", DAY, days=2, tickets_per_day=150)      # 900 events
    rig.proxy.plan(*["reset_after_request", "pass"] * 5)
    status, out, err = rig.run()
    assert status == 0, err
    pushes = [seen for seen in rig.proxy.log
              if seen.mode == "reset_after_request" and "/push" in seen.request]
    assert len(pushes) >= 4 and {seen.status for seen in pushes} == {"200"}
    # Central committed these events and the job never heard of it; it sent them again
    # and central answered them as already there (a batch lost twice counts once).
    unheard = sum(json.loads(seen.body)["applied"] for seen in pushes)
    already = int(out.split("(")[1].split()[0])
    assert unheard >= 200 and already >= unheard, out
    assert assert_proven(rig.proxy) == 900


def test_a_link_flapping_during_a_large_backlog(rig):
    """The link switches every FLAP_SECONDS among refuse, reset_after_request, cut_mid_body and
    pass, FLAP_CYCLES times round, while a --watch job drains a backlog of BACKLOG_DAYS x 100
    tickets and the branch keeps writing events; then the link stays up. Each withholding
    state meets at least one push."""
    record_days(branch_db, "SRG", DAY, days=BACKLOG_DAYS, tickets_per_day=100)
    modes = ["refuse", "pass", "reset_after_request", "pass", "cut_mid_body", "pass"]
    watching = rig.job("--watch", "--interval", "0.2", ANTREAN_SYNC_BATCH_EVENTS="50")
    assert wait_for_connection(rig.proxy, 0, watching)      # pushing: the link starts to flap
    started, later = time.monotonic(), DAY + timedelta(days=BACKLOG_DAYS)
    # A state that withholds central's answer lasts until it has met a push too: the job,
    # backing off (up to MAX_BACKOFF between tries), may sleep through a whole FLAP_SECONDS.
    for mode in modes * FLAP_CYCLES:
        rig.proxy.mode, met = mode, rig.proxy.seen(mode, "/push")
        withholding = mode in ("reset_after_request", "cut_mid_body")
        later = keep_serving(later, FLAP_SECONDS, until=lambda: not withholding or (
            rig.proxy.seen(mode, "/push") > met))
        assert watching.poll() is None, "the watching job stopped"
    rig.proxy.mode = "pass"
    wait_until(lambda: pending() == 0, watching, seconds=60)
    kill(watching)
    total = Outbox.select().count()
    print(f"flapping: {total} events, {time.monotonic() - started:.1f} s, "
          f"connections {dict(rig.proxy.counts)}")
    assert rig.proxy.counts["refuse"] >= 1
    assert rig.proxy.seen("reset_after_request", "/push") >= FLAP_CYCLES
    assert rig.proxy.seen("cut_mid_body", "/push") >= FLAP_CYCLES
    assert rig.run()[0] == 0            # a quiet run: nothing left, everything agrees
    assert assert_proven(rig.proxy) == total


def keep_serving(day, seconds, until=lambda: True, longest=MAX_BACKOFF + 15):
    """Write five tickets' events every 0.1 s for `seconds`, and on until `until()` holds
    (`longest` seconds at most), each lot on a day of its own from `day` on (record_days
    numbers tickets from A001 each day); the next free day."""
    started = time.monotonic()
    while time.monotonic() - started < seconds or not until():
        assert time.monotonic() - started < longest, "the job never came back to push"
        record_days(branch_db, "SRG", day, days=1, tickets_per_day=5)
        day += timedelta(days=1)
        time.sleep(0.1)
    return day


def test_the_job_killed_at_random_moments_over_one_backlog(rig):
    """SIGKILL KILLS times: mostly soon after a run starts talking to central (push, pull,
    reconcile or report), sometimes before; the branch serves a person between runs. A run
    that ends before its moment comes is a clean run, and another is started, until KILLS
    kills have landed on a live job."""
    shuffle = random.Random(SEED)
    record_days(branch_db, "SRG", DAY - timedelta(days=10), days=10, tickets_per_day=100)
    killed = talking = runs = 0
    while killed < KILLS:
        # A guard against a job that never lives long enough to be killed. Once the backlog
        # is drained a run may end inside its 0-0.3 s window, so on a fast machine about
        # half the kills land (seed 130396: 49 of 100): 4x, not 2x, leaves room for that.
        assert runs < 4 * KILLS, f"seed {SEED}: only {killed} of {runs} kills landed"
        runs += 1
        before = sum(rig.proxy.counts.values())
        proc = rig.job(ANTREAN_SYNC_BATCH_EVENTS="50")
        if shuffle.random() < 0.2:
            time.sleep(shuffle.uniform(0.1, 1.0))        # starting, opening the database
        elif wait_for_connection(rig.proxy, before, proc):
            time.sleep(shuffle.uniform(0, 0.3))
            talking += proc.poll() is None
        if proc.poll() is None:
            kill(proc)
            killed += 1
        else:
            assert proc.returncode == 0, finish(proc)[2]
        rig.serve(1)
    status, out, err = rig.run()
    print(f"kills: {killed} in {runs} runs, {talking} while talking to central, "
          f"seed {SEED}, {Outbox.select().count()} events")
    assert status == 0, err
    assert Ticket.select().count() == runs
    assert assert_proven(rig.proxy) >= 3000 + 3 * runs


def wait_for_connection(proxy, before, proc, seconds=30):
    """Wait until the proxy accepts a connection after `before` had been counted."""
    deadline = time.monotonic() + seconds
    while sum(proxy.counts.values()) == before:
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_central_restarted_mid_push(rig):
    """Central's gunicorn SIGKILLed while the job pushes, started again half a second later."""
    record_days(branch_db, "SRG", DAY, days=BACKLOG_DAYS, tickets_per_day=100)
    total = Outbox.select().count()
    proc = rig.job(ANTREAN_SYNC_BATCH_EVENTS="50")
    wait_for_cursor(proc)
    rig.kill_central()
    landed = sum(central_received().values())
    time.sleep(0.5)
    rig.start_central()
    status, out, err = finish(proc)
    assert status == 0, err
    assert 0 < landed < total             # killed mid-backlog
    assert assert_proven(rig.proxy) == total


def wait_for_cursor(proc, seconds=30):
    """Wait until central has committed a first batch of SRG's."""
    deadline = time.monotonic() + seconds
    while True:
        with central_db.connection_context():
            row = OfficeSync.get_or_none(OfficeSync.office == "SRG")
        if row and row.cursor:
            return
        assert proc.poll() is None and time.monotonic() < deadline, "the job never pushed"
        time.sleep(0.02)


def test_the_branch_clock_a_day_behind_a_day_ahead_and_across_midnight(rig):
    """The branch's clock is wrong (central's is right): its business days are central's
    yesterday, then its tomorrow; then its evening runs past midnight with a ticket
    called before and finished after it, synced on both sides of midnight."""
    today = (datetime.now(timezone.utc) + WIB).date()
    rig.clock.now = local_time(today - timedelta(days=1), 9)
    rig.serve(20)
    assert rig.run()[0] == 0
    assert assert_proven(rig.proxy) > 0
    rig.clock.now = local_time(today + timedelta(days=1), 9)
    rig.serve(20)
    assert rig.run()[0] == 0
    assert assert_proven(rig.proxy) > 0

    evening = today + timedelta(days=1)
    rig.clock.now = local_time(evening, 23, 45)
    rig.serve(5, step=timedelta(minutes=1))
    late = issue_ticket("general", nik(9000, "3602"))
    rig.clock.now = local_time(evening, 23, 59)
    counters.call_next("2", rig.staff)
    assert rig.run()[0] == 0                           # at 23:59, the late ticket called
    rig.clock.now = local_time(evening + timedelta(days=1), 0, 3)
    counters.finish(late.id, "passport_issued", rig.staff)
    rig.serve(5)
    status, out, err = rig.run()
    assert status == 0, err
    assert {str(t.day) for t in Ticket.select()} == {
        str(today - timedelta(days=1)), str(evening), str(evening + timedelta(days=1))}
    assert Ticket.get_by_id(late.id).day == evening    # finished after midnight, counted
    assert central_passports()[(str(evening), "3602")] >= 1     # on the day it was issued
    assert assert_proven(rig.proxy) > 0


def test_two_jobs_at_once(rig):
    """A second job while one runs exits at once (status 3, saying why); two started at
    the same instant: one runs, the other refuses or runs after it; a --watch job holding
    the lock while cron starts --once runs. Nothing is doubled."""
    rig.serve(30)
    rig.proxy.mode = "blackhole"        # the first job waits for an answer, holding the lock
    first = rig.job(ANTREAN_SYNC_TIMEOUT="30")
    assert wait_for_connection(rig.proxy, 0, first)
    status, _, err = rig.run()
    assert first.poll() is None                          # still running: they overlapped
    assert status == 3 and "another antrean-sync is already running" in err, err
    rig.proxy.mode = "pass"
    rig.proxy.drop()                    # the link comes back: the first job tries again
    assert finish(first)[0] == 0
    rig.serve(10)
    together = [rig.job(), rig.job()]                   # started at the same instant
    assert sorted(finish(proc)[0] for proc in together) in ([0, 3], [0, 0])

    watching = rig.job("--watch", "--interval", "0.5")
    assert wait_for_connection(rig.proxy, sum(rig.proxy.counts.values()), watching)
    rig.serve(10)
    assert rig.run()[0] == 3
    wait_until(lambda: pending() == 0, watching)
    kill(watching)
    assert rig.run()[0] == 0
    assert assert_proven(rig.proxy) >= 3 * 50


def wait_until(condition, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None and time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_centrals_database_held_by_a_long_writer(any_rig, central_db_url):
    """While the job pushes, another writer holds central's database (SQLite: BEGIN
    IMMEDIATE on the file) or SRG's sync row (PostgreSQL: SELECT ... FOR UPDATE) for
    HOLD_SECONDS; central waits, the job's reads time out and retry, and the run ends
    well once the writer lets go."""
    rig = any_rig
    rig.serve(10)
    assert rig.run()[0] == 0                  # central knows SRG: its sync row exists
    rig.serve(60)
    release = hold_central(central_db_url)
    started = time.monotonic()
    proc = rig.job(ANTREAN_SYNC_TIMEOUT="1", ANTREAN_SYNC_BATCH_EVENTS="50")
    wait_until(lambda: rig.proxy.seen("pass", "/push") >= 2, proc)   # pushed, twice: a retry
    time.sleep(max(0.0, HOLD_SECONDS - (time.monotonic() - started)))
    assert proc.poll() is None and sum(central_received().values()) == 30
    release()
    status, out, err = finish(proc)
    assert status == 0, err
    assert time.monotonic() - started >= HOLD_SECONDS
    assert assert_proven(rig.proxy) > 3 * 70


def hold_central(url):
    """Take central's write lock as another writer would; returns the function letting go."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE office_sync SET last_seen_at = last_seen_at WHERE office = 'SRG'")
    else:
        conn = psycopg2.connect(url)
        conn.cursor().execute("SELECT * FROM office_sync WHERE office = 'SRG' FOR UPDATE")

    def release():
        conn.rollback() if not url.startswith("sqlite") else conn.execute("ROLLBACK")
        conn.close()
    return release


def test_an_answer_trickling_in_ends_the_attempt_in_bounded_time(rig):
    """Central's answers arrive one byte every 0.3 s: each read gets its byte within the
    1 s read timeout, so that timeout alone would let one answer take minutes and hold
    the job's lock as long (every later cron run exiting 3). The whole answer must come
    within the connect timeout plus twice the read timeout, or the attempt fails."""
    rig.serve(10)
    rig.proxy.mode, rig.proxy.delay_ms = "trickle", 300
    started = time.monotonic()
    status, _, err = rig.run(ANTREAN_SYNC_TIMEOUT="1", ANTREAN_SYNC_MAX_SECONDS="1",
                             timeout=40)
    assert status == 1 and "central unreachable: Timeout" in err, err
    assert time.monotonic() - started < 25
    assert rig.proxy.seen("trickle", "/push") >= 1
    rig.proxy.mode = "pass"
    assert rig.run()[0] == 0
    assert assert_proven(rig.proxy) >= 30
