"""Offices: their local calendar, their slots and how full a day is, and the demo offices.

Every date and hour belongs to the office's own time zone: "today" at Jayapura
starts two hours before "today" at Serang.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from flask import current_app, has_app_context
from peewee import fn

from sync.database import write_transaction
from sync.i18n import _, format_day, language

from .changes import record_change
from .closed_dates import closed_date_dict, closed_date_on, upcoming
from .db import db, reading
from .errors import Invalid, NotFound
from .models import Booking, Office

# Statuses that hold a place; cancelled and expired bookings free theirs.
OCCUPYING = ("booked", "checked_in", "served")

DEMO_OFFICES = {
    "SRG": {"name": "Kantor Imigrasi Serang", "hajj_regencies": "3601,3602",
            "address": "Jl. Bhayangkara No. 1, Cipocok Jaya, Kota Serang, Banten"},
    "CLG": {"name": "Kantor Imigrasi Cilegon", "hajj_regencies": "3604,3672,3673",
            "address": "Jl. Jenderal Sudirman, Kota Cilegon, Banten"},
}

EDITABLE = ("name", "timezone", "open_days", "daily_quota", "slot_hours",
            "slot_capacity", "booking_window_days", "hajj_regencies", "address")


def clock_now():
    """The current instant (aware UTC); tests replace it with app.config["CLOCK"]."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock else datetime.now(timezone.utc)


def local_time(office, now):
    """The office's wall-clock time at the instant `now`."""
    return now.astimezone(ZoneInfo(office.timezone))


def local_today(office, now):
    """The office's local date at the instant `now`."""
    return local_time(office, now).date()


def day_closed_reason(office, day, now):
    """Why nobody can book `day` at the office now, or None if they can."""
    today = local_today(office, now)
    last = today + timedelta(days=office.booking_window_days)
    if day < today:
        return _("%(day)s is in the past (today at %(office)s is %(today)s).",
                 day=format_day(day), office=office.name, today=format_day(today))
    if day > last:
        return _("Bookings open %(days)s days ahead: the last day you can book now is "
                 "%(last)s.", days=office.booking_window_days, last=format_day(last))
    closed = closed_date_on(office, day)
    if closed is not None:
        return _("%(office)s is closed on %(day)s: %(name)s.", office=office.name,
                 day=format_day(day), name=closed.name)
    if day.isoweekday() not in office.open_weekdays:
        return _("%(office)s is closed on %(weekday)s.", office=office.name,
                 weekday=format_date(day, "EEEE", locale=language()))
    return None


def hour_begun(office, day, hour, now):
    """Whether the slot `hour` of `day` has begun at the office by `now` (no longer offered)."""
    local = local_time(office, now)
    return (day, hour) <= (local.date(), local.hour)


def office_dict(office):
    """The office as the API shows it (also the payload of its change-log entry)."""
    return {"code": office.code, "name": office.name, "timezone": office.timezone,
            "open_days": sorted(office.open_weekdays), "daily_quota": office.daily_quota,
            "slot_hours": office.hours, "slot_capacity": office.slot_capacity,
            "booking_window_days": office.booking_window_days,
            "hajj_regencies": office.regencies, "address": office.address,
            "closed_dates": [closed_date_dict(row) for row in
                             upcoming(office.code, local_today(office, clock_now()))]}


def get_office(code):
    """The office with `code`, or 404."""
    office = Office.get_or_none(Office.code == code.upper())
    if office is None:
        raise NotFound(_("There is no office with code %(code)s.", code=code))
    return office


def office_serving_regency(regency):
    """The office that serves hajj applicants from `regency`, or None."""
    for office in Office.select().order_by(Office.code):
        if regency in office.regencies:
            return office
    return None


