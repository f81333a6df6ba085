"""The wire contract between a branch and central: outbox events and their payloads.

A branch writes one event per change it makes (in the same transaction as
the change). Central validates each event against these models before it
applies it; an event that fails is quarantined with the reason, never dropped.
A ticket is identified everywhere by (office, day, number): numbers are
unique per office and day because each lane has its own letter.
"""
from datetime import date, datetime
from typing import Literal, Optional
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from . import SCHEMA_VERSION     # kept in sync/__init__.py: the job stamps it without pydantic


Lane = Literal["general", "priority", "booking"]
Reason = Literal["elderly", "pregnant", "disability", "young_child"]
Outcome = Literal["passport_issued", "rejected", "incomplete_documents"]
LANE_LETTERS = {"general": "A", "priority": "P", "booking": "B"}


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketIssued(Payload):
    ticket: str
    lane: Lane
    nik: str = Field(pattern=r"^\d{16}$")
    regency: str = Field(pattern=r"^\d{4}$")
    reason: Optional[Reason] = None
    beyond_quota: bool = False
    booking_code: Optional[str] = None
    staff: Optional[str] = None        # who overrode a cap, if anyone


class TicketCalled(Payload):
    ticket: str
    counter: str
    staff: Optional[str] = None


class TicketRecalled(TicketCalled):
    pass


class TicketNoShow(TicketCalled):
    pass


class TicketTransferredV1(Payload):
    """ticket_transferred as schema version 1 sent it: without the reason."""
    ticket: str
    from_lane: Lane
    to_lane: Lane
    staff: Optional[str] = None


class TicketTransferred(TicketTransferredV1):
    reason: Optional[Reason] = None     # the priority reason, for a transfer to priority


class TicketFinished(Payload):
    ticket: str
    counter: str
    outcome: Outcome
    regency: str = Field(pattern=r"^\d{4}$")   # counted in passports by regency
    staff: Optional[str] = None


class BookingCheckedIn(Payload):
    ticket: str
    booking_code: str
    nik: str = Field(pattern=r"^\d{16}$")
    verified: bool          # False: code not in the branch's copy (provisional)
    by_pass: bool = False   # verified by central's signed pass (sent only when true)


class SuspendedRefused(Payload):
    nik: str = Field(pattern=r"^\d{16}$")
    suspension_ends_on: date


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
    seq: int = Field(ge=1)
    office: str
    day: date                 # the office's local business date
    kind: str
    schema_version: int = SCHEMA_VERSION
    payload: dict
    created_at: datetime      # branch clock: informational only, never used to order


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
