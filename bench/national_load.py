"""National load: every branch of the country syncs a day at once while applicants book.

    .venv/bin/python bench/national_load.py [--postgres URL] [--branches 125] [--events 600]
        [--booking-rate 50] [--workers 4] [--soak MINUTES]

Central runs on PostgreSQL (a database made for the run and dropped after) under
gunicorn with several workers, as the README deploys it. Each simulated branch
is a real HTTP client with its own office and token and its own day of events
in the shapes the branch writes them (tickets issued, called, recalled,
transferred, finished or no-show, booking check-ins, refusals of suspended
NIKs); all of them start together and do what antrean-sync does: push the day
(gzip JSON, batches of at most 1,000), pull central's changes, and compare the
day's digest with their own (sync.digest, the branch's code) until it is equal.
Meanwhile applicants book at a steady --booking-rate across offices and days
(open loop: a request is sent when it is due, whether the last one has come
back or not), from 3 s before the branches start until 3 s after they are done;
a fifth of them for one office-day, whose quota fills meanwhile. Rate limits are off: the bench is one address sending for a
whole nation.

Prints: time until every branch is reconciled, push and booking rates,
errors (transport failures, 5xx, any answer but 201/409 to a booking: must be
0), overbooked slots and days (counted in the database afterwards: must be 0)
and central's memory (gunicorn master and workers, PSS) at start and end.
Target on a 2-core machine: all 125 reconciled within 60 s. --soak MINUTES
repeats the sync of a new day for every branch until the time is up, bookings
going on, and prints memory each round (not for CI).
"""
import argparse
import gzip
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from statistics import median
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BIN = os.path.dirname(sys.executable)
PG_DATABASE = f"antrean_national_{os.getpid()}"     # runs at once never collide
ZONE = ZoneInfo("Asia/Jakarta")
QUOTA, SLOT_CAPACITY, HOURS = 140, 20, list(range(8, 15))
SETTLE_SECONDS = 3                  # bookings alone, before the branches start and after
CHECK_INS_PER_OFFICE = 12           # bookings made for the branches' own day, checked in there
ENV = {"ANTREAN_SECRET_KEY": secrets.token_hex(32), "ANTREAN_RATELIMIT_ENABLED": "false",
       "ANTREAN_LOG_REQUESTS": "false"}


class Tally:
    """Counts shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.errors, self.bookings, self.latencies = [], {}, []

    def error(self, what):
        with self.lock:
            self.errors.append(what)

    def booking(self, outcome, seconds):
        with self.lock:
            self.bookings[outcome] = self.bookings.get(outcome, 0) + 1
            self.latencies.append(seconds)


# --- central ------------------------------------------------------------------------

@contextmanager
def central_database(server_url):
    """A database of our own on the PostgreSQL server at `server_url`, dropped after."""
    import psycopg2
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{PG_DATABASE}"))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.close()


def make_network(url, branches, day):
    """Offices K001..Knnn with tokens and, for each, bookings on `day` to check in."""
    from central import create_app
    from central.db import db, init_db
    from central.models import Booking, Office
    from central.tokens import issue_token
    create_app({"DATABASE_URL": url, "SECRET_KEY": ENV["ANTREAN_SECRET_KEY"]})
    init_db()
    offices = {}
    with db.connection_context(), db.atomic():
        for n in range(1, branches + 1):
            office = Office.create(code=f"K{n:03d}", name=f"Kantor Imigrasi {n}",
                                   daily_quota=QUOTA, slot_capacity=SLOT_CAPACITY,
                                   slot_hours=",".join(map(str, HOURS)),
                                   open_days="1,2,3,4,5,6,7", booking_window_days=30)
            codes = [f"K{n:03d}-CHK{i:04d}" for i in range(CHECK_INS_PER_OFFICE)]
            for i, code in enumerate(codes):
                Booking.create(code=code, office=office, date=day, hour=HOURS[i % len(HOURS)],
                               nik=nik(900_000 + n * 100 + i), name=f"Pemohon {i}",
                               purpose="general", status="booked")
            offices[office.code] = (issue_token(office.code), codes)
    return offices


def start_central(database_url, workers):
    """gunicorn (sync workers, app preloaded, sync.gunicorn_conf) on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, ANTREAN_DATABASE_URL=database_url, **ENV)
    server = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-c", "python:sync.gunicorn_conf",
                               "--preload", "-w", str(workers), "--backlog", "2048",
                               "--timeout", "120", "-b", f"127.0.0.1:{port}", "--log-level",
                               "warning", "central:create_app()"], cwd=ROOT, env=env,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(f"{url}/api/v1/health", timeout=1)
            return server, url
        except requests.RequestException:
            time.sleep(0.05)
    sys.exit("central did not start")


