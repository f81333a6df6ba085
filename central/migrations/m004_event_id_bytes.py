"""Store received events' ids as 16 bytes instead of 36 characters (see EventIdField).

PostgreSQL converts the column in place. SQLite cannot change a column's
type, so the table is rebuilt: created anew, filled in chunks, swapped in.
"""
from peewee import (BigIntegerField, BinaryUUIDField, CharField, DateField, DateTimeField,
                    Model, TextField)

from central.merged import event_id_bytes
from sync.database import is_postgres

CHUNK = 10_000
COLUMNS = "id, office, seq, day, kind, payload, created_at, received_at"


class ReceivedEventV2(Model):
    """received_event as this script leaves it (frozen here: the model may move on)."""
    id = BinaryUUIDField(primary_key=True)      # BLOB on SQLite, bytea on PostgreSQL
    office = CharField(max_length=8)
    seq = BigIntegerField()
    day = DateField()
    kind = CharField(max_length=24)
    payload = TextField()
    created_at = DateTimeField()
    received_at = DateTimeField()

    class Meta:
        table_name = "received_event"
        legacy_table_names = False      # index names from table_name, as the live models
        indexes = ((("office", "day"), False),)


def up(db, migrator):
    if is_postgres(db):
        db.execute_sql("ALTER TABLE received_event ALTER COLUMN id TYPE bytea "
                       "USING decode(replace(id, '-', ''), 'hex')")
        return
    db.execute_sql("ALTER TABLE received_event RENAME TO received_event_text")
    db.execute_sql("DROP INDEX IF EXISTS received_event_office_day")
    with ReceivedEventV2.bind_ctx(db):
        db.create_tables([ReceivedEventV2])
    holders = ", ".join("?" * 8)
    after = 0
    while rows := db.execute_sql(f"SELECT rowid, {COLUMNS} FROM received_event_text "
                                 "WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                 (after, CHUNK)).fetchall():
        db.cursor().executemany(
            f"INSERT INTO received_event ({COLUMNS}) VALUES ({holders})",
            [(event_id_bytes(row[1]), *row[2:]) for row in rows])
        after = rows[-1][0]
    db.execute_sql("DROP TABLE received_event_text")
