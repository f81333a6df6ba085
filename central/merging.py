"""Applying a pushed batch to central's merged view, set-based and idempotent.

A batch is one transaction: store the events whose ids are new (the primary
key drops the rest, so a retried batch changes nothing), quarantine the
invalid ones, fold the new ones into tickets, passports by regency and
refusals with a handful of bulk statements, then apply the rules that touch
bookings and record conflicts. Statements per batch, never per event: a
branch back from a week offline pushes tens of thousands of events.
"""
import json
from collections import Counter, defaultdict
from datetime import timezone

from peewee import EXCLUDED, Case
from pydantic import ValidationError

from sync.database import is_postgres, write_transaction
from sync.digest import DayDigest, compute_digest
from sync.schema import validate_payload

from . import conflicts
from .bulk import insert_rows, iso_day, select_rows, upsert_clause
from .db import db
from .merged import (MergedRefusal, MergedTicket, OfficeSync, PassportTally,
                     ReceivedEvent)
from .models import utcnow

MERGE_LOCK = 7_431_002       # pg advisory lock class: merging an office's batch
TICKET_FIELDS = [f for f in MergedTicket._meta.sorted_field_names if f != "id"]
TICKET_KEY = ("office", "day", "number")
QUARANTINE_COLUMNS = ["event_id", "office", "seq", "day", "kind", "payload", "created_at",
                      "received_at", "reason"]
EVENT_COLUMNS = ["id", "office", "seq", "day", "kind", "payload", "created_at", "received_at"]


def apply_batch(office, events, backlog=None):
    """Apply `events` (sync.schema.Event, seq order) pushed by `office`; the push answer."""
    accepted, rejected = _validate(events)
    with write_transaction(db):
        _lock_office(office)
        new_ids = _store_events(office, accepted)
        _quarantine(office, rejected)
        fresh = [(event, payload) for event, payload in accepted if str(event.id) in new_ids]
        _apply(office, fresh)
        cursor = _advance_cursor(office, events, len(fresh), backlog)
    return {"applied": len(fresh), "duplicates": len(accepted) - len(new_ids),
            "quarantined": [{"id": str(e.id), "reason": reason} for e, reason in rejected],
            "cursor": cursor}


def _lock_office(office):
    """One batch of an office at a time (SQLite's IMMEDIATE already is): merging reads
    the office's tickets, then writes them, and must not interleave with another batch."""
    if is_postgres(db):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (MERGE_LOCK, office))


def _validate(events):
    accepted, rejected, seen = [], [], set()
    for event in events:
        if event.id in seen:
            continue    # the same event twice in one batch is one event
        seen.add(event.id)
        try:
            accepted.append((event, validate_payload(event)))
        except ValidationError as exc:
            rejected.append((event, _reason(exc)))
        except ValueError as exc:
            rejected.append((event, str(exc)))
    return accepted, rejected


def _reason(exc):
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'payload'}: {err['msg']}"
             for err in exc.errors()]
    return "invalid payload: " + "; ".join(parts)


def _row(office, event, now):
    created = event.created_at
    if created.tzinfo is not None:
        created = created.astimezone(timezone.utc).replace(tzinfo=None)
    return (str(event.id), office, event.seq, event.day, event.kind,
            json.dumps(event.payload, separators=(",", ":"), sort_keys=True, default=str),
            created, now)


def _store_events(office, accepted):
    """Insert the events; the ids actually inserted (RETURNING skips the duplicates)."""
    now = utcnow()
    rows = [_row(office, event, now) for event, _ in accepted]
    return {row[0] for row in insert_rows(db, "received_event", EVENT_COLUMNS, rows,
                                          returning="id")}


def _quarantine(office, rejected):
    now = utcnow()
    rows = [_row(office, event, now) + (reason,) for event, reason in rejected]
    insert_rows(db, "quarantined_event", QUARANTINE_COLUMNS, rows)


def _apply(office, fresh):
    if not fresh:
        return
    tickets = _merge_tickets(office, fresh)
    _tally_passports(office, fresh)
    _store_refusals(office, fresh)
    conflicts.apply_rules(office, fresh, tickets)


def _merge_tickets(office, fresh):
    """Fold the batch's ticket events into the merged tickets; the touched rows by key."""
    touched = defaultdict(list)
    for event, payload in fresh:
        if hasattr(payload, "ticket"):
            touched[(event.day.isoformat(), payload.ticket)].append((event, payload))
    if not touched:
        return {}
    rows = _load_tickets(office, touched)
    for key, events in touched.items():
        row = rows.setdefault(key, _new_ticket(office, *key))
        for event, payload in events:
            _fold(row, event, payload)
    insert_rows(db, "merged_ticket", TICKET_FIELDS,
                [tuple(r[f] for f in TICKET_FIELDS) for r in rows.values()],
                conflict=upsert_clause(TICKET_KEY, TICKET_FIELDS))
    return rows


