"""A Hypothesis state machine over one office's day: people, counters, central and the link.

Rules: issue a ticket (general, priority, booking check-in) at the branch, call, finish
(served or not), no-show; book and cancel online at central over HTTP; suspend a NIK at
central as the admin console does; central down and up (the job's connections refused);
sync (the real job's run_once in-process, against central served over real HTTP, with or
without a fault in front of a push); and kill a sync mid-step (the real `antrean-sync
--once` entry point in a forked process, SIGKILLed while central holds its k-th push,
after committing it or before, or its pull, or its reconcile, or after a random delay).

A model says what should be true. After every quiet sync (central up, a run that
succeeded) both sides hold the same event ids and digests, central counts every event
the branch made exactly once, passports by regency at central equal the branch's served
tickets, every merged ticket and booking is as the model says, no slot is overbooked, and
the branch's copies of bookings and suspensions are central's. A suspension is enforced
by the branch (refused, and the refusal recorded) from the pull that carried it, and not
before. Docs: docs/RELIABILITY.md. Longer runs: ANTREAN_PROOF_EXAMPLES=500.
"""
import base64
import itertools
import os
import shutil
import signal
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Optional

import pytest
import requests
from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)
from postgres_support import empty_schema
from sync_support import Faults, ServerThread, free_port, quick_sleep
from test_job import assert_same_everywhere

from branch import create_app as create_branch_app
from branch.cli import add_counters
from branch.db import db as branch_db, init_db as init_branch_db
from branch.models import LocalBooking, LocalSuspension, Outbox, Refusal, Staff, Ticket
from central import create_app as create_central_app
from central.admin.actions import issue_suspension_audited, lift_suspension_audited
from central.db import db as central_db, init_db as init_central_db
from central.merged import (Conflict, MergedRefusal, MergedTicket, PassportTally,
                            QuarantinedEvent, ReceivedEvent)
from central.models import Booking, Office, Suspension
from central.tokens import issue_token
from sync import job, logins
from sync.database import open_database, pooled

pytestmark = pytest.mark.slow

DAY = date(2026, 11, 27)                                     # a Friday
OTHER_DAY = date(2026, 11, 30)                               # the Monday after: bookable too
CENTRAL_NOW = datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)    # 07.00 WIB: slots open
BRANCH_NOW = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)    # 09.30 WIB
HOURS, SLOT_CAPACITY, DAILY_QUOTA = (10, 11), 2, 3            # small: full slots happen
NIKS = ["3601014501900001", "3602015507850002", "3604012003700003", "3673016112950004",
        "3601022006880005"]
SUSPENDABLE = NIKS[:3]
COUNTERS = ("1", "2")
PER_DAY = 3                     # the branch's NIK_TICKETS_PER_DAY (one waiting per lane)
EXAMPLES = int(os.environ.get("ANTREAN_PROOF_EXAMPLES", "25"))
STEPS = int(os.environ.get("ANTREAN_PROOF_STEPS", "25"))
STAFF = {"Authorization": "Basic " + base64.b64encode(b"staff:pw-for-the-machine").decode()}
_password_hash = []             # one scrypt hash per run: the branch's login cache keeps it
STATS = Tally()                 # what the run exercised, printed at the end (pytest -s)


def note(what):
    """Count `what` for the run's summary and tell Hypothesis (its statistics)."""
    STATS[what] += 1
    if currently_in_test_context():     # a plain test replaying steps has no statistics
        event(what)


@dataclass
class ModelTicket:
    id: int
    number: str
    nik: str
    lane: str
    booking_code: Optional[str] = None
    status: str = "waiting"         # waiting | called | done | no_show
    counter: Optional[str] = None
    outcome: Optional[str] = None
    reason: Optional[str] = None
    recalls: int = 0


@dataclass
class ModelBooking:
    code: str
    nik: str
    day: date
    hour: int
    cancelled: bool = False         # central accepted a cancel


