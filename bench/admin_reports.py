"""Admin reports at scale: 1,000,000 merged events over 125 offices and a year.

    .venv/bin/python bench/admin_reports.py [--events 1000000] [--offices 125]
        [--repeat 7] [--postgres postgresql://postgres@127.0.0.1:5432/test]

The events go in through central's own intake (central.intake.read_batch and
central.merging.apply_batch, in process, 1,000 a batch per office, in each
office's sequence order), so the merged tables are exactly what pushes make;
bookings for the check-ins go in first. Then central runs under gunicorn (2
workers, app preloaded, rate limits off, request log off), an admin logs in,
and each report is asked `--repeat` times after two warm-ups: Network today
(page and JSON), Office day, Passports by regency for a month and for a year
(page, CSV and JSON). On PostgreSQL the load is followed by VACUUM ANALYZE, as
autovacuum would do on a running server. The figure is the server's own time (the Server-Timing header the
console answers), median; the client's round trip is printed beside it. Last,
the pilgrim list: 50,000 lines imported through the page, then the same file
again. Target: each report at most 300 ms, on SQLite and on PostgreSQL.
"""
import argparse
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from statistics import median
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BIN = os.path.dirname(sys.executable)
BENCH_ENV = {"ANTREAN_SECRET_KEY": secrets.token_hex(32), "ANTREAN_RATELIMIT_ENABLED": "false",
             "ANTREAN_LOG_REQUESTS": "false"}
TARGET_MS = 300
PASSWORD = "bench admin password"
REGENCIES = ["3601", "3602", "3603", "3604", "3671", "3672", "3673", "3674", "3171", "3172"]
BATCH = 1000
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=125)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--manifest-rows", type=int, default=50_000)
    parser.add_argument("--postgres", help="a server URL: a database is made and dropped")
    return parser.parse_args()


@contextmanager
def database(postgres):
    """A fresh central database URL: a temp SQLite file, or a PostgreSQL database of its own."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="antrean-admin-bench-") as folder:
            yield f"sqlite:///{folder}/central.db"
        return
    import psycopg2
    name = f"antrean_admin_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(postgres)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(postgres)._replace(path=f"/{name}"))
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- the data ---------------------------------------------------------------------------

def random_nik(rng, regency):
    """A valid NIK of `regency`: district, a birth date (women +40), a serial."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(40, 99)
    day += 40 * rng.randint(0, 1)
    return f"{regency}{rng.randint(1, 40):02d}{day:02d}{month:02d}{year:02d}" \
           f"{rng.randint(1, 9999):04d}"


def office_day_tickets(rng, office, day, events_wanted):
    """(events, bookings) of one office-day: tickets until about `events_wanted` events."""
    from branch.outbox import new_event_id
    events, bookings, n = [], [], 0
    while len(events) < events_wanted:
        n += 1
        lane = rng.choices(("general", "priority", "booking"), (60, 15, 25))[0]
        regency = rng.choice(REGENCIES)
        nik = random_nik(rng, regency)
        number = {"general": "A", "priority": "P", "booking": "B"}[lane] + f"{n:03d}"
        issued = {"ticket": number, "lane": lane, "nik": nik, "regency": regency}
        if lane == "priority":
            issued["reason"] = "pregnant"
        if lane == "general" and rng.random() < 0.03:
            issued.update(beyond_quota=True, staff="supervisor")
        kinds = [("ticket_issued", issued)]
        if lane == "booking":
            code = f"{office}-{day:%m%d}{n:03d}"
            issued["booking_code"] = code
            bookings.append((code, day, 8 + n % 7, nik, rng.random() < 0.1))
            kinds.append(("booking_checked_in", {"ticket": number, "booking_code": code,
                                                 "nik": nik, "verified": True}))
        kinds.append(("ticket_called", {"ticket": number, "counter": str(1 + n % 4)}))
        if rng.random() < 0.06:
            kinds.append(("ticket_no_show", {"ticket": number, "counter": "1"}))
        else:
            outcome = rng.choices(("passport_issued", "rejected", "incomplete_documents"),
                                  (85, 5, 10))[0]
            kinds.append(("ticket_finished", {"ticket": number, "counter": "1",
                                              "outcome": outcome, "regency": regency}))
        if rng.random() < 0.005:
            kinds.append(("suspended_refused", {"nik": random_nik(rng, regency),
                                                "suspension_ends_on": "2028-01-01"}))
        events += [(new_event_id(), day, kind, payload) for kind, payload in kinds]
    return events[:events_wanted], bookings     # the day's last ticket may still be open


