"""Passport suspensions for proven falsification: six months to two years.

Every office must enforce them, so issuing or lifting one is logged for all
offices (office=None) in the same transaction.
"""
import calendar
from datetime import date

from sync.database import write_transaction
from sync.i18n import _, format_day
from sync.nik import InvalidNik, parse_nik

from .changes import record_change
from .db import db
from .errors import Invalid, NotFound, Suspended
from .models import Suspension, naive_utc

MIN_MONTHS, MAX_MONTHS = 6, 24


def add_months(day, months):
    """`day` plus whole calendar months; the 31st becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def suspension_dict(suspension):
    """The suspension as branches receive it."""
    return {"id": suspension.id, "nik": suspension.nik, "reason": suspension.reason,
            "starts_on": suspension.starts_on.isoformat(),
            "ends_on": suspension.ends_on.isoformat(),
            "lifted": suspension.lifted_at is not None}


def issue_suspension(nik, months, reason, starts_on, now):
    """Suspend `nik` for `months` months from `starts_on`; raises Invalid outside 6..24."""
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise Invalid(_("A suspension lasts from %(min)s months to two years (%(max)s months); "
                        "%(months)s months is not allowed.", min=MIN_MONTHS, max=MAX_MONTHS,
                        months=months))
    if not reason.strip():
        raise Invalid(_("A suspension needs a reason."))
    try:
        nik = parse_nik(nik, starts_on).value
    except InvalidNik as exc:
        raise Invalid(str(exc), fields={"nik": str(exc)}) from None
    ends_on = add_months(starts_on, months)
    with write_transaction(db):
        suspension = Suspension.create(nik=nik, reason=reason.strip(), starts_on=starts_on,
                                       ends_on=ends_on, created_at=naive_utc(now))
        record_change("suspension", str(suspension.id), suspension_dict(suspension))
    return suspension


def lift_suspension(suspension_id, now):
    """Lift a suspension early (e.g. overturned on appeal); lifting twice changes nothing."""
    with write_transaction(db):
        suspension = Suspension.get_or_none(Suspension.id == suspension_id)
        if suspension is None:
            raise NotFound(_("There is no suspension %(id)s.", id=suspension_id))
        if suspension.lifted_at is None:
            suspension.lifted_at = naive_utc(now)
            suspension.save()
            record_change("suspension", str(suspension.id), suspension_dict(suspension))
    return suspension


def active_suspension(nik, first_day, last_day):
    """The suspension in force for `nik` on any day of first_day..last_day, or None."""
    return (Suspension.select()
            .where(Suspension.nik == nik, Suspension.starts_on <= last_day,
                   Suspension.ends_on >= first_day, Suspension.lifted_at.is_null())
            .order_by(Suspension.ends_on.desc()).first())


def refuse_if_suspended(nik, today, booking_day):
    """Raise Suspended, with the end date, if `nik` is suspended today or on the booked day."""
    suspension = active_suspension(nik, today, booking_day)
    if suspension is not None:
        raise Suspended(_("This NIK is suspended from passport services until %(day)s; "
                          "bookings are possible again after that date.",
                          day=format_day(suspension.ends_on)),
                        ends_on=suspension.ends_on.isoformat())


