"""The booking API's requests and answers, declared once: flask-openapi3 validates
requests with them and builds /api/v1/openapi.json from the same classes. Bodies take
JSON's types strictly ("hour": true is not 1, "9" is not 9); a date is its ISO text."""
import re
from datetime import date as Date
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt, field_validator

from sync.nik import InvalidNik, parse_nik
from sync.i18n import _
from sync.schema import printable
from sync.webapp import ErrorOut  # noqa: F401  (re-exported: one error shape for every API)

Purpose = Literal["general", "hajj", "umrah"]
Status = Literal["booked", "cancelled", "checked_in", "served", "expired"]


def _valid_nik(value):
    """The NIK stripped, or the applicant-readable reason it cannot be right."""
    try:
        return parse_nik(value).value
    except InvalidNik as exc:
        raise ValueError(str(exc)) from None


def _one_line(value):
    """A name as a person types it: one line, no control characters."""
    if not printable(value):
        raise ValueError(_("Type the name on one line, without special characters."))
    return value


NIK_PATTERN = r"^[0-9]{16}$"
# Declared in the document; checked by the validators, which say what is wrong in words.
DOCUMENTED_NIK = {"json_schema_extra": {"pattern": NIK_PATTERN}}


def _sixteen_digits(value):
    if not re.fullmatch(NIK_PATTERN, value):
        raise ValueError(_("A NIK has 16 digits."))
    return value


class OfficePath(BaseModel):
    code: str = Field(max_length=8, description="Office code, e.g. SRG")


class SlotsQuery(BaseModel):
    date: Date = Field(description="The office's local date, YYYY-MM-DD")


class BookingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    office: str = Field(max_length=8, description="Office code, e.g. SRG")
    date: Date = Field(description="The office's local date, YYYY-MM-DD")
    hour: StrictInt = Field(ge=0, le=23, description="Start of the one-hour slot, local time")
    nik: str = Field(description="16-digit national ID number (NIK)", **DOCUMENTED_NIK)
    name: str = Field(min_length=1, max_length=120,
                      description="As on the ID card, on one line")
    phone: Optional[str] = Field(default=None, max_length=20, pattern=r"^\+?[0-9 -]{6,20}$")
    purpose: Purpose

    _nik = field_validator("nik")(_valid_nik)
    _name = field_validator("name")(_one_line)


class BookingPath(BaseModel):
    code: str = Field(max_length=16, description="Booking code, e.g. SRG-7K3M9QXA")


class NikProof(BaseModel):
    """The NIK a booking was made with: with the code, the proof that it is one's own."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    nik: str = Field(description="The NIK the booking was made with", **DOCUMENTED_NIK)

    _nik = field_validator("nik")(_sixteen_digits)


class CancelRequest(NikProof):
    pass


class LookupRequest(NikProof):
    pass


class RescheduleRequest(NikProof):
    date: Date = Field(description="The new day, the office's local date")
    hour: StrictInt = Field(ge=0, le=23, description="The new slot's start, local time")


class OfficeOut(BaseModel):
    code: str
    name: str
    timezone: str
    open_days: list[int] = Field(description="ISO weekdays, Monday = 1")
    daily_quota: int
    slot_hours: list[int]
    slot_capacity: int
    booking_window_days: int
    hajj_regencies: list[str]
    address: str = Field("", description="Shown to applicants with their booking")
    closed_dates: list["ClosedDateOut"] = Field(
        [], description="national holidays, collective leave days and the office's own "
                        "closures from today on: nobody can book them")


class ClosedDateOut(BaseModel):
    date: Date
    kind: Literal["national_holiday", "collective_leave", "office_closure"]
    name: str
    every_office: bool


class OfficeList(RootModel[list[OfficeOut]]):
    pass


class SlotOut(BaseModel):
    hour: int
    capacity: int
    begun: bool = Field(description="The slot has begun (today): no longer offered")
    booked: int
    available: int


class SlotsOut(BaseModel):
    office: str
    date: Date
    quota: int
    booked: int
    bookable: bool = Field(description="False for a closed day, a past day or beyond the window")
    available: int = Field(description="Places still free that day (its open slots, the quota)")
    closed_reason: Optional[str] = Field(None, description="Why the day cannot be booked")
    slots: list[SlotOut]


class BookingOut(BaseModel):
    code: str
    office: str
    date: Date
    hour: int
    nik: str = Field(description="Masked (3601********0001) in a lookup or a cancel; whole "
                                 "only in the answer to the booking just made")
    name: str
    purpose: Purpose
    status: Status



class BookingCreated(BookingOut):
    pass_: str = Field(alias="pass", description="The signed booking pass (sync.signing): "
                       "shown as a QR code, checked offline at the branch")
