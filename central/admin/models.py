"""The admin console's own tables: accounts, failed logins, the audit log, decisions, and
the pilgrim list (manifest) with its imports and mismatch marks.

The audit log is append-only: no code path updates or deletes its rows, and
the database itself refuses to (triggers made by migration 030).
"""
from peewee import (BooleanField, CharField, DateField, DateTimeField, FloatField,
                    ForeignKeyField, IntegerField, TextField)

from ..merged import Conflict
from ..models import BaseModel, utcnow


class AdminAccount(BaseModel):
    """Someone who may open the console: a viewer reads, an admin also acts."""
    username = CharField(max_length=150, unique=True)
    password_hash = CharField()
    role = CharField(max_length=8)                  # admin | viewer
    disabled = BooleanField(default=False)
    session_version = IntegerField(default=0)       # bumped on logout/disable (sync.logins)
    created_at = DateTimeField(default=utcnow)


class AdminLoginFailure(BaseModel):
    """A wrong password (or unknown name) at /admin/login (sync.logins.LoginGuard)."""
    username = CharField(max_length=150, index=True)
    address = CharField(max_length=64, index=True)
    at = DateTimeField(index=True)


class AuditEntry(BaseModel):
    """One admin action: who, when, what (action, subject, detail) and why."""
    at = DateTimeField(default=utcnow, index=True)
    actor = CharField(max_length=160, index=True)   # an admin's username, or cli:<os user>
    action = CharField(max_length=40, index=True)   # e.g. suspension.issued
    subject = CharField(max_length=160, index=True)  # e.g. suspension:12, office:SRG
    detail = TextField(default="{}")                # JSON: the values the action set
    reason = TextField(default="")


class ConflictDecision(BaseModel):
    """How an admin decided a conflict sync found (the conflict row is then resolved)."""
    conflict = ForeignKeyField(Conflict, unique=True, backref="decisions")
    decision = CharField(max_length=20)     # accepted_served | data_error | suspended
    note = TextField(default="")
    suspension_id = IntegerField(null=True)
    actor = CharField(max_length=160)
    at = DateTimeField(default=utcnow)


MODELS = [AdminAccount, AdminLoginFailure, AuditEntry, ConflictDecision]


class ManifestEntry(BaseModel):
    """One pilgrim on the Ministry of Religious Affairs' list (the manifest), by NIK."""
    nik = CharField(max_length=16, unique=True)
    name = CharField(max_length=120)
    name_key = CharField(max_length=120)       # casefolded, no spaces: how names are compared
    birth_date = DateField()
    regency = CharField(max_length=4)
    porsi = CharField(max_length=20, index=True)     # the pilgrim's porsi (queue) number
    departure_year = IntegerField()
    import_id = IntegerField()                 # the import that last set this row
    updated_at = DateTimeField(default=utcnow)


class ManifestImport(BaseModel):
    """One upload of the list: what it added, changed, left alone and refused (by line)."""
    at = DateTimeField(default=utcnow)
    actor = CharField(max_length=160)
    filename = CharField(max_length=200)
    sha256 = CharField(max_length=64, index=True)
    rows = IntegerField(default=0)             # data lines read (the header not counted)
    added = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    bad = IntegerField(default=0)
    errors = TextField(default="[]")           # JSON [[line, reason], ...], the first 1,000
    seconds = FloatField(default=0)


class MismatchMark(BaseModel):
    """A staff member's word on a mismatch between a hajj booking or ticket and the list."""
    key = CharField(max_length=60, unique=True)     # booking:CODE or ticket:OFFICE/DAY/NUMBER
    nik = CharField(max_length=16)
    problems = TextField()
    decision = CharField(max_length=12)             # corrected | suspected
    note = TextField(default="")
    suspension_id = IntegerField(null=True)
    actor = CharField(max_length=160)
    at = DateTimeField(default=utcnow)


MANIFEST_MODELS = [ManifestEntry, ManifestImport, MismatchMark]