def booked_by_hour(office, day, excluding=None):
    """{hour: places taken} for the office's day; `excluding`: a booking id not to count."""
    where = [Booking.office == office, Booking.date == day, Booking.status.in_(OCCUPYING)]
    if excluding is not None:
        where.append(Booking.id != excluding)
    query = (Booking.select(Booking.hour, fn.COUNT(Booking.id).alias("n"))
             .where(*where).group_by(Booking.hour))
    return {row.hour: row.n for row in query}


@reading()
def slots_view(office, day, now, taken=None):
    """The day's slots with places taken and still available at `now`: none on a closed
    day, none in a slot that has begun (the rules the booking itself applies). The booking
    calendar: read from the replica when there is one; the booking itself counts on the
    primary."""
    taken = booked_by_hour(office, day) if taken is None else taken
    closed = day_closed_reason(office, day, now)
    left_today = max(0, office.daily_quota - sum(taken.values()))
    slots = []
    for hour in office.hours:
        begun = hour_begun(office, day, hour, now)
        free = 0 if closed or begun else max(0, office.slot_capacity - taken.get(hour, 0))
        slots.append({"hour": hour, "capacity": office.slot_capacity, "begun": begun,
                      "booked": taken.get(hour, 0), "available": min(free, left_today)})
    return {"office": office.code, "date": day.isoformat(), "quota": office.daily_quota,
            "booked": sum(taken.values()), "bookable": closed is None,
            "available": min(left_today, sum(slot["available"] for slot in slots)),
            "closed_reason": closed, "slots": slots}


def normalise_fields(fields):
    """Office settings checked and stored in the model's text forms; raises Invalid."""
    out = dict(fields)
    if "timezone" in out:
        try:
            ZoneInfo(out["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(_("Unknown time zone %(zone)s.", zone=out["timezone"])) from None
    for key, low, high in (("open_days", 1, 7), ("slot_hours", 0, 23)):
        if key in out:
            out[key] = _int_list(key, out[key], low, high)
    if "hajj_regencies" in out:
        codes = [c.strip() for c in str(out["hajj_regencies"]).split(",") if c.strip()]
        if any(not (c.isdigit() and len(c) == 4) for c in codes):
            raise Invalid(_("Regencies are 4-digit codes separated by commas, e.g. 3601,3602."))
        out["hajj_regencies"] = ",".join(codes)
    for key in ("daily_quota", "slot_capacity", "booking_window_days"):
        if key in out and int(out[key]) < 1:
            raise Invalid(_("%(setting)s must be at least 1.", setting=key))
    if "address" in out:
        out["address"] = " ".join(str(out["address"]).split())[:200]
    return out


def _int_list(key, value, low, high):
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    try:
        numbers = sorted({int(str(v).strip()) for v in items if str(v).strip()})
    except ValueError:
        raise Invalid(_("%(setting)s must be numbers separated by commas.",
                        setting=key)) from None
    if not numbers or numbers[0] < low or numbers[-1] > high:
        raise Invalid(_("%(setting)s must list numbers from %(low)s to %(high)s.",
                        setting=key, low=low, high=high))
    return ",".join(str(n) for n in numbers)


def save_office(code, **fields):
    """Create the office or change its settings; logs the change only when something changed.

    Returns (office, "created" | "updated" | "unchanged").
    """
    fields = normalise_fields({k: v for k, v in fields.items() if k in EDITABLE and v is not None})
    with write_transaction(db):
        office = Office.get_or_none(Office.code == code.upper())
        if office is None:
            office, outcome = Office.create(code=code.upper(), **fields), "created"
        else:
            changed = {k: v for k, v in fields.items() if getattr(office, k) != v}
            if not changed:
                return office, "unchanged"
            for key, value in changed.items():
                setattr(office, key, value)
            office.save()
            outcome = "updated"
        record_change("office", office.code, office_dict(office), office=office.code)
    return office, outcome


def add_demo_offices():
    """SRG and CLG as the design describes them; running it again changes nothing."""
    results = []
    for code, fields in DEMO_OFFICES.items():
        office = Office.get_or_none(Office.code == code)
        results.append((office, "unchanged") if office else save_office(code, **fields))
    return results