class HoldingFaults(Faults):
    """sync_support.Faults, plus holds: central keeps a request (having committed it, or
    not) until the test has killed the job waiting for the answer."""

    def __init__(self, app):
        super().__init__(app)
        self.held, self.released = threading.Event(), threading.Event()
        self.in_flight, self.idle = 0, threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.in_flight += 1
        try:
            return super().__call__(environ, start_response)
        finally:
            with self.idle:
                self.in_flight -= 1
                self.idle.notify_all()

    def hold_after_commit(self, environ, start_response):
        self._through(environ, lambda *a: None)
        return self._hold(environ, start_response)

    def hold_before_commit(self, environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        return self._hold(environ, start_response)

    def _hold(self, environ, start_response):
        self.held.set()
        self.released.wait(10)
        return self.lose_request(environ, start_response)    # the job is gone: hang up

    def wait_for_hold(self, pid, seconds):
        """Wait until a request is held, the job `pid` ended, or `seconds` passed:
        "held", "ended" (the job reaped) or "running"."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.held.is_set():
            ended, status = os.waitpid(pid, os.WNOHANG)
            if ended:   # a whole run, with no hold on its way: it must have succeeded
                assert os.waitstatus_to_exitcode(status) == job.OK, "the job failed"
                return "ended"
            time.sleep(0.005)
        return "held" if self.held.is_set() else "running"

    def release_hold(self):
        """Let a held request end, and the requests the dead job had sent meanwhile be
        answered (into the void: central may still commit them); then clear every plan."""
        self.released.set()
        with self.idle:
            self.idle.wait_for(lambda: self.in_flight == 0, timeout=10)
        self.plans = {name: [] for name in self.plans}
        self.held.clear()
        self.released.clear()


class World:
    """Central (one app, served in a thread, a fresh database per example) and the branch app."""

    def __init__(self, tmp_path, central_url):
        self.tmp, self.examples = tmp_path, itertools.count()
        self.postgres = central_url if central_url.startswith("postgresql") else None
        self.dead_url = f"http://127.0.0.1:{free_port()}"   # nothing listens: refused
        templates = tmp_path / "central-template.db", tmp_path / "branch-template.db"
        self.central = create_central_app({
            "DATABASE_URL": f"sqlite:///{templates[0]}", "TESTING": True,
            "RATELIMIT_ENABLED": False, "CLOCK": lambda: CENTRAL_NOW})
        self.faults = HoldingFaults(self.central.wsgi_app)
        self.server = ServerThread(self.faults)
        self.branch = create_branch_app({
            "DATABASE_URL": f"sqlite:///{templates[1]}", "OFFICE": "SRG",
            "TESTING": True, "SECRET_KEY": "the-machine-" * 4, "RATELIMIT_ENABLED": False,
            "CLOCK": lambda: BRANCH_NOW, "NIK_WAITING_PER_LANE": 1,
            "NIK_TICKETS_PER_DAY": PER_DAY})
        # SQLite: each example starts from a copy of these (migrations run once, not 25 times).
        self.templates, self.token = templates, self._populate_central()
        self._populate_branch()
        for pool in (central_db.obj, branch_db.obj):
            pool.close_all()        # the last connection out checkpoints the WAL: copyable

    def _populate_central(self):
        """Offices SRG (a small day: full slots happen) and CLG; SRG's sync token."""
        init_central_db()
        with central_db.connection_context():
            Office.create(code="SRG", name="Kantor Imigrasi Serang", daily_quota=DAILY_QUOTA,
                          slot_hours=",".join(map(str, HOURS)), slot_capacity=SLOT_CAPACITY)
            Office.create(code="CLG", name="Kantor Imigrasi Cilegon")
            return issue_token("SRG")

    def _populate_branch(self):
        init_branch_db()
        with self.branch.app_context(), branch_db.connection_context():
            add_counters(list(COUNTERS))
            if not _password_hash:
                _password_hash.append(logins.hash_password("pw-for-the-machine"))
            Staff.create(username="staff", password_hash=_password_hash[0], role="staff")

    def fresh(self):
        """Databases as a new office's first morning, for both sides; the files to remove."""
        n = next(self.examples)
        central_path, branch_path = self.tmp / f"central-{n}.db", self.tmp / f"branch-{n}.db"
        central_db.obj.close_all()
        if self.postgres:
            empty_schema(self.postgres)
            central_db.initialize(open_database(pooled(self.postgres)))
            token = self._populate_central()
        else:
            shutil.copyfile(self.templates[0], central_path)
            central_db.initialize(open_database(pooled(f"sqlite:///{central_path}"),
                                                temp_store="memory"))
            token = self.token
        self.central.config["DATABASE_URL"] = self.postgres or f"sqlite:///{central_path}"
        shutil.copyfile(self.templates[1], branch_path)
        branch_url = f"sqlite:///{branch_path}"
        branch_db.initialize(open_database(branch_url))
        self.branch.config["DATABASE_URL"] = branch_url
        self.faults.plans = {name: [] for name in self.faults.plans}
        cfg = {"DATABASE_URL": branch_url, "OFFICE": "SRG", "CENTRAL_URL": self.server.url,
               "TOKEN": token, "SYNC_MAX_SECONDS": 20, "SYNC_TIMEOUT": 2.0,
               "SYNC_BATCH_EVENTS": 2, "LOG_FORMAT": "text", "LOG_LEVEL": "WARNING"}
        return cfg, [central_path, branch_path]

    def stop(self):
        self.server.stop()
        if not central_db.is_closed():
            central_db.close()


PEOPLE = st.lists(st.tuples(st.sampled_from(NIKS), st.sampled_from(["general", "priority"])),
                  min_size=1, max_size=3)  # walk-ins at the kiosk, one after another
NEVER_SUSPENDED = [nik for nik in NIKS if nik not in SUSPENDABLE]
MEANWHILE = st.lists(st.tuples(st.sampled_from(NEVER_SUSPENDED),
                               st.sampled_from(["general", "priority"])),
                     max_size=2)    # walk-ins while a job runs
PICK = st.integers(0, 15)       # which of the bookings or tickets a rule acts on
KILL_MOMENTS = st.one_of(       # (step, k, hold): kill while central holds the k-th request
    st.tuples(st.just("push"), st.integers(0, 2), st.sampled_from(["hold_after_commit",
                                                                  "hold_before_commit"])),
    st.tuples(st.sampled_from(["changes", "digests"]), st.just(0), st.just("hold_after_commit")),
    st.tuples(st.just("timed"), st.integers(0, 300), st.just(None)))    # k ms after the start
OUTCOMES = ["passport_issued", "passport_issued", "rejected", "incomplete_documents", "no_show"]


def pick(items, index):
    """items[index], wrapping; None if there are none. Rules draw an index, not an item
    from a list whose length depends on what a killed run did: Hypothesis needs each
    example's draws to be the same when it runs it again."""
    items = list(items)
    return items[index % len(items)] if items else None


def remove(paths):
    for path in paths:
        for suffix in ("", "-wal", "-shm", ".sync.lock"):
            try:
                os.remove(f"{path}{suffix}")
            except FileNotFoundError:
                pass


class OfficeDay(RuleBasedStateMachine):
    """One office's day. `world` is set by the test before the machine runs."""
    world = None

    @initialize()
    def open_office(self):
        self.cfg, self.paths = self.world.fresh()
        self.client = self.world.branch.test_client()
        self.up, self.serving, self.uncertain = True, True, False
        self.tickets, self.bookings = {}, {}           # by branch id / booking code
        self.suspensions = {}                          # central's in force: id -> NIK
        self.local_suspended = set()                   # NIKs in the branch's list (model)
        self.local_bookings = {}                       # code -> status in the branch's copy
        self.central_status = {}                       # code -> status at central (model)
        self.refusals = 0
        self.events = Tally()                          # outbox events the branch made, by kind

    def teardown(self):
        """The end of the day: central up, one quiet sync, every invariant; then clean up."""
        try:
            if hasattr(self, "cfg"):
                self.sync("none", back_up=True)
        finally:
            if not branch_db.is_closed():
                branch_db.close()
            remove(getattr(self, "paths", []))

    # --- the branch: kiosk and counters ------------------------------------------------

    @rule(people=PEOPLE)
    def walk_in(self, people):
        """People take general or priority (disability) tickets at the kiosk."""
        for nik, lane in people:
            body = {"lane": lane, "nik": nik}
            if lane == "priority":
                body["reason"] = "disability"
            self._take(body, self._refusal(nik, lane))

    @rule(which=PICK)
    def check_in(self, which):
        booking = pick(self.bookings.values(), which)
        if booking is None:
            return
        expected = self._refusal(booking.nik, "booking", booking)
        self._take({"lane": "booking", "nik": booking.nik, "booking_code": booking.code},
                   expected, booking)

    def _refusal(self, nik, lane, booking=None):
        """The code the branch must refuse with (in the order it checks), or None."""
        if nik in self.local_suspended:
            return "suspended"
        mine = [t for t in self.tickets.values() if t.nik == nik]
        if booking is not None:
            if any(t.booking_code == booking.code for t in self.tickets.values()):
                return "already_checked_in"
            if self.local_bookings.get(booking.code) == "cancelled":
                return "booking_cancelled"
            if booking.code in self.local_bookings and booking.day != DAY:
                return "wrong_day"
        if any(t.lane == lane and t.status == "waiting" for t in mine):
            return "nik_waiting"
        if len(mine) >= PER_DAY:
            return "nik_daily_limit"
        return None

    def _take(self, body, refusal, booking=None):
        answer = self.client.post("/api/v1/tickets", json=body)
        if refusal == "suspended":
            assert (answer.status_code, answer.json.get("error")) == (403, "suspended"), \
                answer.json
            self.refusals += 1
            note("ticket refused: suspended")
            self.events["suspended_refused"] += 1
            with self.world.branch.app_context(), branch_db.connection_context():
                assert Refusal.select().count() == self.refusals     # each refusal recorded
            return
        if refusal:
            assert answer.json.get("error") == refusal, (refusal, answer.json)
            note(f"ticket refused: {refusal}")
            return
        assert answer.status_code == 201, answer.json
        ticket = answer.json
        if booking is not None:
            known = booking.code in self.local_bookings
            assert ticket["booking_verified"] is known, (known, ticket)
            self.events["booking_checked_in"] += 1
        self.tickets[ticket["id"]] = ModelTicket(ticket["id"], ticket["number"], body["nik"],
                                                 body["lane"], body.get("booking_code"),
                                                 reason=body.get("reason"))
        self.events["ticket_issued"] += 1
        note(f"ticket issued: {body['lane']}" + ("" if booking is None else
                                                  " verified" if known else " provisional"))

    @rule(counter=st.sampled_from(COUNTERS), then=st.sampled_from([None, *OUTCOMES]))
    def call(self, counter, then):
        """Call the next person to `counter`; `then`: serve them at once (or wait)."""
        busy = [t for t in self.tickets.values() if t.status == "called" and t.counter == counter]
        answer = self.client.post(f"/api/v1/counters/{counter}/call", headers=STAFF)
        if busy:
            assert (answer.status_code, answer.json.get("error")) == (409, "invalid_state")
            return
        assert answer.status_code == 200, answer.json
        waiting = {t.id for t in self.tickets.values() if t.status == "waiting"}
        called = answer.json["ticket"]
        if not waiting:
            assert called is None
            return
        assert called is not None and called["id"] in waiting, (called, waiting)
        ticket = self.tickets[called["id"]]
        ticket.status, ticket.counter = "called", counter
        self.events["ticket_called"] += 1
        note(f"called: {ticket.lane}")
        if then:
            self._close(ticket, then)

    @rule(which=PICK, outcome=st.sampled_from(OUTCOMES))
    def finish(self, which, outcome):
        """Close a ticket called earlier: served with an outcome, or not present."""
        ticket = pick([t for t in self.tickets.values() if t.status == "called"], which)
        if ticket is not None:
            self._close(ticket, outcome)

    @rule(which=PICK)
    def recall(self, which):
        """Call a ticket at a counter again: the person did not come up yet."""
        ticket = pick([t for t in self.tickets.values() if t.status == "called"], which)
        if ticket is None:
            return
        answer = self.client.post(f"/api/v1/tickets/{ticket.id}/recall", headers=STAFF)
        assert answer.status_code == 200 and answer.json["recalls"] == ticket.recalls + 1
        ticket.recalls += 1
        self.events["ticket_recalled"] += 1
        note("recalled")

    @rule(which=PICK, lane=st.sampled_from(["general", "priority"]))
    def transfer(self, which, lane):
        """Move a waiting or called ticket to the back of another lane."""
        ticket = pick([t for t in self.tickets.values() if t.status in ("waiting", "called")],
                      which)
        if ticket is None:
            return
        reason = "disability" if lane == "priority" else None
        answer = self.client.post(f"/api/v1/tickets/{ticket.id}/transfer", headers=STAFF,
                                  json={"lane": lane, "reason": reason})
        if ticket.lane == lane:
            assert (answer.status_code, answer.json.get("error")) == (409, "invalid_state")
            return
        assert answer.status_code == 200, answer.json
        note(f"transferred: {ticket.lane} to {lane}")
        ticket.lane, ticket.status, ticket.counter, ticket.reason = lane, "waiting", None, reason
        self.events["ticket_transferred"] += 1

    def _close(self, ticket, outcome):
        if outcome == "no_show":
            answer = self.client.post(f"/api/v1/tickets/{ticket.id}/no-show", headers=STAFF)
            ticket.status = "no_show"
            self.events["ticket_no_show"] += 1
        else:
            answer = self.client.post(f"/api/v1/tickets/{ticket.id}/finish", headers=STAFF,
                                      json={"outcome": outcome})
            ticket.status, ticket.outcome = "done", outcome
            self.events["ticket_finished"] += 1
        assert answer.status_code == 200, answer.json
        assert answer.json["status"] == ticket.status
        note(f"finished: {outcome}")

    # --- central: applicants and the admin -----------------------------------------------

    @precondition(lambda self: self.serving)
    @rule(nik=st.sampled_from(NIKS), hour=st.sampled_from(HOURS),
          day=st.sampled_from([DAY, DAY, OTHER_DAY]))
    def book_online(self, nik, hour, day=DAY):
        statuses = self._central_statuses()
        occupying = [b for b in self.bookings.values() if b.day == day
                     and statuses[b.code] in ("booked", "checked_in", "served")]
        if nik in self.central_suspended:
            expected = "suspended"
        elif any(b.nik == nik and statuses[b.code] == "booked" for b in self.bookings.values()):
            expected = "duplicate_booking"
        elif len(occupying) >= DAILY_QUOTA:
            expected = "quota_full"
        elif sum(b.hour == hour for b in occupying) >= SLOT_CAPACITY:
            expected = "slot_full"
        else:
            expected = None
        answer = requests.post(f"{self.world.server.url}/api/v1/bookings", timeout=10, json={
            "office": "SRG", "date": day.isoformat(), "hour": hour, "nik": nik,
            "name": "Pemohon Uji", "purpose": "general"})
        note(f"booking online: {expected or 'booked'}")
        if expected:
            assert answer.json().get("error") == expected, (expected, answer.json())
            return
        assert answer.status_code == 201, answer.json()
        code = answer.json()["code"]
        self.bookings[code] = ModelBooking(code, nik, day, hour)
        self.central_status[code] = "booked"

    @precondition(lambda self: self.serving)
    @rule(which=PICK)
    def cancel_online(self, which):
        booking = pick(self.bookings.values(), which)
        if booking is None:
            return
        status = self._central_statuses()[booking.code]
        answer = requests.post(f"{self.world.server.url}/api/v1/bookings/{booking.code}/cancel",
                               json={"nik": booking.nik}, timeout=10)
        note(f"cancel online of a {status} booking")
        if status in ("booked", "cancelled"):
            assert answer.status_code == 200, answer.json()
            booking.cancelled = True
            self.central_status[booking.code] = "cancelled"
        else:
            assert answer.json().get("error") == "not_cancellable", (status, answer.json())

    @precondition(lambda self: self.serving and len(self.central_suspended) < 2)
    @rule(nik=st.sampled_from(SUSPENDABLE))
    def suspend(self, nik):
        """As the admin console and `flask --app central suspend` do (audited). Only some
        NIKs: a day where everybody is suspended tests little else."""
        with self.world.central.app_context(), central_db.connection_context():
            suspension = issue_suspension_audited("cli:machine", nik, 24,
                                                  "falsification proven", DAY, CENTRAL_NOW)
        self.suspensions[suspension.id] = nik
        note("suspension issued")

    @precondition(lambda self: self.serving)
    @rule(which=PICK)
    def lift(self, which):
        """An admin lifts a suspension early (overturned on appeal), as the console does."""
        suspension_id = pick(sorted(self.suspensions), which)
        if suspension_id is None:
            return
        with self.world.central.app_context(), central_db.connection_context():
            lift_suspension_audited("cli:machine", suspension_id, "overturned on appeal",
                                    CENTRAL_NOW)
        del self.suspensions[suspension_id]
        note("suspension lifted")

    @property
    def central_suspended(self):
        """The NIKs central holds suspended now."""
        return set(self.suspensions.values())

    # --- the link and the job ------------------------------------------------------------

    @precondition(lambda self: self.up)
    @rule(whole=st.booleans())
    def central_down(self, whole):
        """The job's connections are refused: central is down for everybody (`whole`), or
        only the office's link is (applicants still book and cancel, admins suspend)."""
        self.up, self.serving = False, not whole

    @precondition(lambda self: not self.up)
    @rule()
    def central_up(self):
        self.up = self.serving = True

    @rule(fault=st.sampled_from(["none", "none", "lose_response", "lose_request",
                                 "duplicate", "error_500"]), back_up=st.booleans(),
          kill=st.one_of(st.none(), KILL_MOMENTS))
    def sync(self, fault, back_up, kill=None):
        """One run of the job: failing at once while central is down (unless it is back up
        first), else succeeding whatever the one fault in front of a push, or killed."""
        if back_up:
            self.up = self.serving = True
        if self.up and kill:
            return self.kill_sync(kill, [])
        if not self.up:
            status, line = job.run_once(dict(self.cfg, CENTRAL_URL=self.world.dead_url,
                                             SYNC_MAX_SECONDS=0.2), sleep=quick_sleep)
            assert status == job.FAILED and line.startswith("central unreachable"), line
            note("sync with central down")
            return
        self.world.faults.plan = [fault]
        status, line = job.run_once(self.cfg, sleep=quick_sleep)
        assert status == job.OK, line
        note(f"quiet sync, fault {fault}")
        self._after_quiet_sync()

    @precondition(lambda self: self.up)
    @rule(moment=KILL_MOMENTS, people=PEOPLE, meanwhile=MEANWHILE)
    def kill_sync(self, moment, people, meanwhile=()):
        """The real entry point (`antrean-sync --once`) in a forked process, SIGKILLed while
        central holds its k-th push (after committing it, or before), its pull or its
        reconcile, or after a random delay. `people` take tickets just before: there is
        something to push; `meanwhile` others take tickets while the job runs (NIKs never
        suspended: what the kiosk answers them cannot depend on how far the job got)."""
        self.walk_in(people)
        step, k, hold = moment
        pending, faults = self._pending(), self.world.faults
        if step != "timed":
            faults.plans[step] = ["none"] * k + [hold]
        pid = os.fork()
        if pid == 0:            # the child: the job as cron runs it, then out without cleanup
            status = 1
            try:
                os.environ.update({f"ANTREAN_{key}": str(value)
                                   for key, value in self.cfg.items()})
                status = job.main(["--once"])
            finally:
                os._exit(status)
        self.walk_in(meanwhile)
        waited = faults.wait_for_hold(pid, k / 1000 if step == "timed" else 10)
        if waited != "ended":
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        faults.release_hold()
        left = self._pending()
        when = ("nothing acknowledged" if left == pending and pending else
                "part acknowledged" if left else "push done")
        note(f"sync SIGKILLed ({step}{' ' + hold if waited == 'held' else ''}): {when}"
             if waited != "ended" else f"sync finished before the kill ({step}, "
                                       f"{pending} pending)")
        self.uncertain = True
        self._resolve_uncertainty()

    def _pending(self):
        """Events in the outbox central has not acknowledged (the branch connection closed
        after: a forked child must not share it)."""
        with branch_db.connection_context():
            return Outbox.select().where(Outbox.state == "pending").count()

    # --- what must hold ------------------------------------------------------------------

    @invariant()
    def no_slot_overbooked(self):
        """Places held by bookings central accepted (never cancelled) stay within capacity."""
        with central_db.connection_context():
            held = list(Booking.select(Booking.date, Booking.hour).where(
                Booking.status.in_(("booked", "checked_in", "served")),
                Booking.cancelled_at.is_null()))
        assert all(n <= DAILY_QUOTA for n in Tally(b.date for b in held).values())
        assert all(n <= SLOT_CAPACITY for n in Tally((b.date, b.hour) for b in held).values())

    def _after_quiet_sync(self):
        self.uncertain = False
        with self.world.branch.app_context(), branch_db.connection_context():
            assert_same_everywhere()
            branch_copy = {b.code: b.status for b in LocalBooking.select()}
            local_niks = {s.nik for s in LocalSuspension.select()}
            branch_passports = Tally(t.regency for t in Ticket.select().where(
                Ticket.outcome == "passport_issued"))
            assert Outbox.select().where(Outbox.state == "quarantined").count() == 0
        with central_db.connection_context():
            kinds = Tally(e.kind for e in ReceivedEvent.select(ReceivedEvent.kind))
            passports = Tally()
            for row in PassportTally.select():
                passports[row.regency] += row.count
            merged = {t.number: t for t in MergedTicket.select()}
            statuses = {b.code: b.status for b in Booking.select()}
            suspended = {s.nik for s in Suspension.select().where(Suspension.lifted_at.is_null())}
            flagged = {(c.kind, c.subject) for c in Conflict.select().where(
                Conflict.kind.in_(("cancelled_but_served", "booking_other_day")))}
            assert QuarantinedEvent.select().count() == 0
            assert MergedRefusal.select().count() == self.refusals
        assert kinds == +self.events, "an event lost or doubled at central"
        expected_passports = Tally(t.nik[:4] for t in self.tickets.values()
                                   if t.outcome == "passport_issued")
        assert passports == branch_passports == expected_passports
        self._check_merged(merged)
        assert statuses == self._expected_statuses()
        assert flagged == (
            {("cancelled_but_served", b.code) for b in self.bookings.values()
             if b.cancelled and self._served(b)}
            | {("booking_other_day", b.code) for b in self.bookings.values()
               if b.day != DAY and self._checked_in(b)})
        assert branch_copy == statuses, "the branch's copy of bookings is not central's"
        assert suspended == self.central_suspended
        assert local_niks == self.central_suspended
        self.local_bookings, self.local_suspended = branch_copy, set(local_niks)
        self.central_status = statuses

    def _check_merged(self, merged):
        assert set(merged) == {t.number for t in self.tickets.values()}
        for ticket in self.tickets.values():
            row = merged[ticket.number]
            assert (row.nik, row.lane, row.reason, row.status, row.counter, row.outcome,
                    row.recalls, row.booking_code or None) == (
                ticket.nik, ticket.lane, ticket.reason, ticket.status, ticket.counter,
                ticket.outcome, ticket.recalls, ticket.booking_code), ticket

    def _checked_in(self, booking):
        return any(t.booking_code == booking.code for t in self.tickets.values())

    def _served(self, booking):
        return any(t.booking_code == booking.code and t.status == "done"
                   for t in self.tickets.values())

    def _expected_statuses(self):
        """Central's booking statuses once every event arrived (central.conflicts' rules)."""
        statuses = {}
        for b in self.bookings.values():
            checked_in = b.day == DAY and self._checked_in(b)
            statuses[b.code] = ("served" if self._served(b) else "cancelled" if b.cancelled
                                else "checked_in" if checked_in else "booked")
        return statuses

    def _central_statuses(self):
        """Central's booking statuses now: the model's since the last quiet sync (events
        not synced yet have not moved central), as stored after a killed run (it may have
        delivered part of the events)."""
        if not self.uncertain:
            return self.central_status
        with central_db.connection_context():
            return {b.code: b.status for b in Booking.select()}

    def _resolve_uncertainty(self):
        """After a killed run: the branch's copies are either as before or central's now
        (a pull stores a page and its cursor together), never anything else; read them,
        then the model knows them again. (Central's bookings stay uncertain to the model
        until the next quiet sync: `_central_statuses` reads them.)"""
        with central_db.connection_context():
            central_now = {b.code: b.status for b in Booking.select()}
            suspended_now = {s.nik for s in Suspension.select().where(
                Suspension.lifted_at.is_null())}
        with self.world.branch.app_context(), branch_db.connection_context():
            copy = {b.code: b.status for b in LocalBooking.select()}
            local = {s.nik for s in LocalSuspension.select()}
        assert copy in (self.local_bookings, central_now), (copy, self.local_bookings)
        assert local in (self.local_suspended, suspended_now), (local, self.local_suspended)
        self.local_bookings, self.local_suspended = copy, local


@pytest.fixture
def world(tmp_path, central_db_url):
    world = World(tmp_path, central_db_url)
    yield world
    world.stop()


def test_an_office_day_under_faults_keeps_both_sides_equal(world):
    OfficeDay.world = world
    STATS.clear()
    examples = max(3, EXAMPLES // 5) if world.postgres else EXAMPLES
    run_state_machine_as_test(OfficeDay, settings=settings(
        max_examples=examples, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print(f"\nstate machine ({examples} examples):",
          ", ".join(f"{what} {count}" for what, count in sorted(STATS.items())))
