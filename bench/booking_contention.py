"""Booking contention: many clients race for one office-day under gunicorn.

Starts central under gunicorn on a free port (a temp SQLite file, or a
throwaway PostgreSQL database), creates an office with a daily quota of 140
(7 slots of 25 places, so the day's quota is what binds), then fires booking
attempts with distinct valid NIKs from concurrent clients and prints
successes (must be 140), overbooked (counted in the database, must be 0),
requests/s and p50/p99 latency. Exits non-zero when a "must" fails.

Each database is run through two paths: the JSON API, and the booking site's form
as a phone sends it (`--path site`: each client opens the form once for its session
and CSRF token, then POSTs the form; a 303 to the booking page is a success, only
the POST is timed). Rate limits are switched off (ANTREAN_RATELIMIT_ENABLED=false):
the bench is one address sending far more than any person could.

    python bench/booking_contention.py                 # SQLite and PostgreSQL, API and site
    python bench/booking_contention.py --db sqlite --path site --attempts 300
"""
import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
# Servers refuse to start without a real secret key; a bench makes one per run. Rate
# limits are off: a bench is one address sending far more than any person would.
BENCH_ENV = {"ANTREAN_SECRET_KEY": secrets.token_hex(32), "ANTREAN_RATELIMIT_ENABLED": "false",
             "ANTREAN_LOG_REQUESTS": "false"}     # a JSON line per request would flood the run
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
QUOTA, HOURS, SLOT_CAPACITY = 140, list(range(8, 15)), 25
OFFICE = "BENCH"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sqlite_database():
    """A temp SQLite file URL and a function that removes it."""
    folder = tempfile.TemporaryDirectory(prefix="antrean-bench-")
    return f"sqlite:///{folder.name}/central.db", folder.cleanup


def postgres_database(admin_url):
    """A fresh PostgreSQL database URL and a function that drops it."""
    name = f"antrean_bench_{uuid.uuid4().hex[:8]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    return url, lambda: _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url, sql):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def flask(env, *args):
    subprocess.run([str(BIN / "flask"), "--app", "central", *args], env=env, cwd=ROOT,
                   check=True, capture_output=True, text=True)


def prepare(env):
    """Schema and the bench office, open every day so any date works."""
    flask(env, "init-db")
    flask(env, "office", "add", OFFICE, "--name", "Benchmark office", "--quota", str(QUOTA),
          "--slot-hours", ",".join(map(str, HOURS)), "--slot-capacity", str(SLOT_CAPACITY),
          "--open-days", "1,2,3,4,5,6,7")


