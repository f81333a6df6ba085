"""The wire contract between a branch and central: outbox events and their payloads.

A branch writes one event per change it makes (in the same transaction as
the change). Central validates each event against these models before it
applies it; an event that fails is quarantined with the reason, never dropped.
A ticket is identified everywhere by (office, day, number): numbers are
unique per office and day because each lane has its own letter.
"""
from datetime import date, datetime
from typing import Annotated, Literal, Optional
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from . import SCHEMA_VERSION     # kept in sync/__init__.py: the job stamps it without pydantic


Lane = Literal["general", "priority", "booking"]
Reason = Literal["elderly", "pregnant", "disability", "young_child"]
Outcome = Literal["passport_issued", "rejected", "incomplete_documents"]
LANE_LETTERS = {"general": "A", "priority": "P", "booking": "B"}

# Bounds of every field on the wire, enforced by the branch before it writes the
# outbox and by central on intake: a value one side cannot store must never leave
# the other, or it would stop the office's sync behind it.
MAX_BOOKING_CODE = 32
MAX_COUNTER = 32
MAX_STAFF = 64
MAX_SEQ = 2 ** 63 - 1           # SQLite's INTEGER and PostgreSQL's bigint
MAX_BACKLOG = 10 ** 9
# A branch's clock may be wrong (a dead CMOS battery says 1970), never by centuries.
YEARS = (1970, 2200)
# No control characters (C0, DEL, C1): PostgreSQL cannot hold NUL, and none belongs
# in a name or a code. One character class, read alike by pydantic's and Python's regex.
CONTROL = "\\x00-\\x1f\\x7f-\\x9f"
PRINTABLE = f"^[^{CONTROL}]*$"
DIGITS = "[0-9]"        # not \d, which also takes the digits of other scripts


def Text(max_length, pattern=PRINTABLE, min_length=1):
    """A string on the wire: at most `max_length` characters, matching `pattern`
    (by default: anything without a control character)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=pattern)]


def printable(text):
    """Whether `text` holds no control character (the rule of PRINTABLE)."""
    return not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in text)


def _sane_year(value):
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"the year must be {YEARS[0]} to {YEARS[1]}")
    return value


Nik = Text(16, f"^{DIGITS}{{16}}$", min_length=16)
Regency = Text(4, f"^{DIGITS}{{4}}$", min_length=4)
TicketNumber = Text(8, f"^[A-Z]{DIGITS}{{1,7}}$", min_length=2)   # A001, P012, B140
CounterName = Text(MAX_COUNTER)
StaffName = Text(MAX_STAFF)
BookingCode = Text(MAX_BOOKING_CODE)
OfficeCode = Text(8, "^[A-Za-z0-9]{1,8}$")
Day = Annotated[date, AfterValidator(_sane_year)]
Moment = Annotated[datetime, AfterValidator(_sane_year)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketIssued(Payload):
    ticket: TicketNumber
    lane: Lane
    nik: Nik
    regency: Regency
    reason: Optional[Reason] = None
    beyond_quota: bool = False
    booking_code: Optional[BookingCode] = None
    staff: Optional[StaffName] = None        # who overrode a cap, if anyone


class TicketCalled(Payload):
    ticket: TicketNumber
    counter: CounterName
    staff: Optional[StaffName] = None


class TicketRecalled(TicketCalled):
    pass


class TicketNoShow(TicketCalled):
    pass


class TicketTransferredV1(Payload):
    """ticket_transferred as schema version 1 sent it: without the reason."""
    ticket: TicketNumber
    from_lane: Lane
    to_lane: Lane
    staff: Optional[StaffName] = None


class TicketTransferred(TicketTransferredV1):
    reason: Optional[Reason] = None     # the priority reason, for a transfer to priority


class TicketFinished(Payload):
    ticket: TicketNumber
    counter: CounterName
    outcome: Outcome
    regency: Regency            # counted in passports by regency
    staff: Optional[StaffName] = None


class BookingCheckedIn(Payload):
    ticket: TicketNumber
    booking_code: BookingCode
    nik: Nik
    verified: bool          # False: code not in the branch's copy (provisional)
    by_pass: bool = False   # verified by central's signed pass (sent only when true)


class SuspendedRefused(Payload):
    nik: Nik
    suspension_ends_on: Day


PAYLOADS = {
    "ticket_issued": TicketIssued,
    "ticket_called": TicketCalled,
    "ticket_recalled": TicketRecalled,
    "ticket_no_show": TicketNoShow,
    "ticket_transferred": TicketTransferred,
    "ticket_finished": TicketFinished,
    "booking_checked_in": BookingCheckedIn,
    "suspended_refused": SuspendedRefused,
}
EventKind = Literal[tuple(PAYLOADS)]  # type: ignore[valid-type]
# Older schema versions central still accepts (branches in the field upgrade one by
# one): where a kind's payload differed then, its model of that version.
OLDER_PAYLOADS = {1: {"ticket_transferred": TicketTransferredV1}}
ACCEPTED_VERSIONS = (*OLDER_PAYLOADS, SCHEMA_VERSION)


def payload_model(kind, version):
    """The payload model of `kind` in schema `version`; None for an unknown kind."""
    return OLDER_PAYLOADS.get(version, {}).get(kind) or PAYLOADS.get(kind)


PAYLOAD_LISTS = {(kind, version): TypeAdapter(list[payload_model(kind, version)])
                 for kind in PAYLOADS for version in ACCEPTED_VERSIONS}


class Event(BaseModel):
    """One outbox event as it travels; `seq` is the branch's local order."""
    id: UUID
    seq: int = Field(ge=1, le=MAX_SEQ)
    office: OfficeCode
    day: Day                  # the office's local business date
    kind: Text(24)
    schema_version: int = Field(SCHEMA_VERSION, ge=1, le=1000)
    payload: dict
    created_at: Moment        # branch clock: informational only, never used to order


class OutboxEnvelope(BaseModel):
    """The envelope a branch gives an event when it writes it (seq and id come later)."""
    office: OfficeCode
    day: Day
    kind: EventKind


def check_outbox_event(office, day, kind, payload):
    """Raise ValueError (pydantic's ValidationError) unless central will accept this event
    as a branch writes it: envelope and payload, every bound checked."""
    OutboxEnvelope(office=office, day=day, kind=kind)
    PAYLOADS[kind](**payload)


def validate_payload(event):
    """The typed payload of `event`; raises ValueError saying what is wrong."""
    if event.schema_version not in ACCEPTED_VERSIONS:
        raise ValueError(f"unknown schema version {event.schema_version}")
    model = payload_model(event.kind, event.schema_version)
    if model is None:
        raise ValueError(f"unknown event kind {event.kind!r}")
    return model.model_validate(event.payload)


def validate_payloads(events):
    """The typed payloads of `events`, all of one kind and schema version, in one call.

    Raises ValueError (pydantic's ValidationError is one) if any is invalid,
    without saying which: validate_payload, event by event, says that.
    """
    if not events:
        return []
    first = events[0]
    adapter = PAYLOAD_LISTS.get((first.kind, first.schema_version))
    if adapter is None:
        raise ValueError(f"cannot validate kind {first.kind!r}, version {first.schema_version}")
    return adapter.validate_python([event.payload for event in events])
