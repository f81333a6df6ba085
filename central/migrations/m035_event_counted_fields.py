"""Received events keep the payload fields their day's digest counts (lane, outcome,
regency: sync.digest.COUNTED_FIELDS) in columns of their own, filled from the payloads
held: reconcile's digests parsed each counted payload's JSON, which cost PostgreSQL
~0.4 s per 100,000 events."""
from peewee import CharField
from playhouse.migrate import migrate

from sync.database import json_text

# Frozen here as this script adds them (the model may move on).
COLUMNS = {"lane": CharField(max_length=10, null=True),
           "outcome": CharField(max_length=24, null=True),
           "regency": CharField(max_length=4, null=True)}


def up(db, migrator):
    migrate(*(migrator.add_column("received_event", name, field)
              for name, field in COLUMNS.items()))
    db.execute_sql("UPDATE received_event SET " + ", ".join(
        f"{name} = {json_text(db, 'payload', name)}" for name in COLUMNS))
