"""Sync throughput: one `antrean-sync --once` pushing a branch backlog to central under gunicorn.

    .venv/bin/python bench/sync_throughput.py [--events 100000] [--repeat 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
    .venv/bin/python bench/sync_throughput.py --compare postgresql://postgres@127.0.0.1:5432/test
        [--workers 2,3,4]

Prints, for each run and as medians, events/s end to end (the job's wall
time, until both databases have committed), the rate of a raw sqlite3
executemany of the same rows (the ceiling, measured right after), their
ratio, and the job's peak memory (its VmHWM). Central runs under gunicorn
(2 workers unless --workers says, app preloaded) on SQLite through peewee's
connection pool, or with --postgres on PostgreSQL (as the README deploys
it); the ceiling is SQLite's either way.

Targets on a 2-core machine: >= 20,000 events/s, ratio >= 0.4, <= 150 MB,
memory flat from 100,000 to 1,000,000 events. Two ceilings are measured:
the rows inserted in one transaction, and committed every batch. The ratio
target is judged against the second, because the protocol commits every
batch on both sides (central applies a batch in one transaction, the job
marks it sent after central's answer): at 100,000 events no correct sync
comes near one transaction's rate. bench/RESULTS.md has the arithmetic and
both figures.

--compare runs central on SQLite and on PostgreSQL, alternated, at each
worker count given (by default 2, this bench's count since it began, to 4,
what the README's unit runs): the ratio at each count, the ratio as deployed
(both at 4), and the verdict, PostgreSQL at its best count against SQLite at
its best. The two engines do not
peak at the same count: a SQLite worker does the database's work itself and
two saturate two cores (more only contend for SQLite's write lock), while a
PostgreSQL worker waits for its server process, and a third or fourth keeps
the cores busy meanwhile. Comparing each at its best is the fair verdict; at
one count for both, 3 or 4 flatters PostgreSQL and 2 flatters SQLite.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import namedtuple
from contextlib import contextmanager
from datetime import date, timedelta
from statistics import median
from urllib.parse import urlsplit, urlunsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Servers refuse to start without a real secret key; a bench makes one per run. Rate
# limits are off: a bench is one address sending far more than any person would.
BENCH_ENV = {"ANTREAN_SECRET_KEY": secrets.token_hex(32), "ANTREAN_RATELIMIT_ENABLED": "false",
             "ANTREAN_LOG_REQUESTS": "false"}     # a JSON line per request would flood the run
sys.path.insert(0, ROOT)
BIN = os.path.dirname(sys.executable)
OFFICE = "SRG"
TICKETS_PER_DAY = 400          # three events each: issued, called, finished
TARGET_RATE, TARGET_RATIO, TARGET_MB = 20_000, 0.4, 150
TARGET_PG_RATIO = 0.9            # central on PostgreSQL against SQLite, same sitting
COMPARE_WORKERS = [2, 3, 4]      # this bench's count since it began, to the README's unit's
DEPLOYED_WORKERS = 4             # the README's central unit: gunicorn -w 4
PG_DATABASE = f"antrean_bench_{os.getpid()}"     # runs at once never collide
INSERT = ("INSERT INTO outbox (seq, uuid, office, day, kind, payload, created_at, state) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')")


def event_rows(count, first_day=date(2026, 1, 5)):
    """`count` realistic outbox rows, generated lazily (seq, uuid, office, day, kind, payload),
    with ids made as the branch makes them."""
    from branch.outbox import new_event_id
    for seq in range(1, count + 1):
        n, step = divmod(seq - 1, 3)
        day = first_day + timedelta(days=n // TICKETS_PER_DAY)
        ticket, nik = f"A{n % TICKETS_PER_DAY + 1:03d}", f"36{1 + n % 4:02d}014501900{n % 997:03d}"
        payload = [{"ticket": ticket, "lane": "general", "nik": nik, "regency": nik[:4]},
                   {"ticket": ticket, "counter": "1"},
                   {"ticket": ticket, "counter": "1", "outcome": "passport_issued",
                    "regency": nik[:4]}][step]
        kind = ("ticket_issued", "ticket_called", "ticket_finished")[step]
        yield (seq, new_event_id(), OFFICE, day.isoformat(), kind,
               json.dumps(payload, separators=(",", ":"), sort_keys=True),
               "2026-01-05 08:00:00.000000")


def make_branch(path, count):
    """A migrated branch database holding `count` pending outbox events."""
    from branch.db import db, init_db
    from sync.database import open_database
    db.initialize(open_database(f"sqlite:///{path}"))
    init_db()
    conn = sqlite3.connect(path)
    rows = event_rows(count)
    while chunk := [row for _, row in zip(range(50_000), rows)]:
        conn.executemany(INSERT, chunk)
        conn.commit()
    conn.close()


def make_central(url):
    """A migrated central database at `url` with office SRG; its sync token."""
    from central import create_app
    from central.db import db, init_db
    from central.models import Office
    from central.tokens import issue_token
    create_app({"DATABASE_URL": url, "SECRET_KEY": BENCH_ENV["ANTREAN_SECRET_KEY"]})
    init_db()
    with db.connection_context():
        Office.create(code=OFFICE, name="Kantor Imigrasi Serang")
        return issue_token(OFFICE)


@contextmanager
def central_database(work, postgres):
    """The URL of an empty central database: a SQLite file in `work`, or, given a
    PostgreSQL server's URL, a database created on it for this run and dropped after."""
    if not postgres:
        yield f"sqlite:///{os.path.join(work, 'central.db')}"
        return
    import psycopg2
    server = psycopg2.connect(postgres)
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        cursor.execute(f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield urlunsplit(urlsplit(postgres)._replace(path=f"/{PG_DATABASE}"))
    finally:
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {PG_DATABASE} WITH (FORCE)")
        server.close()


def ceiling(path, count, batch):
    """Raw sqlite3 executemany of the same rows: (one transaction, committed per batch) rates."""
    rates = []
    for per_batch in (False, True):
        if os.path.exists(path):
            os.remove(path)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=wal")
        conn.execute("PRAGMA synchronous=full")
        conn.execute("CREATE TABLE received_event (id TEXT PRIMARY KEY, seq INTEGER, office TEXT,"
                     " day TEXT, kind TEXT, payload TEXT, created_at TEXT)")
        rows = ((u, s, o, d, k, p, c) for s, u, o, d, k, p, c in event_rows(count))
        size, spent = (batch if per_batch else 50_000), 0.0
        while chunk := [row for _, row in zip(range(size), rows)]:
            started = time.perf_counter()     # generating the rows is not the ceiling's work
            if per_batch or not spent:
                conn.execute("BEGIN")
            conn.executemany("INSERT INTO received_event VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
            if per_batch:
                conn.execute("COMMIT")
            spent += time.perf_counter() - started
        if not per_batch:
            started = time.perf_counter()
            conn.execute("COMMIT")
            spent += time.perf_counter() - started
        rates.append(count / spent)
        conn.close()
    return rates


def run_job(env):
    """Run `antrean-sync --once`; (seconds, peak RSS in MB, exit status, output).

    The peak is the job's own VmHWM, polled from /proc until it exits (its
    rusage would also count the pages it shared with this process at fork).
    """
    started = time.perf_counter()
    proc = subprocess.Popen([os.path.join(BIN, "antrean-sync"), "--once"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    watcher = threading.Thread(target=_watch_peak, args=(proc.pid, peak), daemon=True)
    watcher.start()
    output = proc.stdout.read().decode()
    proc.wait()
    seconds = time.perf_counter() - started
    watcher.join()
    return seconds, peak[0] / 1024, proc.returncode, output


def _watch_peak(pid, peak):
    while True:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            return
        if not peak[0] and not os.path.exists(f"/proc/{pid}"):
            return
        time.sleep(0.02)


def check(central_url, branch_path, count):
    from sync.database import open_database
    central = open_database(central_url)
    received = central.execute_sql("SELECT count(*) FROM received_event").fetchone()[0]
    central.close()
    pending = sqlite3.connect(branch_path).execute(
        "SELECT count(*) FROM outbox WHERE state != 'sent'")
    left = pending.fetchone()[0]
    if received != count or left:
        sys.exit(f"NOT SYNCED: central holds {received}/{count}, branch has {left} unsent")


def start_central(database_url, workers):
    """Central under gunicorn on a free loopback port; (process, URL).

    --preload: the app is loaded before the port opens, so when it accepts,
    every worker is ready, as on a central that has been up for a while.
    (Without it each worker imports the app after forking, ~0.45 s of CPU
    apiece, and that would be charged to the job's first seconds.)
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, ANTREAN_DATABASE_URL=database_url, **BENCH_ENV)
    proc = subprocess.Popen([os.path.join(BIN, "gunicorn"), "--preload", "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning",
                             "central:create_app()"], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    sys.exit("central did not start")


def sync_backlog(work, args, central_db, workers):
    """Build both databases, run the job once against central with `workers` gunicorn
    workers; (seconds, peak MB, job output)."""
    branch_db = os.path.join(work, "branch.db")
    token = make_central(central_db)
    subprocess.run([sys.executable, __file__, "--make-branch", branch_db,
                    "--events", str(args.events)], check=True)   # keeps this process small
    server, url = start_central(central_db, workers)
    try:
        env = dict(os.environ, ANTREAN_OFFICE=OFFICE, ANTREAN_TOKEN=token,
                   ANTREAN_DATABASE_URL=f"sqlite:///{branch_db}", ANTREAN_CENTRAL_URL=url,
                   ANTREAN_SYNC_BATCH_EVENTS=str(args.batch))
        seconds, peak_mb, status, output = run_job(env)
        args.cpu = central_cpu(server, central_db)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if status != 0:
        sys.exit(f"antrean-sync failed ({status}): {output.strip()[-500:]}")
    check(central_db, branch_db, args.events)
    return seconds, peak_mb, output


def central_cpu(server, database_url):
    """CPU seconds central spent on the run: (its gunicorn workers, its PostgreSQL server
    processes). Less at the mercy of a shared machine than the wall clock: a worker that
    waits for a core is not charged for the wait."""
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    workers = sum(_cpu_seconds(int(pid)) for pid in found.stdout.split())
    if not database_url.startswith("postgresql"):
        return workers, 0.0
    import psycopg2
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        backends = [pid for (pid,) in cursor.fetchall()]
    conn.close()
    return workers, sum(_cpu_seconds(pid) for pid in backends)


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Run = namedtuple("Run", "seconds peak_mb output whole batched")    # whole, batched: ceilings


def report(args, runs):
    """One line per run, then the medians (this host's speed drifts by up to ±10 %)."""
    rates = [args.events / run.seconds for run in runs]
    print(f"events            {args.events} per run, {len(runs)} run(s), batches of {args.batch}")
    print("run   end to end          ceiling: 1 transaction   per batch      "
          "ratio: 1 txn  per batch   job peak")
    for n, (rate, run) in enumerate(zip(rates, runs), 1):
        print(f"{n:<5} {rate:>8,.0f} events/s ({run.seconds:.2f} s) {run.whole:>10,.0f}/s "
              f"{run.batched:>12,.0f}/s {rate / run.whole:>12.2f} {rate / run.batched:>10.2f} "
              f"{run.peak_mb:>7.0f} MB")
    rate, peak = median(rates), max(r.peak_mb for r in runs)
    whole = median(x / r.whole for x, r in zip(rates, runs))       # each run's own ratio
    batched = median(x / r.batched for x, r in zip(rates, runs))
    print(f"median            {rate:,.0f} events/s end to end (one --once run: push + "
          "pull + reconcile, both sides committed)")
    print(f"ceiling           {median(r.whole for r in runs):,.0f} events/s raw sqlite3 "
          f"executemany, one transaction; {median(r.batched for r in runs):,.0f} events/s "
          f"committed every {args.batch} rows")
    print(f"ratio             {whole:.2f} (one transaction)  {batched:.2f} (per batch), "
          "medians of each run's own ratio")
    print(f"job peak memory   {peak:.0f} MB (the largest)")
    print(f"targets           >= {TARGET_RATE:,} events/s: {_met(rate >= TARGET_RATE)}; ratio >= "
          f"{TARGET_RATIO} against the ceiling that commits per batch, as central must: "
          f"{_met(batched >= TARGET_RATIO)}; <= {TARGET_MB} MB: {_met(peak <= TARGET_MB)}")
    for line in runs[-1].output.strip().splitlines()[-3:]:
        print(f"job said          {line.split(' INFO ')[-1]}")


def worker_counts(text):
    """--workers: one count or several, comma-separated (each 1 to 16)."""
    counts = [int(part) for part in text.split(",")]
    if not all(1 <= n <= 16 for n in counts) or len(set(counts)) < len(counts):
        raise argparse.ArgumentTypeError("distinct counts from 1 to 16, e.g. 2,4")
    return counts


def _met(ok):
    return "met" if ok else "NOT MET"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=worker_counts, metavar="N[,N...]",
                        help="central's gunicorn workers (default 2; with --compare, each "
                             f"count given, default {','.join(map(str, COMPARE_WORKERS))})")
    parser.add_argument("--repeat", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--postgres", metavar="URL",
                        help="central on PostgreSQL: a database on this server (URL of any "
                             f"database there) is made for each run as {PG_DATABASE}, then "
                             "dropped")
    parser.add_argument("--compare", metavar="URL",
                        help="central on SQLite and on this PostgreSQL server, runs alternated: "
                             "prints the PostgreSQL/SQLite ratio (no ceilings)")
    parser.add_argument("--make-branch", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_branch:
        return make_branch(args.make_branch, args.events)
    if args.compare:
        args.workers = args.workers or COMPARE_WORKERS
        return compare(args)
    workers = args.workers or [2]
    if len(workers) > 1:
        parser.error("several worker counts need --compare")
    runs = []
    for _ in range(args.repeat):
        seconds, peak_mb, output, work = one_run(args, args.postgres, workers[0], keep=True)
        try:
            whole, batched = ceiling(os.path.join(work, "ceiling.db"), args.events, args.batch)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        runs.append(Run(seconds, peak_mb, output, whole, batched))
    report(args, runs)


def one_run(args, postgres, workers, keep=False):
    """One sync of the backlog (central on SQLite, or on the PostgreSQL server `postgres`,
    with `workers` gunicorn workers); (seconds, peak MB, job output, work directory:
    removed unless `keep`)."""
    work = tempfile.mkdtemp(prefix="antrean-bench-")
    try:
        with central_database(work, postgres) as central_db:
            seconds, peak_mb, output = sync_backlog(work, args, central_db, workers)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return seconds, peak_mb, output, work


def step_seconds(output):
    """The job's steps and their seconds, from its JSON log lines."""
    steps = []
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "step" in record and "seconds" in record:
            steps.append(f"{record['step']} {record['seconds']:.2f}")
    return ", ".join(steps)


def compare(args):
    """Central on PostgreSQL against SQLite, runs alternated (this host's speed drifts, and
    it is shared), at each worker count: each run's rate, the medians and their ratios."""
    engines = (("sqlite", None), ("postgres", args.compare))
    rates = {(name, w): [] for name, _ in engines for w in args.workers}
    cpu = {key: [] for key in rates}
    for n in range(1, args.repeat + 1):
        for workers in args.workers:
            for name, server in engines:
                seconds, _, output, _ = one_run(args, server, workers)
                rates[name, workers].append(args.events / seconds)
                cpu[name, workers].append(sum(args.cpu))
                print(f"run {n} {name:<9} {workers} workers {rates[name, workers][-1]:>8,.0f} "
                      f"events/s ({seconds:.2f} s; {step_seconds(output)}; central CPU "
                      f"{args.cpu[0]:.2f} s + database {args.cpu[1]:.2f} s)", flush=True)
    medians = {key: median(values) for key, values in rates.items()}
    for workers in args.workers:
        sqlite, postgres = medians["sqlite", workers], medians["postgres", workers]
        pairs = zip(rates["postgres", workers], rates["sqlite", workers])
        print(f"{workers} workers  sqlite {sqlite:>8,.0f} events/s   postgres {postgres:,.0f} "
              f"events/s   ratio {postgres / sqlite:.2f}; per pair: "
              + " ".join(f"{p / q:.2f}" for p, q in pairs))
        print(f"          central's CPU per run (workers + database), median: sqlite "
              f"{median(cpu['sqlite', workers]):.2f} s, postgres "
              f"{median(cpu['postgres', workers]):.2f} s")
    if DEPLOYED_WORKERS in args.workers:
        deployed = medians["postgres", DEPLOYED_WORKERS] / medians["sqlite", DEPLOYED_WORKERS]
        print(f"as deployed  postgres/sqlite {deployed:.3f} at {DEPLOYED_WORKERS} workers for "
              f"both, the README's unit (target >= {TARGET_PG_RATIO}: "
              f"{_met(deployed >= TARGET_PG_RATIO)})")
    best = {name: max(args.workers, key=lambda w: medians[name, w]) for name, _ in engines}
    ratio = medians["postgres", best["postgres"]] / medians["sqlite", best["sqlite"]]
    print(f"ratio   postgres/sqlite {ratio:.3f} (target >= {TARGET_PG_RATIO}: "
          f"{_met(ratio >= TARGET_PG_RATIO)}), each engine at its best worker count: postgres "
          f"{best['postgres']}, sqlite {best['sqlite']} ({args.events} events, {args.repeat} "
          "alternated runs each)")


if __name__ == "__main__":
    main()