def central_memory_mb(server):
    """Memory of gunicorn's master and workers, in MB: their PSS (a page the preloaded
    workers share with the master is counted once, split between them)."""
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    total = 0
    for pid in [server.pid, *map(int, found.stdout.split())]:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup
                              if line.startswith("Pss:"))
        except (FileNotFoundError, StopIteration):
            pass
    return total / 1024


def overbooked(url):
    """Slots and office-days holding more bookings than they may (must be 0)."""
    from sync.database import open_database
    db = open_database(url)
    slots = db.execute_sql(
        "SELECT count(*) FROM (SELECT 1 FROM booking b JOIN office o ON o.id = b.office_id "
        "WHERE b.status IN ('booked', 'checked_in', 'served') GROUP BY b.office_id, b.date, "
        "b.hour, o.slot_capacity HAVING count(*) > o.slot_capacity) s").fetchone()[0]
    days = db.execute_sql(
        "SELECT count(*) FROM (SELECT 1 FROM booking b JOIN office o ON o.id = b.office_id "
        "WHERE b.status IN ('booked', 'checked_in', 'served') "
        "GROUP BY b.office_id, b.date, o.daily_quota HAVING count(*) > o.daily_quota) d"
    ).fetchone()[0]
    db.close()
    return slots, days


# --- a branch's day ---------------------------------------------------------------------

def nik(n):
    """A distinct valid NIK for n < 9,000,000 (Kab. Pandeglang, born 1980-1989)."""
    district, rest = divmod(n, 9999 * 10)
    year, serial = divmod(rest, 9999)
    return f"3601{district % 99 + 1:02d}0101{80 + year:02d}{serial + 1:04d}"


def branch_day(code, day, count, check_ins, rng):
    """About `count` events of office `code` on `day`, in the shapes the branch writes."""
    events, tickets = [], {"general": 0, "priority": 0, "booking": 0}

    def add(kind, **payload):
        events.append({"id": str(uuid.uuid4()), "seq": len(events) + 1, "office": code,
                       "day": day.isoformat(), "kind": kind, "schema_version": 2,
                       "payload": payload, "created_at": "2026-01-05T08:00:00"})
    while len(events) < count:
        lane = rng.choices(["general", "priority", "booking"], [70, 15, 15])[0]
        if lane == "booking" and tickets["booking"] >= len(check_ins):
            lane = "general"
        tickets[lane] += 1
        number, person = f"{'APB'[['general', 'priority', 'booking'].index(lane)]}" \
                         f"{tickets[lane]:03d}", nik(rng.randrange(3_000_000))
        if rng.random() < 0.01:
            add("suspended_refused", nik=person, suspension_ends_on="2027-06-30")
            continue
        add("ticket_issued", ticket=number, lane=lane, nik=person, regency=person[:4],
            **({"reason": "pregnant"} if lane == "priority" else {}))
        if lane == "booking":
            add("booking_checked_in", ticket=number, nik=person, verified=True,
                booking_code=check_ins[tickets["booking"] - 1])
        counter = str(rng.randrange(1, 6))
        add("ticket_called", ticket=number, counter=counter)
        if rng.random() < 0.05:
            add("ticket_recalled", ticket=number, counter=counter)
        if lane == "general" and rng.random() < 0.05:
            add("ticket_transferred", ticket=number, from_lane="general", to_lane="priority",
                reason="disability")
            add("ticket_called", ticket=number, counter=counter)
        if rng.random() < 0.05:
            add("ticket_no_show", ticket=number, counter=counter)
        else:
            outcome = rng.choices(["passport_issued", "incomplete_documents", "rejected"],
                                  [85, 12, 3])[0]
            add("ticket_finished", ticket=number, counter=counter, outcome=outcome,
                regency=person[:4])
    return events


