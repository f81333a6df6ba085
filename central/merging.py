"""Applying a pushed batch to central's merged view, set-based and idempotent.

A batch (read and checked by central.intake) is one transaction: store the
events whose ids are new (the unique keys drop the rest, so a retried batch
changes nothing; a re-send that disagrees with the event held is a conflict),
quarantine the refused ones, fold the new ones into tickets (central.folding),
passports by regency and refusals with a handful of bulk
statements, then apply the rules that touch bookings and record conflicts.
Statements per batch, never per event: a branch back from a week offline
pushes tens of thousands of events. Events are the plain dicts intake makes.
"""
import json
from collections import Counter, defaultdict
from typing import NamedTuple

from peewee import EXCLUDED, DataError, IntegrityError
from pydantic_core import to_json

from sync.database import is_postgres, iso_day, write_transaction
from sync.digest import COUNTED_FIELDS, NO_EVENTS, PASSPORT_ISSUED, stored_digests

from . import conflicts
from .bulk import (UNIQUE_VIOLATION, copies, copy_rows, insert_all, insert_rows, select_rows,
                   upsert_clause)
from .db import db
from .folding import TICKET_FIELDS, TICKET_VALUES, folded, new_ticket
from .intake import printable_reason
from .merged import OfficeSync, event_id_bytes, event_id_text
from .models import naive_utc, utcnow

MERGE_LOCK = 7_431_002       # pg advisory lock class: merging an office's batch
TICKET_KEY = ("office", "day", "number")
TALLY_COLUMNS = ["office", "day", "regency", "count"]
ADD_TO_TALLY = ("ON CONFLICT (office, day, regency) "
                "DO UPDATE SET count = passport_tally.count + excluded.count")
MONTH_COLUMNS = ["office", "month", "regency", "count"]
ADD_TO_MONTH = ("ON CONFLICT (office, month, regency) "
                "DO UPDATE SET count = passport_month.count + excluded.count")
REFUSAL_COLUMNS = ["event_id", "office", "day", "nik", "suspension_ends_on"]
QUARANTINE_COLUMNS = ["event_id", "office", "seq", "day", "kind", "payload", "created_at",
                      "received_at", "reason"]
CURSOR_COLUMNS = ["office", "cursor", "events", "backlog", "last_push_at", "last_seen_at"]
ADVANCE_CURSOR = ('ON CONFLICT (office) DO UPDATE SET "cursor" = CASE WHEN '
                  'office_sync."cursor" < excluded."cursor" THEN excluded."cursor" '
                  'ELSE office_sync."cursor" END, events = office_sync.events + excluded.events, '
                  "backlog = excluded.backlog, last_push_at = excluded.last_push_at, "
                  "last_seen_at = excluded.last_seen_at")
EVENT_COLUMNS = ["id", "office", "seq", "day", "kind", "payload", "created_at", "received_at",
                 *COUNTED_FIELDS]
# A refused event's payload, kept as it came, compact and key-sorted like the others.
PAYLOAD_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False,
                                default=str)


def apply_batch(office, batch):
    """Apply a central.intake.Batch pushed by `office`; the push answer.

    The schema's bounds keep out what a database cannot hold, but should one
    event's content still make the database refuse the batch, that event is
    found by halving the batch (each half its own transaction: merging does not
    depend on order) and quarantined alone with the database's reason; the rest
    lands. Never a 5xx for content, which the job would retry for ever.
    """
    try:
        return _apply_batch(office, batch)
    except Exception as exc:        # noqa: B902  (sorted out on the next line)
        if not refuses_content(exc):
            raise
        refusal = exc
    if len(batch.accepted) <= 1:
        reason = printable_reason(f"central cannot store this event: {refusal}")
        return _apply_batch(office, batch._replace(
            accepted=[], rejected=batch.rejected + [(e, reason) for e, _ in batch.accepted]))
    half = len(batch.accepted) // 2
    first = apply_batch(office, batch._replace(accepted=batch.accepted[:half]))
    second = apply_batch(office, batch._replace(accepted=batch.accepted[half:], rejected=[]))
    return {"applied": first["applied"] + second["applied"],
            "duplicates": first["duplicates"] + second["duplicates"],
            "quarantined": first["quarantined"] + second["quarantined"],
            "cursor": max(first["cursor"], second["cursor"])}


