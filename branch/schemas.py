"""The branch API's requests and answers, declared once: flask-openapi3 validates
requests with them and builds /api/v1/openapi.json from the same classes.

The NIK is checked by the ticket rules (sync.nik.parse_nik) rather than here,
so the kiosk, the counter page and the API all refuse it with one message; the
document declares its pattern. Bodies take JSON's types strictly: `true` is not 1.
"""
from datetime import date as Date
from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sync.schema import Lane, Outcome, Reason
from sync.webapp import ErrorOut  # noqa: F401  (re-exported: one error shape for every API)

from .paths import MAX_ROW_ID

# Declared in the document; checked by the ticket rules (sync.nik), in words.
NIK_PATTERN = r"^[0-9]{16}$"


class TicketRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lane: Lane
    nik: str = Field(max_length=32, description="16-digit national ID number (NIK)",
                     json_schema_extra={"pattern": NIK_PATTERN})
    reason: Optional[Reason] = Field(default=None, description="Priority lane only")
    child_nik: Optional[str] = Field(default=None, max_length=32,
                                     description="The child's NIK, with reason young_child",
                                     json_schema_extra={"pattern": NIK_PATTERN})
    booking_code: Optional[str] = Field(default=None, max_length=32,
                                        description="Booking lane only: the code from central")
    pass_: Optional[str] = Field(default=None, alias="pass", max_length=256,
                                 description="Booking lane only: the signed booking pass "
                                             "(the QR code's text); proves the booking offline")
    override: StrictBool = Field(default=False, description="Past the daily cap: needs a "
                                                            "supervisor's login")


class TicketPath(BaseModel):
    ticket_id: int = Field(ge=1, le=MAX_ROW_ID,
                           description="The ticket's id (as returned when it was issued)")


class TokenPath(BaseModel):
    token: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                       description="The ticket's public token (its QR code, /t/<token>)")


class CounterPath(BaseModel):
    name: str = Field(max_length=32, description="The counter's name, e.g. 1")


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lane: Literal["general", "priority"]
    reason: Optional[Reason] = Field(default=None, description="When moving to priority")


class FinishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome


class TicketOut(BaseModel):
    id: int
    number: str
    lane: Lane
    status: Literal["waiting", "called", "done", "no_show"]
    day: Date
    office: str
    nik: str = Field(description="Masked (3604********0001) unless a staff member asks")
    regency: str
    reason: Optional[Reason] = None
    beyond_quota: bool
    booking_code: Optional[str] = None
    booking_verified: Optional[bool] = None
    verified: Optional[bool] = Field(None, description="Booking lane: true when the check-in "
                                     "is proven (local copy or signed pass)")
    verified_by: Optional[Literal["copy", "pass"]] = None
    slot_hour: Optional[int] = None
    counter: Optional[str] = None
    outcome: Optional[Outcome] = None
    recalls: int
    issued_at: datetime


class IssuedOut(TicketOut):
    status_url: str = Field(description="The ticket's public status page (/t/<token>)")
    people_ahead: int = Field(description="People the call policy calls first")
    estimated_wait_minutes: int


class PublicTicketOut(BaseModel):
    number: str
    lane: Lane
    status: Literal["waiting", "called", "done", "no_show"]
    office: str
    day: Date
    issued_at: datetime
    counter: Optional[str] = None
    people_ahead: Optional[int] = None
    estimated_wait_minutes: Optional[int] = None


class CallOut(BaseModel):
    ticket: Optional[TicketOut] = Field(description="None when nobody is waiting")


class BoardRow(BaseModel):
    counter: str
    ticket_id: Optional[int] = None
    number: Optional[str] = None
    status: Optional[str] = None
    recalls: int = 0


class LatestCall(BaseModel):
    key: str = Field(description="Changes with every call and recall")
    number: str
    counter: str
    announcement: str = Field(description="What the board says aloud")


class BoardOut(BaseModel):
    office: str
    day: Date
    counters: list[BoardRow]
    waiting: dict[str, int]
    estimated_wait_minutes: dict[str, int]
    latest: Optional[LatestCall] = None



class StatusOut(BaseModel):
    """The branch's sync state, as the sync job last wrote it (local times, ISO 8601)."""
    office: str
    day: Date
    waiting: dict[str, int]
    last_attempt: Optional[datetime] = None
    last_success: Optional[datetime] = None
    central_reachable: Optional[bool] = None
    unreachable_since: Optional[datetime] = None
    last_error: Optional[str] = Field(None, description="A supervisor's login only (else null)")
    clock_drift: Optional[float] = Field(None, description="central's clock minus ours, seconds")
    pull_cursor: int
    pending: int = Field(description="outbox events waiting to be pushed")
    quarantined: int = Field(description="events central refused (listed on /status)")
    oldest_pending: Optional[datetime] = None
    banner: Optional[str] = Field(None, description="what the pages' banner says, if anything")
