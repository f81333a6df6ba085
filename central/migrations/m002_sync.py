"""Sync: central's merged view of branch events (received events, tickets,
passports by regency, refusals, conflicts, quarantine, per-office cursor).

office_sync, received_event, merged_ticket and quarantined_event are frozen
here as they were first created; m003 adds office_sync's backlog, m004 stores
event ids as 16 bytes, m005 keys received events by office, day and id, m006
adds merged_ticket's lane_seq, m008 lets quarantined_event hold events whose
seq, day, kind or created_at could not be read, m035 adds received_event's lane,
outcome and regency, m036 keys merged_ticket by office, day and number (PostgreSQL).
"""
from peewee import (BigIntegerField, BooleanField, CharField, DateField, DateTimeField,
                    IntegerField, Model, TextField)

from central.merged import MODELS, MergedTicket, OfficeSync, QuarantinedEvent, ReceivedEvent


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


class MergedTicketV1(Model):
    office = CharField(max_length=8)
    day = DateField()
    number = CharField(max_length=8)
    lane = CharField(max_length=10, null=True)
    nik = CharField(max_length=16, null=True)
    regency = CharField(max_length=4, null=True)
    reason = CharField(max_length=12, null=True)
    beyond_quota = BooleanField(default=False)
    override_staff = CharField(null=True)
    booking_code = CharField(null=True)
    booking_verified = BooleanField(null=True)
    status = CharField(max_length=12, default="waiting")
    counter = CharField(null=True)
    outcome = CharField(max_length=24, null=True)
    recalls = IntegerField(default=0)
    last_seq = BigIntegerField(default=0)

    class Meta:
        table_name = "merged_ticket"
        legacy_table_names = False
        indexes = ((("office", "day", "number"), True), (("day", "nik"), False))


class QuarantinedEventV1(Model):
    event_id = CharField(max_length=36, unique=True)
    office = CharField(max_length=8)
    seq = BigIntegerField()
    day = DateField()
    kind = CharField(max_length=24)
    payload = TextField()
    created_at = DateTimeField()
    received_at = DateTimeField()
    reason = TextField()

    class Meta:
        table_name = "quarantined_event"
        legacy_table_names = False


FROZEN = (OfficeSyncV1, ReceivedEventV1, MergedTicketV1, QuarantinedEventV1)
LIVE = (OfficeSync, ReceivedEvent, MergedTicket, QuarantinedEvent)


def up(db, migrator):
    db.create_tables([m for m in MODELS if m not in LIVE])
    for frozen in FROZEN:
        with frozen.bind_ctx(db):
            db.create_tables([frozen])