def load(url, args):
    """Offices, bookings and the events, through central's intake; the counts loaded."""
    from central import create_app
    from central.admin.accounts import save_account
    from central.db import db, init_db
    app = create_app({"DATABASE_URL": url, "TESTING": True, **{
        k.removeprefix("ANTREAN_"): v for k, v in BENCH_ENV.items()}})
    init_db()
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    days = [today - timedelta(days=n) for n in range(args.days - 1, -1, -1)]
    per_day = args.events / (args.offices * args.days)
    rng, loaded, started = random.Random(7), 0, time.monotonic()
    with app.app_context(), db.connection_context():
        save_account("bench", PASSWORD, "admin")
        codes = _offices(args.offices)
        for i, code in enumerate(codes):
            share = round(per_day * args.days * (i + 1)) - round(per_day * args.days * i)
            loaded += _load_office(rng, code, days, share)
            if (i + 1) % 25 == 0:
                rate = loaded / (time.monotonic() - started)
                print(f"  loaded {i + 1} offices, {loaded:,} events ({rate:,.0f}/s)",
                      flush=True)
    return today, codes, loaded, time.monotonic() - started


def _offices(count):
    from central.offices import save_office
    codes = [f"K{n:03d}" for n in range(1, count + 1)]
    for n, code in enumerate(codes):
        save_office(code, name=f"Kantor Imigrasi {code}", daily_quota=140,
                    hajj_regencies=REGENCIES[n % len(REGENCIES)] if n < len(REGENCIES) else "")
    return codes


def _load_office(rng, code, days, share):
    """One office's year: its bookings, then its events in batches, in sequence order."""
    from central.bulk import insert_rows
    from central.db import db
    from central.intake import read_batch
    from central.merging import apply_batch
    from central.models import Office
    office_id = Office.get(Office.code == code).id
    events, bookings = [], []
    for d, day in enumerate(days):
        want = round(share * (d + 1) / len(days)) - round(share * d / len(days))
        day_events, day_bookings = office_day_tickets(rng, code, day, want)
        events += day_events
        bookings += day_bookings
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
    with db.atomic():
        insert_rows(db, "booking", ["code", "office_id", "date", "hour", "nik", "name",
                                    "purpose", "status", "created_at"],
                    [(c, office_id, day.isoformat(), hour, nik, "Pemohon",
                      "hajj" if hajj else "general", "served", now)
                     for c, day, hour, nik, hajj in bookings])
    for start in range(0, len(events), BATCH):
        chunk = events[start:start + BATCH]
        body = {"office": code, "backlog": max(0, len(events) - start - BATCH), "events": [
            {"id": str(event_id), "seq": start + i + 1, "office": code,
             "day": day.isoformat(), "kind": kind, "schema_version": 1, "payload": payload,
             "created_at": f"{day.isoformat()}T03:00:00"}
            for i, (event_id, day, kind, payload) in enumerate(chunk)]}
        apply_batch(code, read_batch(json.dumps(body).encode()))
    return len(events)


def analyze(url):
    """VACUUM ANALYZE after the bulk load, as autovacuum soon would on a running server:
    timed while autovacuum works through a million fresh rows, the reports measure the
    vacuum as much as themselves."""
    import psycopg2
    conn = psycopg2.connect(url)
    conn.autocommit = True
    started = time.monotonic()
    conn.cursor().execute("VACUUM ANALYZE")
    conn.close()
    print(f"VACUUM ANALYZE in {time.monotonic() - started:.0f} s")


# --- the server and the timings ---------------------------------------------------------

