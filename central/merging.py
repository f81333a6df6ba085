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
from operator import itemgetter

from peewee import EXCLUDED, Case
from pydantic import ValidationError

from sync.database import is_postgres, write_transaction
from sync.digest import DayDigest, compute_digest
from sync.schema import validate_payload, validate_payloads

from . import conflicts
from .bulk import insert_count, insert_rows, iso_day, select_rows, upsert_clause
from .db import db
from .merged import (MergedRefusal, MergedTicket, OfficeSync, PassportTally,
                     ReceivedEvent)
from .models import naive_utc, utcnow

MERGE_LOCK = 7_431_002       # pg advisory lock class: merging an office's batch
TICKET_FIELDS = [f for f in MergedTicket._meta.sorted_field_names if f != "id"]
TICKET_VALUES = itemgetter(*TICKET_FIELDS)    # a merged ticket dict -> its row tuple
TICKET_KEY = ("office", "day", "number")
QUARANTINE_COLUMNS = ["event_id", "office", "seq", "day", "kind", "payload", "created_at",
                      "received_at", "reason"]
EVENT_COLUMNS = ["id", "office", "seq", "day", "kind", "payload", "created_at", "received_at"]
# Payloads are stored as compact, key-sorted JSON; one encoder, not one per event.
PAYLOAD_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=str)


def apply_batch(office, events, backlog=None):
    """Apply `events` (sync.schema.Event, seq order) pushed by `office`; the push answer."""
    accepted, rejected = _validate(events)
    rows = _event_rows(office, accepted)
    with write_transaction(db):
        _lock_office(office)
        new_ids = _store_events(rows)
        _quarantine(office, rejected)
        fresh = [pair for pair, row in zip(accepted, rows) if row[0] in new_ids]
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
    """The batch's events as (event, payload) accepted and (event, reason) rejected.

    Events of one kind are validated in one pydantic call: a call per event
    costs more than the validation itself. Both lists keep the batch's order.
    """
    unique = _first_of_each(events)
    results = [None] * len(unique)
    for indexes in _indexes_by_kind(unique):
        checked = _validate_kind([unique[i] for i in indexes])
        for i, result in zip(indexes, checked):
            results[i] = result
    accepted = [(e, r) for e, r in zip(unique, results) if not isinstance(r, str)]
    rejected = [(e, r) for e, r in zip(unique, results) if isinstance(r, str)]
    return accepted, rejected


def _first_of_each(events):
    """The events in order, each id once: the same event twice in one batch is one event."""
    seen, unique = set(), []
    for event in events:
        if event.id not in seen:
            seen.add(event.id)
            unique.append(event)
    return unique


def _indexes_by_kind(events):
    """Positions of the events, grouped by (kind, schema version)."""
    groups = defaultdict(list)
    for i, event in enumerate(events):
        groups[(event.kind, event.schema_version)].append(i)
    return groups.values()


def _validate_kind(events):
    """Payloads (or reasons) for events of one kind and version. A group with an
    invalid event is redone one by one, so only the invalid ones are refused."""
    try:
        return validate_payloads(events)
    except ValueError:      # pydantic's ValidationError included
        return [_validate_one(event) for event in events]


def _validate_one(event):
    try:
        return validate_payload(event)
    except ValidationError as exc:
        return _reason(exc)
    except ValueError as exc:
        return str(exc)


def _reason(exc):
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'payload'}: {err['msg']}"
             for err in exc.errors()]
    return "invalid payload: " + "; ".join(parts)


def _row(office, event, now):
    created = event.created_at
    if created.tzinfo is not None:
        created = naive_utc(created)
    return (str(event.id), office, event.seq, event.day.isoformat(), event.kind,
            PAYLOAD_JSON.encode(event.payload), _timestamp(created), now)


def _timestamp(value):
    """A naive UTC datetime as the text sqlite3's adapter would store. Dates and times go
    in as text because that adapter is a Python call per value; PostgreSQL casts the
    text to the column's type the same way."""
    return value.isoformat(" ")


def _event_rows(office, accepted):
    """The received_event rows of the accepted events (built before the transaction)."""
    now = _timestamp(utcnow())
    return [_row(office, event, now) for event, _ in accepted]


def _store_events(rows):
    """Insert the event rows; the ids actually inserted (a re-sent event is already there).

    Nearly always every event is new, which the row count proves without
    RETURNING a row per event. Otherwise the insert is undone and redone with
    RETURNING, which names the new ones (it skips the duplicates).
    """
    with db.savepoint() as attempt:
        if insert_count(db, "received_event", EVENT_COLUMNS, rows) == len(rows):
            return {row[0] for row in rows}
        attempt.rollback()
    return {row[0] for row in insert_rows(db, "received_event", EVENT_COLUMNS, rows,
                                          returning="id")}


def _quarantine(office, rejected):
    now = _timestamp(utcnow())
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
                [TICKET_VALUES(r) for r in rows.values()],
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
    query = (OfficeSync.insert(office=office, cursor=top, events=applied, last_push_at=now,
                               last_seen_at=now, backlog=backlog)
             .on_conflict(conflict_target=[OfficeSync.office],
                          update={OfficeSync.cursor: Case(None, [(OfficeSync.cursor
                                                                  < EXCLUDED.cursor,
                                                                  EXCLUDED.cursor)],
                                                          OfficeSync.cursor),
                                  OfficeSync.events: OfficeSync.events + EXCLUDED.events,
                                  OfficeSync.backlog: EXCLUDED.backlog,
                                  OfficeSync.last_push_at: now, OfficeSync.last_seen_at: now})
             .returning(OfficeSync.cursor).tuples())   # the cursor as it now stands
    return query.execute()[0][0]


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
    query = (ReceivedEvent.select(ReceivedEvent.id, ReceivedEvent.day, ReceivedEvent.kind,
                                  ReceivedEvent.payload)
             .where(ReceivedEvent.office == office, ReceivedEvent.day.between(first, last)))
    # The driver's rows as they are: peewee's per-field conversion would cost more
    # than the digest of a month of events.
    for event_id, day, kind, payload in db.execute(query):
        builders[iso_day(day)].add(event_id, kind, payload)
    return {day: builder.result() for day, builder in sorted(builders.items())}
