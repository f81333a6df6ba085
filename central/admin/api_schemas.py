"""The admin JSON API's queries and answers, declared once: flask-openapi3 validates the
queries with them and describes the answers in /api/v1/openapi.json."""
from datetime import date, datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

SESSION_SCHEME = {"admin_session": {
    "type": "apiKey", "in": "cookie", "name": "session",
    "description": "The console's session cookie: log in at /admin/login (admin or viewer). "
                   "A branch's sync token opens none of these."}}


class DayFigures(BaseModel):
    office: str
    day: date = Field(description="the office's local date")
    booked: int = Field(description="bookings for the day, cancelled ones excepted")
    check_ins: int = Field(description="tickets that came with a booking")
    walk_ins_general: int
    walk_ins_priority: int
    walk_ins: int
    served: int = Field(description="tickets finished, any outcome")
    no_shows: int
    beyond_quota: int = Field(description="tickets a supervisor issued beyond the day's cap")
    passports: int = Field(description="passports issued")
    refusals: int = Field(description="people refused as suspended")
    tickets: int


class SyncHealth(BaseModel):
    last_seen_at: Optional[datetime] = Field(description="UTC; last request from the branch")
    minutes_since_seen: Optional[int]
    cursor: int
    events: int
    backlog: Optional[int] = Field(description="events waiting at the branch, as it said")
    quarantined: int
    open_conflicts: int
    reported_at: Optional[datetime]
    last_run_ok: Optional[bool]
    reconciled: Optional[bool] = Field(description="false: the last reconcile failed")
    last_error: Optional[str]
    clock_drift: Optional[float] = Field(description="central's clock minus the branch's, s")
    silent: bool = Field(description="not heard from for more than ADMIN_SILENT_MINUTES")
    reconcile_failed: bool
    run_failed: bool
    clock_off: bool = Field(description="drift beyond ADMIN_DRIFT_WARN_SECONDS")


class NetworkRow(DayFigures, SyncHealth):
    name: str
    quota: int
    timezone: str


class NetworkOut(BaseModel):
    offices: list[NetworkRow]
    totals: dict[str, int]


class OfficeDayQuery(BaseModel):
    office: str = Field(max_length=8, description="office code, e.g. SRG")
    day: Optional[date] = Field(None, description="default: the office's today")
    q: str = Field("", max_length=40, description="ticket number (prefix) or a 16-digit NIK")


class TicketOut(BaseModel):
    number: str
    lane: Optional[str]
    nik: Optional[str] = Field(description="masked (3604********0001) for a viewer")
    regency: Optional[str]
    reason: Optional[str]
    status: str
    outcome: Optional[str]
    counter: Optional[str]
    booking_code: Optional[str]
    beyond_quota: bool
    override_staff: Optional[str]
    recalls: int


class RefusalOut(BaseModel):
    nik: str = Field(description="masked for a viewer")
    suspension_ends_on: date


class OfficeDayOut(DayFigures):
    name: str
    quota: int
    people: int = Field(description="distinct NIKs among the tickets")
    passports_by_regency: dict[str, int]
    health: SyncHealth
    tickets_found: int
    ticket_list: list[TicketOut] = Field(description="the first 500 that match")
    refusal_list: list[RefusalOut]


class PassportsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: Optional[date] = Field(None, alias="from", description="first day (default: the "
                                  "1st of this month)")
    to: Optional[date] = Field(None, description="last day, inclusive (default: today)")
    office: Optional[str] = Field(None, max_length=8)
    regency: Optional[str] = Field(None, pattern=r"^\d{4}$")


class PassportRow(BaseModel):
    office: str
    office_name: str
    regency: str
    regency_name: str
    passports: int


class PassportsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    office: Optional[str]
    regency: Optional[str]
    total: int
    rows: list[PassportRow] = Field(description="one per office x regency with passports")
    by_regency: dict[str, int]
    by_day: dict[str, int] = Field(description="every day of the range, ISO date -> count")


class ConflictsQuery(BaseModel):
    status: Literal["open", "decided"] = "open"
    office: Optional[str] = Field(None, max_length=8)
    kind: Optional[str] = Field(None, max_length=32)
    page: int = Field(1, ge=1, le=100_000)


class DecisionOut(BaseModel):
    decision: str = Field(description="accepted_served | data_error | suspended")
    note: str
    by: str
    at: datetime
    suspension_id: Optional[int]


class ConflictOut(BaseModel):
    id: int
    office: str
    day: date
    kind: str
    subject: str = Field(description="ticket number, NIK (masked for a viewer) or booking code")
    detail: str
    status: str = Field(description="open | resolved")
    created_at: datetime
    resolved_at: Optional[datetime]
    decision: Optional[DecisionOut]


class ConflictsOut(BaseModel):
    total: int
    page: int
    conflicts: list[ConflictOut] = Field(description="open: oldest first; decided: newest first")


class NikQuery(BaseModel):
    nik: Optional[str] = Field(None, max_length=20, description="16 digits; none: the latest")


class SuspensionOut(BaseModel):
    id: int
    nik: str = Field(description="masked for a viewer")
    reason: str
    starts_on: date
    ends_on: date
    state: str = Field(description="active | upcoming | ended | lifted")
    created_at: datetime
    lifted_at: Optional[datetime]


class SuspensionsOut(BaseModel):
    suspensions: list[SuspensionOut]


class BookingQuery(BaseModel):
    q: str = Field(min_length=1, max_length=40, description="booking code or 16-digit NIK")


class HistoryStep(BaseModel):
    at: datetime = Field(description="UTC; check-in and service times are the branch's clock")
    what: str
    where: Optional[str]
    detail: str
    by: Optional[str]


class BookingFound(BaseModel):
    code: str
    office: str
    date: date
    hour: int
    nik: str = Field(description="masked for a viewer")
    name: str
    purpose: str
    status: str
    history: list[HistoryStep]


class BookingsOut(BaseModel):
    bookings: list[BookingFound]


class MismatchesQuery(BaseModel):
    status: Literal["open", "marked", "all"] = "open"


class MarkOut(BaseModel):
    decision: str = Field(description="corrected | suspected")
    note: str
    by: str
    at: datetime
    suspension_id: Optional[int]


class MismatchOut(BaseModel):
    key: str = Field(description="booking:CODE or ticket:OFFICE/DAY/NUMBER")
    kind: str
    office: str
    day: date
    ref: str
    nik: str = Field(description="masked for a viewer")
    name: Optional[str]
    list_name: Optional[str]
    list_birth_date: Optional[date]
    problems: list[str] = Field(description="missing | name | birth_date")
    mark: Optional[MarkOut]


class MismatchesOut(BaseModel):
    total: int
    mismatches: list[MismatchOut] = Field(description="the first 500")


class AuditQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    action: Optional[str] = Field(None, max_length=40)
    actor: Optional[str] = Field(None, max_length=160)
    subject: Optional[str] = Field(None, max_length=160, description="contains this text")
    from_: Optional[date] = Field(None, alias="from")
    to: Optional[date] = None
    page: int = Field(1, ge=1, le=1_000_000)


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="an admin's username, or cli:<os user>")
    action: str
    subject: str
    reason: str
    detail: dict


class AuditOut(BaseModel):
    total: int
    page: int
    entries: list[AuditEntryOut] = Field(description="newest first, 100 a page")