@contextmanager
def gunicorn(url):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, ANTREAN_DATABASE_URL=url, **BENCH_ENV)
    proc = subprocess.Popen([os.path.join(BIN, "gunicorn"), "--preload", "-w", "2", "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning",
                             "central:create_app()"], cwd=ROOT, env=env,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/api/v1/health", timeout=2).ok:
                    break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def log_in(base):
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/admin/login").text).group(1)
    answer = session.post(f"{base}/admin/login", allow_redirects=False,
                          data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text[:500]
    return session


def timed(session, url, repeat):
    """(median server ms, median round-trip ms, bytes) of `repeat` GETs after two warm-ups."""
    server, wall, size = [], [], 0
    for n in range(repeat + 2):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        if n >= 2:
            timing = answer.headers["Server-Timing"]
            server.append(float(timing.split("dur=")[1]))
            wall.append(elapsed)
            size = len(answer.content)
    return median(server), median(wall), size


def reports(today, codes):
    month_end = today.replace(day=1) - timedelta(days=1)
    month = f"from={month_end.replace(day=1)}&to={month_end}"
    year = f"from={today - timedelta(days=364)}&to={today}"
    busy = today - timedelta(days=3)
    return [("Network today (page)", "/admin/"),
            ("Network today (JSON)", "/api/v1/admin/network"),
            ("Office day (page)", f"/admin/office-day?office={codes[0]}&day={busy}"),
            ("Office day (JSON)", f"/api/v1/admin/office-day?office={codes[0]}&day={busy}"),
            ("Passports by regency, a month (page)", f"/admin/passports?{month}"),
            ("Passports by regency, a year (page)", f"/admin/passports?{year}"),
            ("Passports by regency, a year (CSV)", f"/admin/reports/passports.csv?{year}"),
            ("Passports by regency, a year (JSON)", f"/api/v1/admin/passports?{year}")]


def manifest_import(session, base, rows):
    """Seconds to import `rows` lines through the page, and the same file again."""
    rng = random.Random(11)
    lines = ["nik;nama;tanggal_lahir;kode_kabupaten;nomor_porsi;tahun_berangkat"]
    seen = set()
    while len(lines) <= rows:
        nik = random_nik(rng, rng.choice(REGENCIES))
        if nik in seen:
            continue
        seen.add(nik)
        day, month, year = int(nik[6:8]) % 40, int(nik[8:10]), 1900 + int(nik[10:12])
        lines.append(f"{nik};Jemaah {len(lines)};{year}-{month:02d}-{day:02d};{nik[:4]};"
                     f"{1_000_000_000 + len(lines)};2027")
    content = ("\n".join(lines) + "\n").encode()
    times = []
    for _ in range(2):
        token = CSRF.search(session.get(f"{base}/admin/manifest").text).group(1)
        started = time.perf_counter()
        answer = session.post(f"{base}/admin/manifest/import", data={"csrf_token": token},
                              files={"file": ("jemaah.csv", content, "text/csv")}, timeout=300)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200 and "/manifest/imports/" in answer.url, answer.text[:300]
        figures = {k: re.search(f'id="{k}">([^<]+)<', answer.text).group(1)
                   for k in ("added", "updated", "unchanged", "bad")}
        print(f"  import: {figures} in {times[-1]:.2f} s ({len(content) / 1e6:.1f} MB)")
    return times


def main():
    args = parse()
    kind = "PostgreSQL" if args.postgres else "SQLite"
    with database(args.postgres) as url:
        print(f"{kind}: loading {args.events:,} events over {args.offices} offices and "
              f"{args.days} days through central's intake…", flush=True)
        today, codes, loaded, seconds = load(url, args)
        print(f"loaded {loaded:,} events in {seconds:.0f} s ({loaded / seconds:,.0f}/s)")
        if args.postgres:
            analyze(url)
        with gunicorn(url) as base:
            session = log_in(base)
            print(f"\n| report ({kind}) | server ms (median of {args.repeat}) | round trip ms"
                  " | bytes |\n|---|---|---|---|")
            worst = 0
            for name, path in reports(today, codes):
                server, wall, size = timed(session, base + path, args.repeat)
                worst = max(worst, server)
                print(f"| {name} | {server:.1f} | {wall:.1f} | {size:,} |", flush=True)
            seconds = manifest_import(session, base, args.manifest_rows)
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    print(f"\ntargets: every report <= {TARGET_MS} ms server time: {verdict} (slowest "
          f"{worst:.1f} ms); pilgrim list {args.manifest_rows:,} lines: {seconds[0]:.2f} s, "
          f"again (unchanged) {seconds[1]:.2f} s")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
