"""Sync: central's merged view of branch events (received events, tickets,
passports by regency, refusals, conflicts, quarantine, per-office cursor).

office_sync and received_event are frozen here as they were first created;
m003 adds office_sync's backlog, m004 stores event ids as 16 bytes, m005
keys received events by office, day and id.
"""
from peewee import BigIntegerField, CharField, DateField, DateTimeField, Model, TextField

from central.merged import MODELS, OfficeSync, ReceivedEvent


class OfficeSyncV1(Model):
    office = CharField(max_length=8, unique=True)
    cursor = BigIntegerField(default=0)
    events = BigIntegerField(default=0)
    last_push_at = DateTimeField(null=True)
    last_seen_at = DateTimeField(null=True)

    class Meta:
        table_name = "office_sync"


class ReceivedEventV1(Model):
    id = CharField(max_length=36, primary_key=True)
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
    db.create_tables([m for m in MODELS if m not in (OfficeSync, ReceivedEvent)])
    with OfficeSyncV1.bind_ctx(db), ReceivedEventV1.bind_ctx(db):
        db.create_tables([OfficeSyncV1, ReceivedEventV1])