def _load_tickets(office, keys):
    """The merged tickets for `keys` ((iso day, number)), by key."""
    found = select_rows(db, f"SELECT {', '.join(TICKET_FIELDS)} FROM merged_ticket "
                            "WHERE office = {} AND day IN {} AND number IN {}",
                        office, {day for day, _ in keys}, {number for _, number in keys})
    rows = (dict(zip(TICKET_FIELDS, values), day=iso_day(values[1])) for values in found)
    return {(r["day"], r["number"]): r for r in rows if (r["day"], r["number"]) in keys}


def _new_ticket(office, day, number):
    return {"office": office, "day": day, "number": number, "lane": None, "nik": None,
            "regency": None, "reason": None, "beyond_quota": False, "override_staff": None,
            "booking_code": None, "booking_verified": None, "status": "waiting",
            "counter": None, "outcome": None, "recalls": 0, "last_seq": 0}


def _fold(row, event, payload):
    """One event's effect on a ticket. Status follows the newest event only, so a
    late re-sent event (a lower seq) fills in facts without turning the clock back."""
    kind, newer = event.kind, event.seq > row["last_seq"]
    if kind == "ticket_issued":
        row.update(lane=row["lane"] or payload.lane, nik=payload.nik, regency=payload.regency,
                   reason=payload.reason, beyond_quota=payload.beyond_quota,
                   override_staff=payload.staff if payload.beyond_quota else None,
                   booking_code=row["booking_code"] or payload.booking_code)
    elif kind == "booking_checked_in":
        row.update(booking_code=payload.booking_code, booking_verified=payload.verified)
    elif kind == "ticket_recalled":
        row["recalls"] += 1
    if newer:
        row.update(_status_change(kind, payload), last_seq=event.seq)


def _status_change(kind, payload):
    if kind in ("ticket_called", "ticket_recalled"):
        return {"status": "called", "counter": payload.counter}
    if kind == "ticket_no_show":
        return {"status": "no_show", "counter": payload.counter}
    if kind == "ticket_transferred":
        return {"status": "waiting", "lane": payload.to_lane, "counter": None}
    if kind == "ticket_finished":
        return {"status": "done", "counter": payload.counter, "outcome": payload.outcome}
    return {}


def _tally_passports(office, fresh):
    counts = Counter((event.day, payload.regency) for event, payload in fresh
                     if event.kind == "ticket_finished" and payload.outcome == "passport_issued")
    if not counts:
        return
    rows = [{"office": office, "day": day, "regency": regency, "count": n}
            for (day, regency), n in counts.items()]
    (PassportTally.insert_many(rows)
     .on_conflict(conflict_target=[PassportTally.office, PassportTally.day, PassportTally.regency],
                  update={PassportTally.count: PassportTally.count + EXCLUDED.count})
     .execute())


def _store_refusals(office, fresh):
    rows = [{"event_id": str(event.id), "office": office, "day": event.day, "nik": payload.nik,
             "suspension_ends_on": payload.suspension_ends_on}
            for event, payload in fresh if event.kind == "suspended_refused"]
    if rows:
        MergedRefusal.insert_many(rows).on_conflict_ignore().execute()


def _advance_cursor(office, events, applied, backlog):
    """Raise the office's cursor to the batch's highest seq; it never goes back."""
    now = utcnow()
    top = max((event.seq for event in events), default=0)
    (OfficeSync.insert(office=office, cursor=top, events=applied, last_push_at=now,
                       last_seen_at=now, backlog=backlog)
     .on_conflict(conflict_target=[OfficeSync.office],
                  update={OfficeSync.cursor: Case(None, [(OfficeSync.cursor < EXCLUDED.cursor,
                                                          EXCLUDED.cursor)], OfficeSync.cursor),
                          OfficeSync.events: OfficeSync.events + EXCLUDED.events,
                          OfficeSync.backlog: EXCLUDED.backlog,
                          OfficeSync.last_push_at: now, OfficeSync.last_seen_at: now})
     .execute())
    return OfficeSync.get(OfficeSync.office == office).cursor


def touch(office):
    """Note that `office` was heard from (its sync health on the admin pages)."""
    (OfficeSync.insert(office=office, last_seen_at=utcnow())
     .on_conflict(conflict_target=[OfficeSync.office],
                  update={OfficeSync.last_seen_at: EXCLUDED.last_seen_at})
     .execute())


def day_digest(office, day):
    """Central's digest of an office-day, from the events it holds (see sync.digest)."""
    rows = (ReceivedEvent.select(ReceivedEvent.id, ReceivedEvent.kind, ReceivedEvent.payload)
            .where(ReceivedEvent.office == office, ReceivedEvent.day == day).tuples())
    return compute_digest(rows)


def days_digests(office, first, last):
    """Digests of each day from `first` to `last` that has events, in one pass; by ISO day."""
    builders = defaultdict(DayDigest)
    rows = (ReceivedEvent.select(ReceivedEvent.id, ReceivedEvent.day, ReceivedEvent.kind,
                                 ReceivedEvent.payload)
            .where(ReceivedEvent.office == office, ReceivedEvent.day.between(first, last))
            .tuples().iterator())
    for event_id, day, kind, payload in rows:
        builders[iso_day(day)].add(event_id, kind, payload)
    return {day: builder.result() for day, builder in sorted(builders.items())}