def start_gunicorn(env, port, workers, threads):
    """Central under gunicorn; returns the process once /api/v1/health answers."""
    cmd = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "--backlog", "2048", "--preload"]
    if threads > 1:
        cmd += ["-k", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(cmd + ["central:create_app()"], env=env, cwd=ROOT)
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("gunicorn did not come up")


def bench_nik(i):
    """A distinct valid NIK for attempt i (Kab. Pandeglang, born 1 January 1990)."""
    district, serial = divmod(i, 9999)
    return f"3601{district + 1:02d}010190{serial + 1:04d}"


def api_attempt(session, base, day, i):
    """POST /api/v1/bookings: (201, None) or (status, error code)."""
    body = {"office": OFFICE, "date": day, "hour": HOURS[i % len(HOURS)],
            "nik": bench_nik(i), "name": f"Applicant {i}", "purpose": "general"}
    response = session.post(f"{base}/api/v1/bookings", json=body, timeout=30)
    return response.status_code, (response.json().get("error")
                                  if response.status_code != 201 else None)


def site_attempt(session, base, day, i):
    """The booking site's form, as a phone sends it (the session's CSRF token, a form
    body); its 303 to the booking page is a success, its 409 page a full slot or day."""
    hour = HOURS[i % len(HOURS)]
    url = f"{base}/pesan/{OFFICE}/{day}/{hour}"
    data = {"csrf_token": session.csrf, "nik": bench_nik(i), "name": f"Applicant {i}",
            "phone": ""}
    response = session.post(url, data=data, timeout=30, allow_redirects=False)
    if response.status_code == 303:
        return 201, None
    return response.status_code, "full" if response.status_code == 409 else response.text[:80]


def open_form(session, base, day):
    """The form page once per client, untimed: its session cookie and CSRF token."""
    page = session.get(f"{base}/pesan/{OFFICE}/{day}/{HOURS[0]}", timeout=30)
    session.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


PATHS = {"api": api_attempt, "site": site_attempt}


def fire(base, day, attempts, clients, path="api"):
    """All attempts from `clients` threads; returns [(status, error, seconds)] and wall time."""
    results, lock, attempt = [], threading.Lock(), PATHS[path]

    def client(first):
        session, mine = requests.Session(), []
        if path == "site":
            open_form(session, base, day)
        for i in range(first, attempts, clients):
            started = time.perf_counter()
            status, error = attempt(session, base, day, i)
            mine.append((status, error, time.perf_counter() - started))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def overbooked(url, day):
    """Places taken beyond the day's quota or a slot's capacity, counted in the database."""
    from sync.database import open_database
    db = open_database(url)
    rows = db.execute_sql(
        "SELECT b.hour, COUNT(*) FROM booking b JOIN office o ON o.id = b.office_id "
        "WHERE o.code = %s AND b.date = %s AND b.status = 'booked' GROUP BY b.hour"
        .replace("%s", db.param), (OFFICE, day)).fetchall()
    db.close()
    per_hour = {hour: count for hour, count in rows}
    total = sum(per_hour.values())
    return max(0, total - QUOTA) + sum(max(0, n - SLOT_CAPACITY) for n in per_hour.values())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(kind, path, args):
    """One benchmark on `kind` (sqlite|postgres) through `path` (api|site); prints the
    figures, returns True if sound."""
    url, cleanup = (sqlite_database() if kind == "sqlite"
                    else postgres_database(os.environ.get("ANTREAN_TEST_POSTGRES_URL", DEFAULT_PG)))
    if kind == "postgres" and args.pg_pool:
        # playhouse's pooled database: a worker keeps its connections between requests.
        url = url.replace("postgresql://", "postgresql+pool://", 1)
    env = {**os.environ, "ANTREAN_DATABASE_URL": url, **BENCH_ENV}
    server = None
    try:
        prepare(env)
        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads)
        base = f"http://127.0.0.1:{port}"
        for _ in range(args.workers * 4):   # wake every worker before timing
            requests.get(f"{base}/api/v1/offices", timeout=10)
        day = (datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Jakarta")).date()
               + timedelta(days=2)).isoformat()
        results, wall = fire(base, day, args.attempts, args.clients, path)
        extra = overbooked(url, day)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        cleanup()
    return report(f"{kind} via {path}", results, wall, extra, args)


def report(kind, results, wall, extra, args):
    successes = sum(1 for status, _, _ in results if status == 201)
    refused = {(409, "quota_full"), (409, "slot_full"), (409, "full")}
    unexpected = [(s, e) for s, e, _ in results if s != 201 and (s, e) not in refused]
    latencies = [seconds * 1000 for _, _, seconds in results]
    worker_kind = f"gthread {args.threads} threads" if args.threads > 1 else "sync"
    print(f"{kind}: {len(results)} attempts from {args.clients} clients, gunicorn "
          f"-w {args.workers} ({worker_kind}), {wall:.2f} s")
    print(f"  successes   {successes} (must be {QUOTA})")
    print(f"  overbooked  {extra} (must be 0)")
    print(f"  unexpected  {len(unexpected)} {sorted(set(unexpected))[:5] if unexpected else ''}")
    print(f"  throughput  {len(results) / wall:.0f} requests/s")
    print(f"  latency     p50 {percentile(latencies, 50):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")
    return successes == QUOTA and extra == 0 and not unexpected


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help=">1: gthread workers")
    parser.add_argument("--path", choices=["api", "site", "both"], default="both",
                        help="POST /api/v1/bookings, or the booking site's form, or each")
    parser.add_argument("--pg-pool", action=argparse.BooleanOptionalAction, default=True,
                        help="PostgreSQL through playhouse's connection pool (postgresql+pool://)")
    args = parser.parse_args(argv)
    if args.attempts < QUOTA:
        parser.error(f"--attempts must be at least {QUOTA} to fill the day")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    paths = ["api", "site"] if args.path == "both" else [args.path]
    sound = [run(kind, path, args) for kind in kinds for path in paths]
    return 0 if all(sound) else 1


if __name__ == "__main__":
    sys.exit(main())
