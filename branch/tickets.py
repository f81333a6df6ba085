"""Issuing queue numbers: walk-in (A), priority (P) and booking check-in (B).

Numbers run per office, lane and office-local day. The next number is read
and written inside one BEGIN IMMEDIATE transaction, and the unique index
(office, day, issued_lane, seq) backs it up, so kiosks in several threads or
processes never share a number. Nothing here talks to central: bookings and
suspensions come from the local copies the sync job keeps.
"""
import functools
from datetime import date, datetime
from typing import get_args

from flask import current_app

from sync import nik as niks
from sync.schema import LANE_LETTERS, Reason

from . import errors
from .clock import local_now, naive_utc, today, utcnow  # noqa: F401  (tickets.today et al.)
from .db import db
from .models import LocalBooking, Refusal, Ticket
from .outbox import record_event
from .writelock import write_turn

LANES = tuple(LANE_LETTERS)
REASONS = get_args(Reason)
USED_STATUSES = ("checked_in", "served")   # central saw it checked in (at any office)
CAPS = {"general": "CAP_GENERAL", "priority": "CAP_PRIORITY"}   # bookings: central's quota

# The kiosk's hot path as prepared SQL (branch runs on SQLite only). Building
# these with peewee cost more CPU than SQLite spends running them, and all of it
# inside the write lock; tests read the rows back through the models.
SUSPENDED_UNTIL = ("SELECT MAX(ends_on) FROM local_suspension WHERE nik = ? AND lifted = 0 "
                   "AND starts_on <= ? AND ends_on >= ?")
NEXT_SEQ = ("SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket "
            "WHERE office = ? AND day = ? AND issued_lane = ?")


def issue_ticket(lane, nik, reason=None, booking_code=None, override_by=None, now=None):
    """Issue the next number of `lane` for `nik`, or raise the refusal a person can act on."""
    _check_override(override_by)
    now = utcnow(now)
    day = today(now)
    parsed = _checked_nik(nik, day)
    _check_reason(lane, reason, parsed, day)
    with write_turn(db):
        ends_on = _suspension_end(parsed.value, day)
        if ends_on:
            _record_refusal(parsed.value, day, ends_on, now)
        else:
            ticket = _issue(lane, parsed, day, now, reason, booking_code, override_by)
    if ends_on:  # raised after the commit: the refusal itself must be kept
        raise errors.Suspended(ends_on)
    return ticket


def _checked_nik(nik, day):
    try:
        return niks.parse_nik(nik, today=day)
    except niks.InvalidNik as exc:
        raise errors.InvalidNik(str(exc)) from None


def _check_reason(lane, reason, parsed, day):
    if lane not in LANES:
        raise errors.Invalid(f"Unknown lane {lane!r}; choose one of {', '.join(LANES)}.")
    if lane != "priority":
        if reason:
            raise errors.Invalid("A reason is only given for the priority lane.")
        return
    if reason not in REASONS:
        raise errors.Invalid("The priority lane needs a reason: elderly, pregnant or disability.")
    age = parsed.age_on(day)
    if reason == "elderly" and age < current_app.config["ELDERLY_AGE"]:
        raise errors.NotElderly(f"The priority lane for the elderly is for people aged "
                                f"{current_app.config['ELDERLY_AGE']} or over; this NIK's "
                                f"holder is {age}.")


def _check_override(staff):
    if staff is not None and staff.role != "supervisor":
        raise errors.Forbidden("Only a supervisor can issue a ticket beyond the daily cap.")


def _suspension_end(nik, day):
    """The latest end date of a suspension in force for `nik` on `day`, or None."""
    ends_on = db.execute_sql(SUSPENDED_UNTIL, (nik, str(day), str(day))).fetchone()[0]
    return date.fromisoformat(ends_on) if ends_on else None


def _record_refusal(nik, day, ends_on, now):
    Refusal.create(day=day, nik=nik, suspension_ends_on=ends_on, at=now.replace(tzinfo=None))
    record_event(_office(), day, "suspended_refused", nik=nik, suspension_ends_on=ends_on)