def refuses_content(exc):
    """Whether `exc` is a database refusing a value it was given (a data or integrity
    error; SQLite's too-large integer; psycopg2's NUL in a string), as opposed to the
    database's own trouble (locked, gone), which stays an error to retry."""
    if isinstance(exc, (DataError, IntegrityError, OverflowError)):
        return True
    if isinstance(exc, ValueError) and "NUL" in str(exc):
        return True
    return (getattr(exc, "pgcode", None) or "")[:2] in ("22", "23")   # raw psycopg2 (COPY)


def _apply_batch(office, batch):
    """apply_batch's one transaction. Everything that needs only the batch (rows, the
    folded tickets, tallies) is worked out before it: other batches wait for it.

    On PostgreSQL the new rows are COPied in without a savepoint around each COPY (two
    round trips apiece, which on a busy server cost more than the COPY): a row
    already there (a re-sent event) then aborts the transaction, which is done again
    the careful way, each COPY in a savepoint that can be undone alone.
    """
    try:
        return _transaction(office, batch, careful=False)
    except Exception as exc:        # psycopg2's own (from the COPY), not peewee's
        if getattr(exc, "pgcode", None) != UNIQUE_VIOLATION:
            raise
    return _transaction(office, batch, careful=True)


def _transaction(office, batch, careful):
    rows = _event_rows(office, batch.accepted)
    plan = _plan(office, batch.accepted)
    with write_transaction(db):
        new_ids = _store_events(rows, [event["id"] for event, _ in batch.accepted], careful)
        refused = batch.rejected
        if len(new_ids) < len(rows):     # some were here already: only the new ones count
            refused = refused + _disagreeing(office, batch.accepted, rows, new_ids)
            plan = _plan(office, [pair for pair in batch.accepted if pair[0]["id"] in new_ids])
        _quarantine(office, refused)
        _lock_office(office)
        _apply(office, plan, careful)
        cursor = _advance_cursor(office, batch.top_seq, len(plan.fresh), batch.backlog)
    return {"applied": len(plan.fresh),
            "duplicates": len(rows) - len(new_ids) - (len(refused) - len(batch.rejected)),
            "quarantined": [{"id": e["id"], "reason": reason} for e, reason in refused],
            "cursor": cursor}


def _insert_new(table, columns, rows, careful):
    """Insert rows that should all be new; whether they all went in. Careless (PostgreSQL,
    many rows): straight COPY, and a row already there aborts the transaction."""
    if careful or not copies(db, rows):
        return insert_all(db, table, columns, rows)
    copy_rows(db, table, columns, rows)
    return True


def _lock_office(office):
    """One batch of an office at a time from here to the commit (SQLite's IMMEDIATE already
    is): merging reads the office's tickets, then writes them, and must not interleave
    with another batch. Storing the events comes before it, so the next batch stores
    its 1,000 events while this one folds: the unique keys keep an event once (a
    batch holding one another has not committed yet waits for that commit, and a
    branch's batches hold their events in seq order, so two never wait on each other)."""
    if is_postgres(db):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (MERGE_LOCK, office))


def _row(office, event, now, payload):
    """An event as a received_event row (its id as 16 bytes), with the fields its digest
    counts, as the branch sent them."""
    created, sent = event["created_at"], event["payload"]
    if created.tzinfo is not None:
        created = naive_utc(created)
    return (event_id_bytes(event["id"]), office, event["seq"], event["day"].isoformat(),
            event["kind"], payload, _timestamp(created), now,
            sent.get("lane"), sent.get("outcome"), sent.get("regency"))


def _timestamp(value):
    """A naive UTC datetime as the text sqlite3's adapter would store. Dates and times go
    in as text because that adapter is a Python call per value; PostgreSQL casts the
    text to the column's type the same way."""
    return value.isoformat(" ")


