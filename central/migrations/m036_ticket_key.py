"""Key merged tickets by (office, day, number), which already identifies them, instead of
a serial id nothing reads.

On PostgreSQL the id was an index and a sequence call for every new ticket, on
the path every push takes: COPYing a batch's 333 new tickets cost the server
1.80 ms with it and 1.40 ms without (bench/RESULTS.md, 2026-12-03). The unique
index on (office, day, number) becomes the primary key in place (no rebuild).
SQLite is left as it is: there `id INTEGER PRIMARY KEY` is the row's rowid,
which every table has anyway, so it costs nothing, and a rebuild of a large
table would gain nothing.
"""
from sync.database import is_postgres


def up(db, migrator):
    if not is_postgres(db):
        return
    db.execute_sql("ALTER TABLE merged_ticket DROP COLUMN id")     # its key and sequence too
    db.execute_sql("ALTER TABLE merged_ticket ADD CONSTRAINT merged_ticket_pkey "
                   "PRIMARY KEY USING INDEX merged_ticket_office_day_number")
