"""An event id is held once per office, whatever day it claims: a unique index on
received_event (office, id).

Before it, an event re-pushed with another day was stored (and counted) a second
time. Any such copies are undone first: the copy received first stays, every
later one moves to the quarantine with the reason, the passports it added are
taken off, and the tickets it touched are folded again from the events left.
"""
import json

from central.merged import event_id_text
from central.folding import refold_tickets
from sync.database import iso_day

COPIES = ("SELECT office, id FROM received_event GROUP BY office, id HAVING count(*) > 1")
COLUMNS = "seq, day, kind, payload, created_at, received_at"


def up(db, migrator):
    for office, event_id in db.execute_sql(COPIES).fetchall():
        copies = db.execute_sql(f"SELECT {COLUMNS} FROM received_event WHERE office = "
                                f"{db.param} AND id = {db.param} ORDER BY received_at, day",
                                (office, event_id)).fetchall()
        for copy in copies[1:]:
            _undo_copy(db, office, event_id, copy, first_day=iso_day(copies[0][1]))
    db.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS received_event_office_id "
                   "ON received_event (office, id)")


def _undo_copy(db, office, event_id, copy, first_day):
    seq, day, kind, payload, created_at, received_at = copy
    day, fields, p = iso_day(day), json.loads(payload), db.param
    db.execute_sql("INSERT INTO quarantined_event (event_id, office, seq, day, kind, payload, "
                   f"created_at, received_at, reason) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, "
                   f"{p}, {p}, {p}) ON CONFLICT DO NOTHING",
                   (event_id_text(event_id), office, seq, day, kind, payload, created_at,
                    received_at, f"conflict: a copy of the event of {first_day}, "
                                 f"received again for {day}"))
    db.execute_sql(f"DELETE FROM received_event WHERE office = {p} AND day = {p} AND id = {p}",
                   (office, day, event_id))
    if kind == "ticket_finished" and fields.get("outcome") == "passport_issued":
        db.execute_sql(f"UPDATE passport_tally SET count = count - 1 WHERE office = {p} "
                       f"AND day = {p} AND regency = {p}", (office, day, fields["regency"]))
    if "ticket" in fields:
        refold_tickets(office, [(day, fields["ticket"])])
