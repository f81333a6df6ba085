"""Make the SQLite databases of earlier schemas that tests/sync/test_upgrades.py upgrades.

    .venv/bin/python scripts/make_schema_fixtures.py [--at COMMIT ...] [--force]

A schema is "released" from the commit that adds a migration script until the
commit that adds the next one: the databases people have were made during
that time. So for every commit of main's first-parent history that adds a
migration script (central/ or branch/), the commit just before it made the
last databases of the schema it replaces. (Models changed without a script
while a schema was current, as branch/models.py was during the first days,
are only upgradeable from the end of that time.) --at COMMIT also makes the
schemas of that commit (e.g. main's tip, for the schema still current).

For each such commit the tree is checked out in a temporary git worktree, and
that commit's own code migrates a new SQLite file and fills it with a few rows
of every table through its own models (POPULATE below, written to run on every
version). The files go to tests/fixtures/schemas/<app>-m<NNN>-<commit>.db,
NNN being the newest migration applied; existing files are kept unless --force.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "schemas")
APPS = ("central", "branch")

# Runs inside the old tree (its directory first on sys.path): argv = app, path.
POPULATE = r'''
import json, sys, uuid
from datetime import date, datetime

app, path = sys.argv[1], sys.argv[2]
import os, sync
assert os.path.abspath(sync.__file__).startswith(os.getcwd()), "not the old tree's code"
from sync.database import migrate, open_database
if app == "central":
    from central import migrations
    from central.db import db
else:
    from branch import migrations
    from branch.db import db
DAY, AT = date(2026, 11, 23), datetime(2026, 11, 23, 2, 0, 0)
NIKS = ["3601014501900001", "3602015507850002", "3673016112950004"]


def has(model, field):
    return field in model._meta.fields


def central():
    from central.models import Booking, Change, Office, Suspension
    offices = [Office.create(code="SRG", name="Kantor Imigrasi Serang", hajj_regencies="3601,3602"),
               Office.create(code="CLG", name="Kantor Imigrasi Cilegon",
                             hajj_regencies="3604,3672,3673")]
    if has(Office, "token_hash"):
        Office.update(token_hash="0" * 64, token_issued_at=AT).execute()
    for i, (office, status) in enumerate([(offices[0], "booked"), (offices[0], "cancelled"),
                                          (offices[1], "booked")]):
        Booking.create(code=f"{office.code}-FIXTURE{i}", office=office, date=date(2026, 12, 1),
                       hour=9, nik=NIKS[i], name=f"Pemohon {i}", purpose="general",
                       status=status, created_at=AT)
        Change.create(kind="booking", key=f"{office.code}-FIXTURE{i}", office=office.code,
                      payload=json.dumps({"code": f"{office.code}-FIXTURE{i}"}), created_at=AT)
    Suspension.create(nik=NIKS[0], reason="Pemalsuan data", starts_on=DAY,
                      ends_on=date(2027, 11, 23), created_at=AT)
    Change.create(kind="suspension", key="1", payload="{}", created_at=AT)
    if "received_event" not in db.get_tables():     # the schema before sync
        return
    from central import merged
    ticket = {"ticket": "A001", "lane": "general", "nik": NIKS[0], "regency": "3601"}
    for seq, kind, payload in [(1, "ticket_issued", ticket),
                               (2, "ticket_called", {"ticket": "A001", "counter": "1"}),
                               (3, "ticket_finished", {"ticket": "A001", "counter": "1",
                                                       "outcome": "passport_issued",
                                                       "regency": "3601"})]:
        merged.ReceivedEvent.create(id=uuid.UUID(int=seq), office="SRG", seq=seq, day=DAY,
                                    kind=kind, payload=json.dumps(payload, sort_keys=True),
                                    created_at=AT, received_at=AT)
    merged.QuarantinedEvent.create(event_id=str(uuid.UUID(int=4)), office="SRG", seq=4, day=DAY,
                                   kind="ticket_called", payload="{}", created_at=AT,
                                   received_at=AT, reason="invalid payload: ticket: missing")
    merged.MergedTicket.create(office="SRG", day=DAY, number="A001", lane="general",
                               nik=NIKS[0], regency="3601", status="done", counter="1",
                               outcome="passport_issued", last_seq=3)
    merged.PassportTally.create(office="SRG", day=DAY, regency="3601", count=1)
    merged.MergedRefusal.create(event_id=str(uuid.UUID(int=5)), office="SRG", day=DAY,
                                nik=NIKS[1], suspension_ends_on=date(2027, 11, 23))
    merged.Conflict.create(office="SRG", day=DAY, kind="served_while_suspended",
                           subject=NIKS[1], detail="fixture", created_at=AT)
    merged.OfficeSync.create(office="SRG", cursor=3, events=3, last_push_at=AT, last_seen_at=AT)


def branch():
    from branch import models as m
    m.Staff.create(username="siti", password_hash="scrypt:fixture", role="supervisor",
                   created_at=AT)
    counter = m.Counter.create(name="1")
    lanes = {"issued_lane": "general"} if has(m.Ticket, "issued_lane") else {}
    done = m.Ticket.create(office="SRG", day=DAY, lane="general", seq=1, number="A001",
                           nik=NIKS[0], regency="3601", status="done", counter=counter,
                           outcome="passport_issued", issued_at=AT, queued_at=AT, **lanes)
    if "issued_lane" in lanes:
        lanes["issued_lane"] = "priority"
    m.Ticket.create(office="SRG", day=DAY, lane="priority", seq=1, number="P001", nik=NIKS[1],
                    regency="3602", reason="pregnant", issued_at=AT, queued_at=AT, **lanes)
    if hasattr(m, "Call"):
        m.Call.create(day=DAY, ticket=done, lane="general", counter=counter, staff="siti", at=AT)
    m.LocalBooking.create(code="SRG-FIXTURE0", office="SRG", date=date(2026, 12, 1), hour=9,
                          nik=NIKS[2], name="Pemohon 0", purpose="general", status="booked")
    m.LocalSuspension.create(central_id=1, nik=NIKS[0], reason="Pemalsuan data",
                             starts_on=DAY, ends_on=date(2027, 11, 23))
    m.Refusal.create(day=DAY, nik=NIKS[0], suspension_ends_on=date(2027, 11, 23), at=AT)
    for n, state in enumerate(["sent", "sent", "pending", "quarantined"], start=1):
        m.Outbox.create(uuid=str(uuid.UUID(int=n)), office="SRG", day=DAY, kind="ticket_called",
                        payload=json.dumps({"ticket": "A001", "counter": "1"}), created_at=AT,
                        state=state, sent_at=AT if state == "sent" else None,
                        error="central: fixture" if state == "quarantined" else None)
    m.Setting.create(key="name", value=json.dumps("Kantor Imigrasi Serang"))
    m.SyncState.create(id=1, last_attempt=AT, last_success=AT, central_reachable=True,
                       pull_cursor=5)
    if hasattr(m, "LoginFailure"):
        m.LoginFailure.create(username="siti", address="127.0.0.1", at=AT)


db.initialize(open_database(f"sqlite:///{path}"))
with db.connection_context():
    migrate(db, migrations)
    with db.atomic():
        central() if app == "central" else branch()
    newest = db.execute_sql("SELECT max(version) FROM schema_version").fetchone()[0]
import sqlite3                      # small files: 1 KB pages, no free space, one file
small = sqlite3.connect(path, isolation_level=None)
small.execute("PRAGMA journal_mode=DELETE")
small.execute("PRAGMA page_size=1024")
small.execute("VACUUM")
small.close()
print(newest)
'''


def git(*args):
    return subprocess.run(["git", "-C", ROOT, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def era_ends(app):
    """Commits (main's first parents) just before one that adds a migration of `app`."""
    adding = git("log", "main", "--first-parent", "--diff-filter=A", "--format=%H", "--",
                 f"{app}/migrations/m*.py").split()
    ends = []
    for commit in adding:
        parents = git("rev-list", "--parents", "-n", "1", commit).split()[1:]
        if parents and git("ls-tree", "--name-only", parents[0], f"{app}/migrations/"):
            ends.append(parents[0])
    return ends


def build(app, commit, force):
    """The fixture of `app` at `commit` (skipped if it exists, unless `force`)."""
    short = commit[:7]
    if not force and any(name.startswith(app) and name.endswith(f"-{short}.db")
                         for name in os.listdir(OUT)):
        return None
    with tempfile.TemporaryDirectory(prefix="antrean-fixture-") as work:
        tree = os.path.join(work, "tree")
        git("worktree", "add", "--detach", tree, commit)
        try:
            path = os.path.join(work, "fixture.db")
            env = dict(os.environ, PYTHONPATH=tree)
            made = subprocess.run([sys.executable, "-c", POPULATE, app, path], cwd=tree,
                                  env=env, capture_output=True, text=True)
            if made.returncode:
                sys.exit(f"{app} at {short}: {made.stderr.strip()[-2000:]}")
            newest = made.stdout.split()[-1]
            target = os.path.join(OUT, f"{app}-m{int(newest):03d}-{short}.db")
            os.replace(path, target)
        finally:
            git("worktree", "remove", "--force", tree)
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--at", action="append", default=[], metavar="COMMIT",
                        help="also the schemas at this commit (e.g. main)")
    parser.add_argument("--force", action="store_true", help="remake existing fixtures")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for app in APPS:
        commits = era_ends(app) + [git("rev-parse", at) for at in args.at]
        for commit in dict.fromkeys(commits):
            made = build(app, commit, args.force)
            print(f"{app} at {commit[:7]}: " + (f"made {os.path.relpath(made, ROOT)}" if made
                                                else "exists, kept"))


if __name__ == "__main__":
    main()
