"""The branch's tables: tickets, counters, staff, local copies of central data, outbox, sync state."""
from datetime import datetime, timezone

from peewee import (BooleanField, CharField, DateField, DateTimeField, FloatField,
                    ForeignKeyField, IntegerField, Model, TextField, BigAutoField)

from .db import db


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Staff(BaseModel):
    username = CharField(unique=True)
    password_hash = CharField()
    role = CharField(max_length=12, default="staff")    # staff | supervisor
    created_at = DateTimeField(default=utcnow)
    session_version = IntegerField(default=0)   # bumped on logout: older cookies stop working


class LoginFailure(BaseModel):
    """A wrong password (or unknown name) at the login form or over HTTP Basic (sync.logins)."""
    username = CharField(max_length=150, index=True)
    address = CharField(max_length=64, index=True)
    at = DateTimeField(index=True)


class Counter(BaseModel):
    name = CharField(unique=True)          # "1", "2", ... as painted above the desk
    active = BooleanField(default=True)


class Ticket(BaseModel):
    office = CharField(max_length=8)
    day = DateField()                      # office-local business date
    lane = CharField(max_length=10)        # general | priority | booking: the queue it is in
    issued_lane = CharField(max_length=10)  # the lane that numbered it; a transfer keeps it
    seq = IntegerField()                   # per office, issuing lane and day: 1, 2, ...
    number = CharField(max_length=8)       # "A001", "P012", "B003"
    nik = CharField(max_length=16)
    regency = CharField(max_length=4)
    reason = CharField(max_length=12, null=True)        # elderly | pregnant | disability | young_child
    child_nik = CharField(max_length=16, null=True)     # young_child: the child's NIK
    beyond_quota = BooleanField(default=False)          # a supervisor overrode the cap
    override_by = CharField(null=True)                  # ... and which supervisor
    booking_code = CharField(null=True)
    booking_verified = BooleanField(null=True)          # False: provisional check-in
    slot_hour = IntegerField(null=True)                 # booking's hour, for call order
    verified_by = CharField(max_length=8, null=True)    # "copy" | "pass": how (m020)
    # waiting -> called -> done | no_show; transfer puts it back to waiting
    status = CharField(max_length=12, default="waiting")
    counter = ForeignKeyField(Counter, null=True, backref="tickets")
    outcome = CharField(max_length=24, null=True)
    recalls = IntegerField(default=0)
    issued_at = DateTimeField(default=utcnow)
    queued_at = DateTimeField(default=utcnow)          # for lane order; reset on transfer
    called_at = DateTimeField(null=True)
    announced_at = DateTimeField(null=True)             # the last call or recall: the board says it
    finished_at = DateTimeField(null=True)
    # The public handle of a ticket (/t/<token>, the QR code): unguessable, unlike the id.
    token = CharField(max_length=32, null=True, unique=True)

    class Meta:
        indexes = (
            (("office", "day", "issued_lane", "seq"), True),
            (("office", "day", "number"), True),
            (("day", "status", "lane"), False),
            (("day", "nik"), False),            # the per-NIK limits (branch.limits)
        )


class Call(BaseModel):
    """One call of a ticket to a counter, in local order: the call policy reads the last few."""
    day = DateField()
    ticket = ForeignKeyField(Ticket, backref="calls")
    lane = CharField(max_length=10)        # the ticket's lane when it was called
    counter = ForeignKeyField(Counter, backref="calls")
    staff = CharField(null=True)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("day", "id"), False),)


class LocalBooking(BaseModel):
    """Central's bookings for this office, as last pulled."""
    code = CharField(unique=True)
    office = CharField(max_length=8)
    date = DateField()
    hour = IntegerField()
    nik = CharField(max_length=16)
    name = CharField()
    purpose = CharField(max_length=10)
    status = CharField(max_length=12)       # as central says: booked | cancelled | ...
    ticket = CharField(null=True)           # our ticket number once checked in here


class LocalSuspension(BaseModel):
    """Central's suspension list, as last pulled; enforced even while offline."""
    central_id = IntegerField(unique=True)
    nik = CharField(max_length=16, index=True)
    reason = TextField()
    starts_on = DateField()
    ends_on = DateField()
    lifted = BooleanField(default=False)


class TrustedKey(BaseModel):
    """Central's public keys (branch.trust): the first pinned, each next one signed by a
    trusted key. An announcement that fails is kept with `refused` set, never trusted."""
    kid = CharField(max_length=16, unique=True)
    public_key = CharField()
    signed_by = CharField(max_length=16)
    refused = TextField(null=True)
    pinned_at = DateTimeField(default=utcnow)
    # What checks the NIK on the passes this key signs (sync.signing.pass_secret, base64),
    # as every sync pull brings it (m042); null until the first pull that does.
    pass_secret = CharField(max_length=64, null=True)


class SuspensionList(BaseModel):
    """The signed header of the suspension list in local_suspension (branch.suspension_list):
    one row. The header's signature and digest let the branch check its copy any time."""
    version = IntegerField()
    issued_at = CharField()             # as central signed it
    count = IntegerField()
    digest = CharField()
    kid = CharField(max_length=16)
    signature = TextField()
    applied_at = DateTimeField(default=utcnow)     # when this version was applied here
    confirmed_at = DateTimeField(default=utcnow)   # when central last vouched for it


class Refusal(BaseModel):
    """A ticket refused because the NIK is suspended."""
    day = DateField()
    nik = CharField(max_length=16)
    suspension_ends_on = DateField()
    at = DateTimeField(default=utcnow)


class Outbox(BaseModel):
    """Every change, to be pushed to central. Written in the change's own transaction.

    Also indexed on (office, day) by migration 002 (for reconcile).
    """
    seq = BigAutoField()                    # local order, sent in this order
    uuid = CharField(max_length=36, unique=True)
    office = CharField(max_length=8)
    day = DateField()
    kind = CharField(max_length=24)
    payload = TextField()                   # JSON, validated by sync.schema
    created_at = DateTimeField(default=utcnow)
    # pending -> sent | quarantined (central refused it; `error` says why)
    state = CharField(max_length=12, default="pending", index=True)
    sent_at = DateTimeField(null=True)
    error = TextField(null=True)


class Setting(BaseModel):
    """Office settings pulled from central (name, quota, ...), key -> JSON value."""
    key = CharField(unique=True)
    value = TextField()


class SyncState(BaseModel):
    """One row the sync job writes and the pages only read (the banner)."""
    last_attempt = DateTimeField(null=True)
    last_success = DateTimeField(null=True)
    central_reachable = BooleanField(null=True)
    unreachable_since = DateTimeField(null=True)
    last_error = TextField(null=True)
    pull_cursor = IntegerField(default=0)   # central's change seq we have applied
    clock_drift_seconds = FloatField(null=True)
    # The last run's steps as JSON, {"push": {"seconds": 1.2, "count": 1000}, ...}: /metrics.
    last_run = TextField(null=True)
    # Central's change log jumped (it was restored from a backup): reconcile every day
    # until a run has done so (m041).
    reconcile_all = BooleanField(default=False)


MODELS = [Staff, LoginFailure, Counter, Ticket, Call, LocalBooking, LocalSuspension, Refusal, Outbox,
          Setting, SyncState, TrustedKey, SuspensionList]
