"""Branch tickets: 50 kiosks issuing numbers at once through the production server.

Starts the branch under gunicorn on a free port with a temp SQLite file (caps
raised so they never stop the run), then 50 concurrent clients issue general
tickets for N seconds over keep-alive HTTP. Prints tickets/s and p50/p99
latency, then checks the database: every 201 is one ticket and one outbox
event, and no number appears twice. Exits non-zero on a duplicate or a
mismatch. Target on a 2-core machine: >= 400 tickets/s with p99 <= 50 ms.

    python bench/branch_tickets.py                  # 20 s, 50 clients x 10 tickets/s
    python bench/branch_tickets.py --seconds 3      # a quick check
    python bench/branch_tickets.py --rate 0         # closed loop: the most it can issue

By default each client keeps a fixed pace (open loop, 10 tickets/s each, so
500/s offered, the clients' phases spread evenly), like kiosks fed by
arriving people; latency is measured from
when each request was due, so a server falling behind shows in p99 (no
coordinated omission). With --rate 0 each client sends its next request as
soon as the last answer arrives: that measures capacity, and by Little's law
its mean latency is simply clients / throughput (50 / 500/s = 100 ms), so it
cannot say anything about p99 at a given load.
"""
import argparse
import http.client
import json
import os
import socket
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Servers refuse to start without a real secret key; a bench makes one per run. Rate
# limits are off: a bench is one address sending far more than any person would.
BENCH_ENV = {"ANTREAN_SECRET_KEY": secrets.token_hex(32), "ANTREAN_RATELIMIT_ENABLED": "false",
             "ANTREAN_LOG_REQUESTS": "false"}     # a JSON line per request would flood the run
BIN = Path(sys.executable).parent


def person_nik(client, n):
    """A distinct valid NIK for the n-th ticket of `client`: one NIK may hold only one
    waiting ticket a lane (and a few a day), as at a real kiosk where each person is new."""
    born_day = 1 + (n // 9999) % 28
    return f"3604{client % 99 + 1:02d}{born_day:02d}0590{n % 9999 + 1:04d}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_branch(db_file, port, workers, threads):
    """init-db, then gunicorn; returns the process once /api/v1/health answers."""
    env = {**os.environ, **BENCH_ENV, "ANTREAN_OFFICE": "BNC",
           "ANTREAN_DATABASE_URL": f"sqlite:///{db_file}",
           "ANTREAN_CAP_GENERAL": "100000000", "ANTREAN_CENTRAL_URL": "http://127.0.0.1:9"}
    subprocess.run([str(BIN / "flask"), "--app", "branch", "init-db"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    cmd = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "--backlog", "2048", "--preload",
           "-k", "gthread", "--threads", str(threads), "branch:create_app()"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(200):
        try:
            if get(port, "/api/v1/health") == 200:
                return proc
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("gunicorn did not come up")


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status


class Kiosk(threading.Thread):
    """One client: issues tickets until `stop_at`, recording (status, latency seconds)."""

    def __init__(self, port, index, stop_at, rate, phase=0.0):
        super().__init__(daemon=True)
        self.port, self.stop_at, self.rate, self.phase = port, stop_at, rate, phase
        self.index, self.issued = index, 0
        self.results, self.conn = [], None

    def run(self):
        due = time.perf_counter() + self.phase
        while due < self.stop_at:
            if self.rate:
                time.sleep(max(0.0, due - time.perf_counter()))
            started = due if self.rate else time.perf_counter()
            status = self.issue()
            self.results.append((status, time.perf_counter() - started))
            due = due + 1 / self.rate if self.rate else time.perf_counter()

    def issue(self):
        for attempt in range(2):     # a closed keep-alive connection is retried once
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                body = json.dumps({"lane": "general", "nik": person_nik(self.index, self.issued)})
                self.conn.request("POST", "/api/v1/tickets", body,
                                  {"Content-Type": "application/json"})
                response = self.conn.getresponse()
                response.read()
                self.issued += 1
                if response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    return 0


def fire(port, clients, seconds, rate):
    warm = time.perf_counter() + 0.5     # every worker imports and connects before timing
    kiosks = [Kiosk(port, 90 + i, warm, 0) for i in range(min(clients, 8))]  # own NIKs
    for kiosk in kiosks:
        kiosk.start()
    for kiosk in kiosks:
        kiosk.join()
    warmed = sum(1 for k in kiosks for status, _ in k.results if status == 201)
    stop_at = time.perf_counter() + seconds
    # Kiosks are not synchronised: each starts at its own phase of the pace.
    kiosks = [Kiosk(port, i, stop_at, rate, phase=i / clients / rate if rate else 0.0)
              for i in range(clients)]
    started = time.perf_counter()
    for kiosk in kiosks:
        kiosk.start()
    for kiosk in kiosks:
        kiosk.join()
    wall = time.perf_counter() - started
    return [r for k in kiosks for r in k.results], wall, warmed


def check_database(db_file):
    """(tickets, ticket_issued events, numbers issued more than once) from the SQLite file."""
    conn = sqlite3.connect(db_file)
    tickets = conn.execute("SELECT COUNT(*) FROM ticket").fetchone()[0]
    events = conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'ticket_issued'").fetchone()[0]
    duplicates = conn.execute("SELECT office, day, number, COUNT(*) FROM ticket "
                              "GROUP BY office, day, number HAVING COUNT(*) > 1").fetchall()
    conn.close()
    return tickets, events, duplicates


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(results, wall, warmed, db_file, args):
    ok = sum(1 for status, _ in results if status == 201)
    failed = len(results) - ok
    latencies = [seconds * 1000 for _, seconds in results]
    tickets, events, duplicates = check_database(db_file)
    mode = f"open loop, {args.rate}/s per client" if args.rate else "closed loop"
    print(f"branch tickets: {args.clients} clients ({mode}) for {wall:.1f} s, gunicorn "
          f"-w {args.workers} gthread {args.threads} threads, SQLite WAL synchronous=FULL")
    print(f"  issued      {ok} tickets ({failed} failed requests)")
    print(f"  throughput  {ok / wall:.0f} tickets/s")
    print(f"  latency     p50 {percentile(latencies, 50):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")
    print(f"  database    {tickets} tickets, {events} ticket_issued events, "
          f"{len(duplicates)} duplicate numbers")
    sound = not duplicates and not failed and tickets == events == ok + warmed
    print("  verdict     " + ("OK" if sound else "FAILED: duplicates, failures or a mismatch"))
    return sound


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rate", type=float, default=10,
                        help="tickets/s per client (open loop); 0: closed loop, as fast as "
                             "answers come")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="antrean-bench-") as folder:
        db_file = os.path.join(folder, "branch.db")
        port = free_port()
        server = start_branch(db_file, port, args.workers, args.threads)
        try:
            results, wall, warmed = fire(port, args.clients, args.seconds, args.rate)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return 0 if report(results, wall, warmed, db_file, args) else 1


if __name__ == "__main__":
    sys.exit(main())
