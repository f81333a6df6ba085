"""Central's merged view of what branches report: the tables.

Every event a branch pushes is kept once (keyed by office, day and id), and
turned into tickets, passports by regency, refusals and conflicts by
central/merging.py. Tables are named after the same words the branch uses.
"""
from peewee import (BigIntegerField, BinaryUUIDField, BooleanField, CharField, CompositeKey,
                    DateField, DateTimeField, FloatField, IntegerField, TextField)

from .models import BaseModel, utcnow


class EventIdField(BinaryUUIDField):
    """An event id: canonical UUID text in Python, 16 bytes in the database
    (an index of them is about 40 % smaller than of 36 characters)."""

    def db_value(self, value):
        return super().db_value(event_id_bytes(value) if isinstance(value, str) else value)

    def python_value(self, value):
        return None if value is None else event_id_text(value)


def event_id_bytes(text):
    """A canonical UUID's 16 bytes, as the database holds an event id."""
    return bytes.fromhex(text.replace("-", ""))


def event_id_text(value):
    """An event id as the database returns it (bytes, memoryview from psycopg2, or its
    hex text) as canonical UUID text (sliced from hex: four times faster than through
    uuid.UUID)."""
    h = value if isinstance(value, str) else value.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class ReceivedEvent(BaseModel):
    """An outbox event central has accepted; a re-sent event hits the primary key.

    The key is (office, day, id), not the id alone. Ids are random, so a key of
    ids alone puts each batch's 1,000 events on as many leaf pages spread over
    all of history, and every commit rewrites them: a cost that grows with
    every event ever received. Keyed by day first, a batch lands on the few
    pages of its own days. The key also serves the digests, which read an
    office's days.

    The identity is (office, id), kept by a unique index of its own: a re-push
    claiming another day must not count an event twice. Branches make ids that
    grow with time (UUID version 7), so that index too takes a batch at its end.
    """
    id = EventIdField()
    office = CharField(max_length=8)
    seq = BigIntegerField()                 # the branch's local order
    day = DateField()
    kind = CharField(max_length=24)
    payload = TextField()                   # JSON, as validated
    created_at = DateTimeField()            # branch clock: informational only
    received_at = DateTimeField(default=utcnow)
    # The payload's fields a day's digest counts (sync.digest), copied as the event is
    # stored (m035): digests count them without parsing every payload's JSON.
    lane = CharField(max_length=10, null=True)
    outcome = CharField(max_length=24, null=True)
    regency = CharField(max_length=4, null=True)

    class Meta:
        primary_key = CompositeKey("office", "day", "id")
        indexes = ((("office", "id"), True),)


class QuarantinedEvent(BaseModel):
    """An event central could not accept, with the reason it told the branch. Refused
    for its envelope, it has null for each field that broke the rules (seq, day, kind,
    created_at) and the whole event as its payload."""
    event_id = CharField(max_length=36, unique=True)
    office = CharField(max_length=8)
    seq = BigIntegerField(null=True)
    day = DateField(null=True)
    kind = CharField(max_length=24, null=True)
    payload = TextField()
    created_at = DateTimeField(null=True)   # branch clock: informational only
    received_at = DateTimeField(default=utcnow)
    reason = TextField()


class MergedTicket(BaseModel):
    """A branch ticket as central sees it, folded from its events; keyed by office, day
    and number (m036; on SQLite the table also keeps its rowid as `id`)."""
    office = CharField(max_length=8)
    day = DateField()
    number = CharField(max_length=8)
    lane = CharField(max_length=10, null=True)      # null until ticket_issued arrives
    nik = CharField(max_length=16, null=True)
    regency = CharField(max_length=4, null=True)
    reason = CharField(max_length=12, null=True)
    beyond_quota = BooleanField(default=False)       # a supervisor overrode the cap
    override_staff = CharField(null=True)
    booking_code = CharField(null=True)
    booking_verified = BooleanField(null=True)
    status = CharField(max_length=12, default="waiting")  # waiting|called|done|no_show
    counter = CharField(null=True)
    outcome = CharField(max_length=24, null=True)
    recalls = IntegerField(default=0)
    # Each fact comes from the newest event (by seq) that sets it, whatever order the
    # events arrive in: status and counter from last_seq's, lane and reason from lane_seq's.
    last_seq = BigIntegerField(default=0)
    lane_seq = BigIntegerField(default=0)            # ticket_issued or ticket_transferred

    class Meta:
        primary_key = CompositeKey("office", "day", "number")
        indexes = ((("day", "nik"), False),)


class PassportTally(BaseModel):
    """Passports issued per office, day and regency of the applicant's NIK (PassportMonth
    holds the same counts by month: whatever changes one changes the other)."""
    office = CharField(max_length=8)
    day = DateField()
    regency = CharField(max_length=4)
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("office", "day", "regency"), True),)


class PassportMonth(BaseModel):
    """PassportTally summed by month (`month`: its first day), written in the same
    transaction as the days: a report over a year reads twelve months, not 365 days."""
    office = CharField(max_length=8)
    month = DateField()
    regency = CharField(max_length=4)
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("office", "month", "regency"), True),)


class MergedRefusal(BaseModel):
    """A branch refused a ticket because the NIK was suspended."""
    event_id = CharField(max_length=36, unique=True)
    office = CharField(max_length=8)
    day = DateField()
    nik = CharField(max_length=16)
    suspension_ends_on = DateField()


class Conflict(BaseModel):
    """Something offline and online disagree on; decided by a rule, shown to admins."""
    office = CharField(max_length=8)
    day = DateField()
    kind = CharField(max_length=32)
    subject = CharField()                   # ticket number, NIK or booking code
    detail = TextField()
    status = CharField(max_length=12, default="open")   # open | resolved
    created_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("office", "day", "kind", "subject"), True), (("status",), False))


class OfficeSync(BaseModel):
    """Per office: the highest event seq applied (never goes back) and when last heard from."""
    office = CharField(max_length=8, unique=True)
    cursor = BigIntegerField(default=0)
    events = BigIntegerField(default=0)     # events applied in all
    backlog = BigIntegerField(null=True)    # events still waiting at the branch, as it said
    last_push_at = DateTimeField(null=True)
    last_seen_at = DateTimeField(null=True)


class BranchReport(BaseModel):
    """What an office's sync job said about its last run (POST /api/v1/sync/report)."""
    office = CharField(max_length=8, unique=True)
    reported_at = DateTimeField()                   # central's clock
    ok = BooleanField()                             # push, pull and reconcile all succeeded
    reconciled = BooleanField(null=True)            # False: days still differ; None: not reached
    error = TextField(null=True)                    # the job's one-line reason
    clock_drift = FloatField(null=True)             # central's clock minus the branch's, seconds


MODELS = [ReceivedEvent, QuarantinedEvent, MergedTicket, PassportTally, MergedRefusal,
          Conflict, OfficeSync]
