"""`make drill`: the outage drill. Central goes down while both branches keep serving.

With the demo running (`make demo`, found through instance/demo/demo.json) it uses
that; otherwise it starts a demo of its own on free ports in a temporary folder
(and stops it at the end). Then:

1. stops central, and for DRILL_SECONDS (default 30) keeps issuing and serving
   tickets at both branches (kiosk API, counter 1 over HTTP Basic), printing
   how many records wait at each branch;
2. starts central again and prints each branch's backlog draining to zero;
3. compares, for each office and day, central's counts with the branch's own
   (tickets, tickets by lane, passports by regency, the hash of event ids) and
   exits 0 only if every one matches.

Settings: DRILL_SECONDS; DRILL_OWN_DEMO=1 starts its own demo even if one runs;
DRILL_DRAIN_SECONDS (default 240) how long the backlog may take to drain.
"""
import os
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import OFFICES, PASSWORD, Demo, free_port  # noqa: E402

ISSUE_EVERY = 3.2       # seconds between tickets at one branch: under the kiosk's rate limit
FIELDS = ("tickets", "by_lane", "passports_by_regency", "hash")


def nik(serial):
    return f"3601014507{85 + serial // 9999 % 10:02d}{serial % 9999 + 1:04d}"


class Floor:
    """One branch during the drill: its kiosk issues, its counter 1 calls and finishes."""

    def __init__(self, demo, office, first_serial):
        self.demo, self.office, self.url = demo, office, demo.branch_url(office)
        self.serial, self.current, self.issued, self.served = first_serial, None, 0, 0
        self.auth = ("staff", PASSWORD)

    def step(self):
        """One ticket issued, the counter's current one finished, the next one called."""
        answer = requests.post(f"{self.url}/api/v1/tickets", timeout=10,
                               json={"lane": "general", "nik": nik(self.serial)})
        self.serial += 1
        self.issued += answer.status_code == 201
        if self.current:
            done = requests.post(f"{self.url}/api/v1/tickets/{self.current}/finish",
                                 auth=self.auth, json={"outcome": "passport_issued"}, timeout=10)
            self.served += done.ok
        called = requests.post(f"{self.url}/api/v1/counters/1/call", auth=self.auth, timeout=10)
        ticket = called.json().get("ticket") if called.ok else None
        self.current = ticket["id"] if ticket else None

    def pending(self):
        with sqlite3.connect(self.demo.info["branches"][self.office]["db"], timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]


def backlog_line(floors, what):
    return f"{what:<24}" + "   ".join(f"{f.office}: {f.pending():4d} waiting to be sent"
                                      for f in floors)


def serve_while_down(floors, seconds):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        for floor in floors:
            floor.step()
        print(backlog_line(floors, f"central down {time.monotonic() - started:3.0f} s"),
              flush=True)
        time.sleep(ISSUE_EVERY)
    for floor in floors:
        print(f"  {floor.office}: {floor.issued} tickets issued, {floor.served} served while "
              "central was down")


def drain(floors, seconds):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        counts = [floor.pending() for floor in floors]
        print(backlog_line(floors, f"central back {time.monotonic() - started:3.0f} s"),
              flush=True)
        if not any(counts):
            return True
        time.sleep(2)
    return False


def drill_days(floors):
    """The office days the drill's tickets fell on (it may run across midnight)."""
    days = set()
    for floor in floors:
        with sqlite3.connect(floor.demo.info["branches"][floor.office]["db"]) as conn:
            days.update(day for (day,) in conn.execute(
                "SELECT DISTINCT day FROM ticket ORDER BY day DESC LIMIT 2"))
    return sorted(date.fromisoformat(str(day)) for day in days)


def compare(demo, day):
    """Print central's counts beside each branch's for `day`; True when all match."""
    from branch.db import db
    from sync.database import open_database
    from sync.reconcile import branch_digests
    ok = True
    print(f"\n{'office':<7}{'day':<12}{'':<9}{'tickets':>8}  by lane / passports by regency")
    for office in OFFICES:
        branch = demo.info["branches"][office]
        db.initialize(open_database(f"sqlite:///{branch['db']}"))
        with db.connection_context():
            ours = branch_digests(office, [day])[day]
        theirs = requests.get(f"{demo.central_url}/api/v1/sync/digest",
                              params={"day": day.isoformat()}, timeout=30,
                              headers={"Authorization": f"Bearer {branch['token']}"}).json()
        same = all(ours[f] == theirs.get(f) for f in FIELDS)
        ok = ok and same
        for side, digest in (("branch", ours), ("central", theirs)):
            print(f"{office:<7}{day.isoformat():<12}{side:<9}{digest.get('tickets', 0):>8}  "
                  f"{digest.get('by_lane')} / {digest.get('passports_by_regency')}")
        print(f"{'':<28}{'match' if same else 'DIFFERENT'}")
    return ok


def main():
    seconds = float(os.environ.get("DRILL_SECONDS", "30"))
    drain_seconds = float(os.environ.get("DRILL_DRAIN_SECONDS", "240"))
    demo, own, folder = None if os.environ.get("DRILL_OWN_DEMO") else Demo.running(), False, None
    if demo is None:
        folder = tempfile.TemporaryDirectory(prefix="antrean-drill-")
        demo = Demo(folder.name, central_port=free_port(),
                    branch_ports=[free_port(), free_port()], sync_interval=2,
                    extra_env={"SYNC_MAX_SECONDS": 5}, quiet=True)
        print(f"starting a demo of its own (its log: {folder.name}/demo.log) ...", flush=True)
        demo.start()
        own = True
    try:
        return run(demo, seconds, drain_seconds)
    finally:
        if own:
            demo.stop()
            folder.cleanup()


def run(demo, seconds, drain_seconds):
    floors = [Floor(demo, office, 1 + 20000 * n + int(time.time()) % 5000)
              for n, office in enumerate(OFFICES)]
    for floor in floors:
        floor.step()                        # a ticket each while central is still up
    print(backlog_line(floors, "before the outage"))
    demo.stop_central()
    print(f"central stopped; serving on for {seconds:.0f} s", flush=True)
    serve_while_down(floors, seconds)
    demo.start_central()
    print("central started again", flush=True)
    drained = drain(floors, drain_seconds)
    if not drained:
        print(f"backlog did not drain in {drain_seconds:.0f} s")
    time.sleep(demo.info["sync_interval"] + 1)      # one more run reconciles the last batch
    matched = drained and all([compare(demo, day) for day in drill_days(floors)])
    print("\ndrill: " + ("OK: backlog 0, central matches every branch" if drained and matched
                         else "FAILED"))
    return 0 if drained and matched else 1


if __name__ == "__main__":
    sys.exit(main())
