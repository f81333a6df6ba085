"""Hand-written bulk inserts: the same rows and answers on SQLite and on PostgreSQL,
where batches of COPY_FROM_ROWS rows or more travel by COPY."""
from datetime import date

from central.bulk import COPY_FROM_ROWS, insert_all, insert_count, insert_rows, upsert_clause
from central.db import db
from central.merged import MergedTicket

COLUMNS = ["event_id", "office", "seq", "day", "kind", "payload", "created_at", "received_at",
           "reason"]
# Text COPY must carry as it is: tabs, newlines, backslashes, a literal \N, non-ASCII.
AWKWARD = 'tab\there, line\nbreak, back\\slash, \\N, carriage\rreturn, "Pandeglang" — ✓'


def quarantined(n, first=0):
    return [(f"00000000-0000-4000-8000-{i:012d}", "SRG", i + 1, "2026-11-23", "ticket_called",
             f'{{"ticket":"A{i:03d}","note":"{i}"}}', "2026-11-23 01:00:00",
             "2026-11-23 02:00:00", f"{AWKWARD} #{i}") for i in range(first, first + n)]


def test_many_rows_go_in_exactly_and_a_repeat_adds_only_the_new(app):
    many = COPY_FROM_ROWS + 10
    with db.connection_context(), db.atomic():
        assert insert_count(db, "quarantined_event", COLUMNS, quarantined(many)) == many
        again = quarantined(many + 5)        # the same rows again, and five new ones
        assert insert_count(db, "quarantined_event", COLUMNS, again) == 5
        returned = insert_rows(db, "quarantined_event", COLUMNS, quarantined(many + 7),
                               returning="event_id")
        stored = db.execute_sql("SELECT event_id, reason, payload FROM quarantined_event "
                                "ORDER BY seq").fetchall()
    assert sorted(r[0] for r in returned) == [row[0] for row in quarantined(2, many + 5)]
    assert [(r[0], r[8], r[5]) for r in quarantined(many + 7)] == [tuple(s) for s in stored]


def test_many_rows_upsert_nulls_and_booleans(app):
    fields = [f for f in MergedTicket._meta.sorted_field_names if f != "id"]

    def ticket(n, status, verified):
        row = {"office": "SRG", "day": date(2026, 11, 23).isoformat(), "number": f"A{n:03d}",
               "lane": "general", "nik": None, "regency": None, "reason": None,
               "beyond_quota": n % 2 == 0, "override_staff": None, "booking_code": None,
               "booking_verified": verified, "status": status, "counter": None,
               "outcome": None, "recalls": 0, "last_seq": n, "lane_seq": 1}
        return tuple(row[f] for f in fields)

    many = COPY_FROM_ROWS + 1
    upsert = upsert_clause(("office", "day", "number"), fields)
    with db.connection_context(), db.atomic():
        insert_rows(db, "merged_ticket", fields, [ticket(n, "waiting", None)
                                                  for n in range(many)], conflict=upsert)
        insert_rows(db, "merged_ticket", fields, [ticket(n, "done", True)
                                                  for n in range(many)], conflict=upsert)
        rows = list(MergedTicket.select().order_by(MergedTicket.number))
    assert len(rows) == many
    assert {(t.status, t.booking_verified, t.nik) for t in rows} == {("done", True, None)}
    assert [t.beyond_quota for t in rows] == [n % 2 == 0 for n in range(many)]


def test_insert_all_puts_in_every_row_or_none(app):
    many = COPY_FROM_ROWS + 10
    with db.connection_context(), db.atomic():
        assert insert_all(db, "quarantined_event", COLUMNS, quarantined(many)) is True
        # One row already there: nothing of this second lot goes in, and the
        # transaction is still usable afterwards.
        lot = quarantined(COPY_FROM_ROWS, many)
        assert insert_all(db, "quarantined_event", COLUMNS, lot + quarantined(1)) is False
        assert insert_all(db, "quarantined_event", COLUMNS, lot) is True
        count = db.execute_sql("SELECT count(*) FROM quarantined_event").fetchone()[0]
    assert count == many + COPY_FROM_ROWS