def _issue(lane, parsed, day, now, reason, booking_code, override_by):
    office = _office()
    booking = _booking_for(booking_code, parsed.value, day) if lane == "booking" else None
    seq = db.execute_sql(NEXT_SEQ, (office, str(day), lane)).fetchone()[0]
    beyond_quota = _beyond_cap(lane, seq, override_by)
    stamp = now.replace(tzinfo=None)
    ticket = _insert_ticket(
        office=office, day=day, lane=lane, issued_lane=lane, seq=seq,
        number=f"{LANE_LETTERS[lane]}{seq:03d}",
        nik=parsed.value, regency=parsed.regency, reason=reason, beyond_quota=beyond_quota,
        booking_code=booking_code if lane == "booking" else None,
        booking_verified=(booking is not None) if lane == "booking" else None,
        slot_hour=booking.hour if booking else None, status="waiting", recalls=0,
        issued_at=stamp, queued_at=stamp)
    record_event(office, day, "ticket_issued", ticket=ticket.number, lane=lane, nik=parsed.value,
                 regency=parsed.regency, reason=reason, beyond_quota=beyond_quota,
                 booking_code=ticket.booking_code,
                 staff=override_by.username if beyond_quota else None)
    if lane == "booking":
        _check_in(booking, ticket, office, day)
    return ticket


def _insert_ticket(**fields):
    """INSERT the ticket with prepared SQL; the Ticket returned is what peewee would read back."""
    values = [str(v) if isinstance(v, (date, datetime)) else v for v in fields.values()]
    cursor = db.execute_sql(_insert_sql("ticket", tuple(fields)), values)
    return Ticket(id=cursor.lastrowid, **fields)


@functools.lru_cache(maxsize=None)
def _insert_sql(table, columns):
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _beyond_cap(lane, seq, override_by):
    """True when this ticket passes the lane's cap (allowed only with a supervisor)."""
    cap = current_app.config[CAPS[lane]] if lane in CAPS else None
    if cap is None or seq <= int(cap):
        return False
    if override_by is None:
        raise errors.CapReached(f"Today's {int(cap)} {lane} tickets have all been issued; "
                                "a supervisor can issue more.", cap=int(cap))
    return True


def _booking_for(code, nik, day):
    """The local booking behind `code`, None for a provisional check-in, or a refusal."""
    if not code:
        raise errors.Invalid("A booking check-in needs the booking code.")
    booking = LocalBooking.get_or_none(LocalBooking.code == code)
    earlier = (booking.ticket if booking else None) or _provisional_ticket(code, day)
    if earlier:
        raise errors.AlreadyCheckedIn(f"Booking {code} is already checked in as ticket "
                                      f"{earlier}.", ticket=earlier)
    if booking is None:
        return None
    _check_booking(booking, nik, day)
    return booking


def _provisional_ticket(code, day):
    found = (Ticket.select(Ticket.number)
             .where(Ticket.booking_code == code, Ticket.day == day).first())
    return found.number if found else None


def _check_booking(booking, nik, day):
    if booking.nik != nik:
        raise errors.BookingMismatch(f"Booking {booking.code} was made for another NIK.")
    if booking.status == "cancelled":
        raise errors.BookingCancelled(f"Booking {booking.code} was cancelled; please take a "
                                      "walk-in ticket instead.")
    if booking.status in USED_STATUSES:
        raise errors.AlreadyCheckedIn(f"Booking {booking.code} has already been used "
                                      f"({booking.status.replace('_', ' ')}).", ticket=None)
    if booking.office != _office():
        raise errors.WrongOffice(f"Booking {booking.code} is for office {booking.office}, "
                                 f"not {_office()}.", office=booking.office)
    if booking.date != day:
        raise errors.WrongDay(f"Booking {booking.code} is for {booking.date:%d %B %Y} at "
                              f"{booking.hour:02d}:00, not today.", day=booking.date.isoformat())


def _check_in(booking, ticket, office, day):
    if booking is not None:
        booking.ticket = ticket.number
        booking.save(only=[LocalBooking.ticket])
    record_event(office, day, "booking_checked_in", ticket=ticket.number,
                 booking_code=ticket.booking_code, nik=ticket.nik, verified=booking is not None)


def _office():
    return current_app.config["OFFICE"]