def sync_branch(url, code, token, events, tally, cursors):
    """Push, pull and reconcile as antrean-sync does; the time it reconciled (monotonic).
    `cursors`: each office's change cursor, kept from round to round as a branch keeps it."""
    from sync.digest import compute_digest, differences
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    ours = compute_digest((e["id"], e["kind"], e["payload"]) for e in events)
    for attempt in range(3):
        for start in range(0, len(events), 1000):
            batch = events[start:start + 1000]
            body = gzip.compress(json.dumps({"office": code, "backlog": 0,
                                             "events": batch}).encode(), 1)
            call(session, "post", f"{url}/api/v1/sync/push", tally, code, data=body,
                 headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        more = True
        while more:
            page = call(session, "get", f"{url}/api/v1/sync/changes", tally, code,
                        params={"since": cursors.get(code, 0), "limit": 500})
            cursors[code], more = page["cursor"], page["more"]
        theirs = call(session, "get", f"{url}/api/v1/sync/digest", tally, code,
                      params={"day": events[0]["day"]})
        if not differences(ours, theirs):
            return time.monotonic()
        tally.error(f"{code}: digest differs on attempt {attempt + 1}")
    return None


def call(session, method, url, tally, code, **kwargs):
    """One request, retried like the job (transport errors, 5xx), each failure counted."""
    for _ in range(10):
        try:
            answer = session.request(method, url, timeout=120, **kwargs)
        except requests.RequestException as exc:
            tally.error(f"{code}: {type(exc).__name__}")
            time.sleep(1)
            continue
        if answer.status_code == 200:
            return answer.json()
        tally.error(f"{code}: {answer.status_code} {answer.text[:200]}")
        if answer.status_code < 500:
            raise SystemExit(f"{code}: central refused: {answer.text[:300]}")
        time.sleep(1)
    raise SystemExit(f"{code}: central kept failing")


# --- applicants -----------------------------------------------------------------------

def book_steadily(url, codes, rate, stop, tally, first_nik):
    """Book at `rate` a second (open loop) until `stop` is set; bookings sent."""
    rng, today = random.Random(7), datetime.now(ZONE).date()
    local = threading.local()
    started, sent = time.monotonic(), 0

    def book(n):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        # A fifth of them want the same office-day (its quota fills within seconds, so
        # the quota is tested under load); the rest spread over offices and two weeks.
        hot = rng.random() < 0.2
        body = {"office": codes[0] if hot else rng.choice(codes),
                "date": (today + timedelta(days=1 if hot else rng.randrange(1, 15))).isoformat(),
                "hour": rng.choice(HOURS), "nik": nik(first_nik + n), "name": "Pemohon Uji",
                "purpose": "general"}
        began = time.monotonic()
        try:
            answer = session.post(f"{url}/api/v1/bookings", json=body, timeout=60)
        except requests.RequestException as exc:
            return tally.error(f"booking: {type(exc).__name__}")
        outcome = ("created" if answer.status_code == 201 else
                   answer.json().get("error") if answer.status_code == 409 else None)
        if outcome is None:
            return tally.error(f"booking: {answer.status_code} {answer.text[:200]}")
        tally.booking(outcome, time.monotonic() - began)

    with ThreadPoolExecutor(max_workers=64) as pool:
        while not stop.is_set():
            due = started + sent / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(book, sent)
            sent += 1
        sending = time.monotonic() - started
    return sent, sending        # and every answer is in: the pool has closed


# --- the run ------------------------------------------------------------------------------

def sync_round(url, offices, day, args, tally, rng, cursors):
    """Every branch syncs `day` at once; (seconds until all reconciled, events, push s)."""
    days = {code: branch_day(code, day, args.events, check_ins, rng)
            for code, (_, check_ins) in offices.items()}
    gate = threading.Barrier(len(offices) + 1)

    def branch(code):
        gate.wait()
        return sync_branch(url, code, offices[code][0], days[code], tally, cursors)
    with ThreadPoolExecutor(max_workers=len(offices)) as pool:
        done = [pool.submit(branch, code) for code in offices]
        gate.wait()
        started = time.monotonic()
        finished = [future.result() for future in done]
    reconciled = [t - started for t in finished if t is not None]
    events = sum(len(e) for e in days.values())
    return reconciled, events


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help=f"a PostgreSQL server (any database on it); {PG_DATABASE} is "
                             "made for the run and dropped after")
    parser.add_argument("--branches", type=int, default=125)
    parser.add_argument("--events", type=int, default=600, help="events per branch-day")
    parser.add_argument("--booking-rate", type=float, default=50, help="bookings per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--soak", type=float, default=0, metavar="MINUTES")
    args = parser.parse_args()
    today = datetime.now(ZONE).date()
    with central_database(args.postgres) as database:
        offices = make_network(database, args.branches, today)
        server, url = start_central(database, args.workers)
        try:
            report(run(url, database, server, offices, today, args), args)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def run(url, database, server, offices, today, args):
    tally, rng, stop = Tally(), random.Random(42), threading.Event()
    memory = [central_memory_mb(server)]
    booker = ThreadPoolExecutor(max_workers=1).submit(
        book_steadily, url, list(offices), args.booking_rate, stop, tally, 0)
    time.sleep(SETTLE_SECONDS)          # bookings steady before the branches start
    rounds, deadline, day, cursors = [], time.monotonic() + args.soak * 60, today, {}
    while True:
        began = time.monotonic()
        reconciled, events = sync_round(url, offices, day, args, tally, rng, cursors)
        rounds.append((reconciled, events, time.monotonic() - began))
        memory.append(central_memory_mb(server))
        if args.soak:
            print(f"round {len(rounds)}: {len(reconciled)}/{len(offices)} reconciled in "
                  f"{max(reconciled, default=0):.1f} s, central {memory[-1]:.0f} MB, "
                  f"errors {len(tally.errors)}", flush=True)
        if time.monotonic() >= deadline:
            break
        day -= timedelta(days=1)        # the next round: another day of every branch
    time.sleep(SETTLE_SECONDS)          # and after they are done
    stop.set()
    sent, booking_seconds = booker.result()
    return dict(tally=tally, rounds=rounds, memory=memory, sent=sent,
                booking_seconds=booking_seconds, overbooked=overbooked(database),
                branches=len(offices))


