"""Central's tables: offices and their slots, bookings, suspensions, the change log, keys."""
from datetime import datetime, timezone

from peewee import (BigAutoField, CharField, DateField,
                    DateTimeField, ForeignKeyField, IntegerField, Model, TextField, SQL)

from .db import db


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(moment):
    """Timestamps are stored as naive UTC; `moment` is an aware datetime."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Office(BaseModel):
    code = CharField(max_length=8, unique=True)
    name = CharField()
    timezone = CharField(default="Asia/Jakarta")
    open_days = CharField(default="1,2,3,4,5")          # ISO weekdays, Monday = 1
    daily_quota = IntegerField(default=140)              # online bookings per day
    slot_hours = CharField(default="8,9,10,11,12,13,14")  # one-hour slots, local time
    slot_capacity = IntegerField(default=20)             # places per slot
    booking_window_days = IntegerField(default=30)
    hajj_regencies = CharField(default="")               # e.g. "3601,3602"
    address = CharField(default="")                      # shown to applicants (m010)
    token_hash = CharField(null=True)                    # sync token (sha256), issue 4
    token_issued_at = DateTimeField(null=True)
    token_used_at = DateTimeField(null=True)             # to the minute (central.tokens)
    # The token replaced by the last rotation, valid until its grace period ends (m009).
    previous_token_hash = CharField(null=True)
    previous_token_until = DateTimeField(null=True)
    previous_token_used_at = DateTimeField(null=True)

    @property
    def open_weekdays(self):
        return {int(d) for d in self.open_days.split(",") if d}

    @property
    def hours(self):
        return [int(h) for h in self.slot_hours.split(",") if h]

    @property
    def regencies(self):
        return [r for r in self.hajj_regencies.split(",") if r]


class Booking(BaseModel):
    ACTIVE = "booked"
    code = CharField(max_length=16, unique=True)
    office = ForeignKeyField(Office, backref="bookings")
    date = DateField()
    hour = IntegerField()
    nik = CharField(max_length=16)
    name = CharField()
    phone = CharField(null=True)
    purpose = CharField(max_length=10)        # general | hajj | umrah
    # booked -> cancelled | checked_in -> served; a past booking never used -> expired
    status = CharField(max_length=12, default=ACTIVE)
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    ticket = CharField(null=True)             # the branch ticket it was checked in with
    pass_token = CharField(null=True, max_length=255)   # the signed pass (sync.signing), m010

    class Meta:
        indexes = (
            (("office", "date", "hour", "status"), False),
        )


class Suspension(BaseModel):
    nik = CharField(max_length=16, index=True)
    reason = TextField()
    starts_on = DateField()
    ends_on = DateField()
    created_at = DateTimeField(default=utcnow)
    lifted_at = DateTimeField(null=True)


class Change(BaseModel):
    seq = BigAutoField()
    kind = CharField(max_length=20)     # booking | suspension | office
    key = CharField()                   # booking code, suspension id, office code
    office = CharField(max_length=8, null=True, index=True)  # None: every office
    payload = TextField()               # JSON
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The suspension list's version is the newest suspension change (m010).
        indexes = ((("kind", "seq"), False),)


class SigningKey(BaseModel):
    """Central's Ed25519 keys (central.signing). The newest signs; every one still verifies."""
    kid = CharField(max_length=16, unique=True)
    public_key = CharField()
    private_key = CharField()           # base64 of the raw 32 bytes: never leaves central
    announcement = TextField()          # JSON, signed by the key before it (the first: itself)
    created_at = DateTimeField(default=utcnow)


class ClosedDate(BaseModel):
    """A day nobody can book: a national holiday or collective leave day (office None: every
    office), or one office's own closure (central.closed_dates; created by migration 032)."""
    office = CharField(max_length=8, null=True)
    day = DateField(index=True)
    kind = CharField(max_length=20)         # national_holiday | collective_leave | office_closure
    name = CharField(max_length=120)        # e.g. "Hari Raya Idul Fitri 1448 H"
    created_at = DateTimeField(default=utcnow)


def closed_date_index():
    """One entry per day for every office, and one per day and office."""
    return SQL("CREATE UNIQUE INDEX IF NOT EXISTS closed_date_one_per_day "
               "ON closed_date (day, COALESCE(office, ''))")


def active_booking_index():
    """One active booking per NIK, enforced by the database itself."""
    return SQL("CREATE UNIQUE INDEX IF NOT EXISTS booking_one_active_per_nik "
               "ON booking (nik) WHERE status = 'booked'")


MODELS = [Office, Booking, Suspension, Change, SigningKey]
