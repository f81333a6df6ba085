"""Key received events by (office, day, id) instead of id alone (see ReceivedEvent).

The old (office, day) index is the new key's prefix, so it goes. PostgreSQL
swaps the constraint in place. SQLite cannot change a table's primary key,
so the table is rebuilt: created anew, filled by one INSERT ... SELECT
(inside SQLite, in the order received: that order is already by day, and it
needs no sort, which on a big central would fill memory, where central keeps
SQLite's temporary data), swapped in.
"""
from peewee import (BigIntegerField, BinaryUUIDField, CharField, CompositeKey, DateField,
                    DateTimeField, Model, TextField)

from sync.database import is_postgres

COLUMNS = "id, office, seq, day, kind, payload, created_at, received_at"


class ReceivedEventV3(Model):
    """received_event as this script leaves it (frozen here: the model may move on)."""
    id = BinaryUUIDField()
    office = CharField(max_length=8)
    seq = BigIntegerField()
    day = DateField()
    kind = CharField(max_length=24)
    payload = TextField()
    created_at = DateTimeField()
    received_at = DateTimeField()

    class Meta:
        table_name = "received_event"
        primary_key = CompositeKey("office", "day", "id")


def up(db, migrator):
    if is_postgres(db):
        db.execute_sql("ALTER TABLE received_event DROP CONSTRAINT received_event_pkey")
        db.execute_sql("ALTER TABLE received_event ADD PRIMARY KEY (office, day, id)")
        db.execute_sql("DROP INDEX received_event_office_day")
        return
    db.execute_sql("ALTER TABLE received_event RENAME TO received_event_v2")
    db.execute_sql("DROP INDEX received_event_office_day")
    with ReceivedEventV3.bind_ctx(db):
        db.create_tables([ReceivedEventV3])
    db.execute_sql(f"INSERT INTO received_event ({COLUMNS}) SELECT {COLUMNS} "
                   "FROM received_event_v2")
    db.execute_sql("DROP TABLE received_event_v2")