def _event_rows(office, accepted):
    """The received_event rows of the accepted events (built before the transaction).
    The payload stored is the one the branch sent, checked: plain values, keys sorted,
    so pydantic's encoder writes the compact, key-sorted JSON."""
    now = _timestamp(utcnow())
    return [_row(office, event, now, to_json(event["payload"]).decode())
            for event, _ in accepted]


def _store_events(rows, ids, careful):
    """Insert the event rows (`ids`: their ids as text); the ids actually inserted (a
    re-sent event is already there).

    Nearly always every event is new: one insert of them all, with no
    RETURNING a row per event. Otherwise that insert is undone and redone with
    RETURNING, which names the new ones (it skips the duplicates).
    """
    if _insert_new("received_event", EVENT_COLUMNS, rows, careful):
        return set(ids)
    return {event_id_text(row[0]) for row in insert_rows(db, "received_event", EVENT_COLUMNS,
                                                         rows, returning="id")}


def _disagreeing(office, accepted, rows, new_ids):
    """The events central had already that differ from the one it holds under their id
    (another day, seq, kind or payload), each with the reason: a conflict, refused.
    A faithful re-send is only a duplicate. `rows` are the accepted events' rows."""
    repeats = {event["id"]: (event, row) for (event, _), row in zip(accepted, rows)
               if event["id"] not in new_ids}
    held = select_rows(db, "SELECT id, day, seq, kind, payload FROM received_event "
                           "WHERE office = {} AND id IN {}",
                       office, [row[0] for _, row in repeats.values()])
    found = []
    for stored_id, day, seq, kind, payload in held:
        event, row = repeats[event_id_text(stored_id)]
        differ = [name for name, ours, theirs in
                  (("day", iso_day(day), row[3]), ("seq", seq, row[2]), ("kind", kind, row[4]),
                   ("payload", json.loads(payload), json.loads(row[5])))
                  if ours != theirs]
        if differ:
            found.append((event, f"conflict: central holds event {event['id']} with another "
                                 f"{', '.join(differ)} (day {iso_day(day)}, seq {seq}, "
                                 f"kind {kind})"))
    return found


def _quarantine(office, rejected):
    """Keep the refused events with their reasons. An event refused for its envelope
    has None for each field that broke the rules, and its whole self as the payload."""
    now = _timestamp(utcnow())
    insert_rows(db, "quarantined_event", QUARANTINE_COLUMNS,
                [_refused_row(office, event, now) + (reason,) for event, reason in rejected])


def _refused_row(office, event, now):
    created, day = event["created_at"], event["day"]
    if created is not None and created.tzinfo is not None:
        created = naive_utc(created)
    return (event["id"], office, event["seq"], day and day.isoformat(), event["kind"],
            PAYLOAD_JSON.encode(event["payload"]), created and _timestamp(created), now)


class Plan(NamedTuple):
    """What a batch's new events do, worked out from the batch alone."""
    fresh: list         # (event, payload) of the events new to central
    tickets: dict       # (iso day, number) -> (ticket folded from these events alone, events)
    passports: list     # passport_tally rows to add
    refusals: list      # merged_refusal rows


def _plan(office, fresh):
    tickets = defaultdict(list)
    passports, refusals = Counter(), []
    for event, payload in fresh:
        kind = event["kind"]
        if "ticket" in payload:
            tickets[(event["day"].isoformat(), payload["ticket"])].append((event, payload))
        if kind == "ticket_finished" and payload["outcome"] == PASSPORT_ISSUED:
            passports[(event["day"].isoformat(), payload["regency"])] += 1
        elif kind == "suspended_refused":
            refusals.append((event["id"], office, event["day"].isoformat(), payload["nik"],
                             payload["suspension_ends_on"].isoformat()))
    alone = {key: (folded(new_ticket(office, *key), events), events)
              for key, events in tickets.items()}
    return Plan(fresh, alone, [(office, day, regency, n) for (day, regency), n
                                in passports.items()], refusals)


