"""Sync: central's merged view of branch events (received events, tickets,
passports by regency, refusals, conflicts, quarantine, per-office cursor).

office_sync is frozen here as it was first created; m003 adds its backlog.
"""
from peewee import BigIntegerField, CharField, DateTimeField, Model

from central.merged import MODELS, OfficeSync


class OfficeSyncV1(Model):
    office = CharField(max_length=8, unique=True)
    cursor = BigIntegerField(default=0)
    events = BigIntegerField(default=0)
    last_push_at = DateTimeField(null=True)
    last_seen_at = DateTimeField(null=True)

    class Meta:
        table_name = "office_sync"


def up(db, migrator):
    db.create_tables([m for m in MODELS if m is not OfficeSync])
    with OfficeSyncV1.bind_ctx(db):
        db.create_tables([OfficeSyncV1])