def report(result, args):
    tally, (slots, days) = result["tally"], result["overbooked"]
    reconciled, events, seconds = result["rounds"][0]
    waits = sorted(tally.latencies)
    p = (lambda q: waits[min(len(waits) - 1, int(q * len(waits)))] * 1000) if waits else None
    print(f"branches          {result['branches']} at once, {events // result['branches']} "
          f"events each ({events:,} in all), central on PostgreSQL, gunicorn "
          f"{args.workers} workers; rate limits off")
    print(f"reconciled        {len(reconciled)}/{result['branches']}; the last after "
          f"{max(reconciled, default=float('nan')):.1f} s (median {median(reconciled or [0]):.1f}"
          f" s); target: all within 60 s: "
          f"{'met' if len(reconciled) == result['branches'] and max(reconciled) <= 60 else 'NOT MET'}")
    print(f"push rate         {events / max(reconciled, default=seconds):,.0f} events/s "
          "(pushed, pulled and reconciled, over the time to the last reconciled)")
    print(f"bookings          {result['sent']:,} sent at {result['sent'] / result['booking_seconds']:,.1f}/s "
          f"({args.booking_rate:g}/s offered), {sum(tally.bookings.values()):,} answered: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.bookings.items()))
          + (f"; p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms" if p else ""))
    print(f"errors            {len(tally.errors)}" + (f" (first: {tally.errors[0]})"
                                                     if tally.errors else ""))
    print(f"overbooked        {slots} slot(s), {days} office-day(s)")
    print(f"central memory    {result['memory'][0]:.0f} MB at start, "
          f"{result['memory'][-1]:.0f} MB at the end ({len(result['rounds'])} round(s))")
    if tally.errors or slots or days or len(reconciled) < result["branches"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
