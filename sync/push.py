"""Push: the branch's pending outbox events to central, in sequence order, in batches.

The outbox is streamed (never loaded whole) and each batch travels as one
gzip-compressed JSON body built from the stored payload text as is. Four
batches are on the wire at once (central writes one while it reads the next,
and the others wait at central, so neither side waits for the other; on
PostgreSQL each batch also waits for its server process, and a fourth cut its
push by 9-11 % in alternated runs, bench/RESULTS.md 2026-12-03); a batch
that comes back is replaced before it is marked sent. An event is
marked sent only after central's 2xx answer, in a transaction of its own:
killed at any instant, the job re-sends at most the batches in flight, and
central ignores the event ids it already has.
"""
import gzip
import json
from collections import deque, namedtuple
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from branch.models import Outbox, utcnow
from sync import SCHEMA_VERSION
from sync.database import write_transaction

from .client import CentralError

BATCH_EVENTS = 1000
BATCH_BYTES = 900_000      # under central's 1 MB body limit, before compression
IN_FLIGHT = 4              # batches on the wire at once (see above)
Row = namedtuple("Row", "seq uuid day body")

# Walk the primary key (`+state` keeps SQLite off the state index), so each
# batch costs the same whether 1,000 or 1,000,000 events wait. SQLite writes
# each event's JSON as it reads the row (the payload is JSON text already):
# several times faster than formatting it here, one event at a time. A
# payload that is not JSON travels as a string, for central to refuse.
NEXT_ROWS = ("SELECT seq, uuid, day, json_object('id', uuid, 'seq', seq, 'office', office, "
             "'day', day, 'kind', kind, 'schema_version', ?, 'payload', "
             "CASE WHEN json_valid(payload) THEN json(payload) ELSE payload END, "
             "'created_at', replace(created_at, ' ', 'T')) FROM outbox "
             "WHERE seq > ? AND +state = 'pending' ORDER BY seq LIMIT ?")
MARK_SENT = ("UPDATE outbox SET state = 'sent', sent_at = ? "
             "WHERE seq BETWEEN ? AND ? AND state = 'pending'")
MARK_QUARANTINED = "UPDATE outbox SET state = 'quarantined', error = ? WHERE uuid = ?"


@dataclass
class PushReport:
    sent: int = 0
    duplicates: int = 0
    quarantined: list = field(default_factory=list)     # (uuid, reason)
    days: set = field(default_factory=set)


def pending_count(db):
    """How many events wait to be pushed (the banner's backlog)."""
    return Outbox.select().where(Outbox.state == "pending").count()


def push_outbox(db, client, retrying, office, batch_events=BATCH_EVENTS, progress=None,
                depth=IN_FLIGHT, waiting=None):
    """Push every pending event (`waiting` of them, if the caller has counted them); a
    PushReport. Raises on a refusal that retrying cannot fix."""
    report = PushReport()
    waiting = pending_count(db) if waiting is None else waiting
    first = Outbox.select(Outbox.seq).where(Outbox.state == "pending").order_by(Outbox.seq)
    first = first.scalar()
    if first is None:
        return report
    in_flight, after = deque(), first - 1
    with ThreadPoolExecutor(max_workers=depth) as network:

        def top_up():
            nonlocal after, waiting
            while len(in_flight) < depth and (batch := _read_batch(db, after, batch_events)):
                after, waiting = batch[-1].seq, waiting - len(batch)
                in_flight.append((batch, network.submit(_send, client, office, batch, waiting)))

        top_up()
        while in_flight:
            batch, sending = in_flight.popleft()
            answers = sending.result()
            top_up()    # the next batch goes out before this one is marked: central never waits
            retrying(_mark, db, answers, report)
            if progress:
                progress(len(batch))
    return report


def _read_batch(db, after, limit):
    """The next pending events after seq `after`: at most `limit`, and BATCH_BYTES of JSON."""
    rows, size = [], 0
    for seq, uuid, day, event in db.execute_sql(NEXT_ROWS, (SCHEMA_VERSION, after, limit)):
        body = event.encode()
        if rows and size + len(body) > BATCH_BYTES:
            break
        rows.append(Row(seq, uuid, str(day), body))
        size += len(body) + 1
    return rows


def _send(client, office, rows, backlog):
    """Central's answers for `rows`: halves are sent on 413/422 until each part passes."""
    body = b'{"office":%s,"backlog":%d,"events":[%s]}' % (
        json.dumps(office).encode(), max(backlog, 0), b",".join(row.body for row in rows))
    try:
        return [(rows, client.push(gzip.compress(body, compresslevel=1)))]
    except CentralError as exc:
        if exc.status not in (413, 422):
            raise
        if len(rows) > 1:
            half = len(rows) // 2
            return (_send(client, office, rows[:half], backlog + len(rows) - half)
                    + _send(client, office, rows[half:], backlog))
        # One event central cannot even read: quarantine it here with central's reason.
        return [(rows, {"quarantined": [{"id": rows[0].uuid, "reason": exc.message}]})]


def _mark(db, results, report):
    """Mark a batch sent (or quarantined with central's reason) in one transaction.

    A batch is every pending event between its first and last seq (it was read
    that way, and only this job re-opens events), so one range update marks it.
    """
    now = utcnow()
    with write_transaction(db):
        for rows, answer in results:
            db.execute_sql(MARK_SENT, (now, rows[0].seq, rows[-1].seq))
            for q in answer.get("quarantined", []):
                db.execute_sql(MARK_QUARANTINED, (f"central: {q['reason']}", q["id"]))
    for rows, answer in results:
        refused = {q["id"]: q["reason"] for q in answer.get("quarantined", [])}
        report.sent += len(rows) - len(refused)
        report.duplicates += answer.get("duplicates", 0)
        report.quarantined += list(refused.items())
        report.days.update(row.day for row in rows)