def _apply(office, plan, careful):
    if not plan.fresh:
        return
    tickets = _merge_tickets(office, plan.tickets, careful)
    insert_rows(db, "passport_tally", TALLY_COLUMNS, plan.passports, conflict=ADD_TO_TALLY)
    insert_rows(db, "passport_month", MONTH_COLUMNS, _by_month(plan.passports),
                conflict=ADD_TO_MONTH)
    insert_rows(db, "merged_refusal", REFUSAL_COLUMNS, plan.refusals)
    conflicts.apply_rules(office, plan.fresh, tickets)


def _by_month(tallies):
    """passport_tally rows (office, ISO day, regency, n) summed into passport_month rows."""
    months = Counter()
    for office, day, regency, n in tallies:
        months[(office, day[:8] + "01", regency)] += n
    return [(*key, n) for key, n in months.items()]


def _merge_tickets(office, planned, careful):
    """Fold the batch's ticket events into the merged tickets; the touched rows by key.
    A ticket central has not seen is the one planned; one it has gets the events again."""
    if not planned:
        return {}
    rows = _load_tickets(office, planned)
    held = set(rows)
    for key, (new, events) in planned.items():
        rows[key] = folded(rows[key], events) if key in rows else new
    changed = [TICKET_VALUES(r) for key, r in rows.items() if key in held]
    # The new ones go straight in (COPY on PostgreSQL): none can be there, since the
    # office's batches are merged one at a time. Should one be, all are upserted.
    if not _insert_new("merged_ticket", TICKET_FIELDS,
                       [TICKET_VALUES(r) for key, r in rows.items() if key not in held], careful):
        changed = [TICKET_VALUES(r) for r in rows.values()]
    insert_rows(db, "merged_ticket", TICKET_FIELDS, changed,
                conflict=upsert_clause(TICKET_KEY, TICKET_FIELDS))
    return rows


def _load_tickets(office, keys):
    """The merged tickets for `keys` ((iso day, number)), by key.

    The range of days is there for PostgreSQL's planner: without statistics (a young
    table, or one that grew since autovacuum last looked) it reads `day IN` as a
    filter and walks every ticket of the office, a cost that grows with its history
    (2-6 ms a batch at 33,000 tickets); with the range it reads the batch's days.
    """
    days = {day for day, _ in keys}
    found = select_rows(db, f"SELECT {', '.join(TICKET_FIELDS)} FROM merged_ticket "
                            "WHERE office = {} AND day BETWEEN {} AND {} AND day IN {} "
                            "AND number IN {}",
                        office, min(days), max(days), days, {number for _, number in keys})
    rows = (dict(zip(TICKET_FIELDS, values), day=iso_day(values[1])) for values in found)
    return {(r["day"], r["number"]): r for r in rows if (r["day"], r["number"]) in keys}


def _advance_cursor(office, top, applied, backlog):
    """Raise the office's cursor to the batch's highest seq; it never goes back."""
    now = _timestamp(utcnow())
    return insert_rows(db, "office_sync", CURSOR_COLUMNS,
                       [(office, top, applied, backlog, now, now)],
                       conflict=ADVANCE_CURSOR, returning='"cursor"')[0][0]


def touch(office):
    """Note that `office` was heard from (its sync health on the admin pages)."""
    (OfficeSync.insert(office=office, last_seen_at=utcnow())
     .on_conflict(conflict_target=[OfficeSync.office],
                  update={OfficeSync.last_seen_at: EXCLUDED.last_seen_at})
     .execute())


def day_digest(office, day):
    """Central's digest of an office-day, from the events it holds (see sync.digest)."""
    return days_digests(office, day, day).get(day.isoformat(), NO_EVENTS)


def days_digests(office, first, last):
    """Digests of each day from `first` to `last` that has events; by ISO day.

    PostgreSQL sends the ids as hex text: psycopg2 turns each bytea into a
    memoryview, which made fetching 100,000 ids take 0.13 s against 0.03 s as text.
    """
    return stored_digests(db, "received_event",
                          "encode(id, 'hex')" if is_postgres(db) else "id",
                          f"office = {db.param} AND day BETWEEN {db.param} AND {db.param}",
                          (office, first.isoformat(), last.isoformat()), event_id_text,
                          counted=", ".join(COUNTED_FIELDS))
