"""Reconcile: prove, day by day, that central holds exactly the branch's events.

Both sides compute sync.digest over the events of an office-day. When they
differ the branch re-sends that day (central ignores what it already has)
and compares again; a difference that remains is reported, never hidden.
"""
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from branch.db import db as branch_db
from branch.models import Outbox
from sync.database import write_transaction
from sync.digest import DayDigest, compute_digest, differences

RECENT_DAYS = 3
SPAN_DAYS = 31            # days per digests request: a month of a busy office is ~40,000 events
NO_EVENTS = compute_digest([])


def branch_digest(office, day):
    """The branch's digest of `day`: every event except those central refused."""
    return branch_digests(office, [day])[day]


def branch_digests(office, days):
    """Digests of several days in one query (the outbox is indexed by office and day).

    The rows come from the driver's cursor as they are: peewee's per-field
    conversion of 100,000 rows costs more than the digest itself. A day is
    text on SQLite and a date on PostgreSQL, hence the ISO keys.
    """
    builders = {day.isoformat(): DayDigest() for day in days}
    query = (Outbox.select(Outbox.uuid, Outbox.day, Outbox.kind, Outbox.payload)
             .where(Outbox.office == office, Outbox.day.in_(list(days)),
                    Outbox.state != "quarantined"))
    for uuid, day, kind, payload in branch_db.execute(query):
        builders[_iso(day)].add(uuid, kind, payload)
    return {day: builders[day.isoformat()].result() for day in days}


def days_to_check(office, touched, recent=RECENT_DAYS):
    """The days pushed in this run plus the last `recent` days that have events."""
    latest = (Outbox.select(Outbox.day).where(Outbox.office == office).distinct()
              .order_by(Outbox.day.desc()).limit(recent))
    return sorted({_as_date(d) for d in touched} | {row.day for row in latest})


def reconcile(db, client, retrying, office, days, resend):
    """Compare digests for `days`; re-send a differing day once; the differences left."""
    problems = []
    with ThreadPoolExecutor(max_workers=2) as network:   # central counts while we count
        asked = [network.submit(client.digests, first, last) for first, last in _spans(days)]
        ours = branch_digests(office, days)
        theirs = {day: digest for answer in asked for day, digest in answer.result().items()}
    differing = [day for day in days
                 if differences(ours[day], theirs.get(day.isoformat(), NO_EVENTS))]
    for day in differing:
        retrying(_mark_day_pending, db, office, day)
        resend()
        left = differences(branch_digest(office, day), client.digest(day))
        if left:
            problems.append(f"{day}: {'; '.join(left)}")
    return problems


def _spans(days, longest=SPAN_DAYS):
    """Sorted days grouped into (first, last) spans of at most `longest` days."""
    spans = []
    for day in days:
        if spans and (day - spans[-1][0]).days < longest:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return spans


def _mark_day_pending(db, office, day):
    with write_transaction(db):
        (Outbox.update(state="pending")
         .where(Outbox.office == office, Outbox.day == day, Outbox.state == "sent").execute())


def _iso(day):
    return day if isinstance(day, str) else day.isoformat()


def _as_date(day):
    return day if isinstance(day, date) else date.fromisoformat(day)
