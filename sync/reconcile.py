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
from sync.digest import MAX_DIGEST_DAYS, NO_EVENTS, differences, stored_digests

RECENT_DAYS = 3
IN_PARALLEL = 2           # digests requests at once, while the job counts its own


def branch_digest(office, day):
    """The branch's digest of `day`: every event except those central refused."""
    return branch_digests(office, [day])[day]


def branch_digests(office, days):
    """Digests of several days at once (the outbox is indexed by office and day)."""
    holders = ", ".join("?" * len(days))
    digests = stored_digests(branch_db, "outbox", "uuid",
                             f"office = ? AND day IN ({holders}) AND state != 'quarantined'",
                             (office, *(day.isoformat() for day in days)))
    return {day: digests.get(day.isoformat(), NO_EVENTS) for day in days}


def days_to_check(office, touched, recent=RECENT_DAYS):
    """The days pushed in this run plus the last `recent` days that have events (every
    day with events when `recent` is None: after central was restored from a backup)."""
    latest = (Outbox.select(Outbox.day).where(Outbox.office == office).distinct()
              .order_by(Outbox.day.desc()))
    if recent is not None:
        latest = latest.limit(recent)
    return sorted({_as_date(d) for d in touched} | {row.day for row in latest})


def reconcile(db, client, retrying, office, days, resend):
    """Compare digests for `days`; re-send a differing day once; the differences left."""
    problems = []
    with ThreadPoolExecutor(max_workers=IN_PARALLEL) as network:
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


def _spans(days, longest=MAX_DIGEST_DAYS):
    """Sorted days grouped into (first, last) spans of at most `longest` days: as few
    requests as central allows (a run of up to three months is one; measured, one
    request while the job counts its own days beats two that share the cores)."""
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


def _as_date(day):
    return day if isinstance(day, date) else date.fromisoformat(day)
