"""The booking form: what the applicant typed, checked, and every refusal put next to its field.

The rules stay central's: the form only checks what the schema would refuse with a
programmer's wording (empty name, a phone number of letters) and otherwise hands the
request to central.booking, whose refusals it places next to the field they concern.
"""
from datetime import date

from flask import request
from pydantic import ValidationError

from sync.errors import AntreanError
from sync.i18n import _

from ..schemas import BookingRequest

MAX_NAME, MAX_PHONE = 120, 20


def typed_nik(text):
    """The NIK as typed, without the spaces and dashes people copy from a KTP."""
    return "".join((text or "").replace("-", " ").replace(".", " ").split())[:32]


def read_form():
    """The fields as typed (trimmed, bounded), to show again on a refusal."""
    return {"nik": typed_nik(request.form.get("nik")),
            "name": " ".join(request.form.get("name", "").split())[:MAX_NAME + 1],
            "phone": " ".join(request.form.get("phone", "").split())[:MAX_PHONE + 1]}


def booking_request(form, office, day, hour, purpose):
    """(BookingRequest, None) or (None, {field: reason}) for what was typed."""
    fields = {}
    if not form["name"]:
        fields["name"] = _("Please write your full name as it is on your KTP.")
    elif len(form["name"]) > MAX_NAME:
        fields["name"] = _("A name has at most %(count)s characters.", count=MAX_NAME)
    try:
        checked = BookingRequest(office=office, date=day, hour=hour, nik=form["nik"],
                                 name=form["name"] or "-", phone=form["phone"] or None,
                                 purpose=purpose)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            fields.setdefault(field, _field_reason(field, error))
        return None, fields
    return (None, fields) if fields else (checked, None)


def _field_reason(field, error):
    if field == "nik":
        return error["msg"].removeprefix("Value error, ")     # sync.nik's reason, translated
    if field == "phone":
        return _("Write a phone number of 6 to 20 digits, e.g. 0812 3456 7890, or leave it "
                 "empty.")
    return _("Please check this field.")


def refusal_fields(exc: AntreanError):
    """{field: reason} for a refusal of central.booking (`slot` for the day and hour)."""
    if exc.extra.get("fields"):
        return {("slot" if key in ("date", "hour") else key): reason
                for key, reason in exc.extra["fields"].items()}
    if exc.code in ("duplicate_booking", "suspended", "wrong_office"):
        return {"nik": exc.message}
    return {"slot": exc.message}


def parse_day(text):
    """A YYYY-MM-DD path part as a date, or None."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
