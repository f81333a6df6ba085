"""Issuing queue numbers: walk-in (A), priority (P) and booking check-in (B).

Numbers run per office, lane and office-local day. The next number is read
and written inside one BEGIN IMMEDIATE transaction, and the unique index
(office, day, issued_lane, seq) backs it up, so kiosks in several threads or
processes never share a number. Nothing here talks to central: bookings and
suspensions come from the local copies the sync job keeps.
"""
import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional
from typing import get_args

from flask import current_app

from sync import nik as niks
from sync.i18n import _
from sync.schema import LANE_LETTERS, Reason

from . import errors, passes, suspension_list
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


@dataclass(frozen=True)
class CheckIn:
    """How a booking check-in is backed: the local copy's booking, a signed pass, or
    nothing yet (provisional: sync verifies it later)."""
    code: str
    booking: Optional[LocalBooking] = None
    hour: Optional[int] = None
    verified_by: Optional[str] = None       # "copy" | "pass" | None


def issue_ticket(lane, nik, reason=None, booking_code=None, override_by=None, now=None,
                 pass_token=None):
    """Issue the next number of `lane` for `nik`, or raise the refusal a person can act on.

    A booking check-in names its booking by code, by a signed pass, or both.
    """
    _check_override(override_by)
    now = utcnow(now)
    day = today(now)
    parsed = _checked_nik(nik, day)
    _check_reason(lane, reason, parsed, day)
    proof = _checked_pass(lane, pass_token, parsed.value, day)
    suspension_list.require_trusted()
    with write_turn(db):
        ends_on = _suspension_end(parsed.value, day)
        if ends_on:
            _record_refusal(parsed.value, day, ends_on, now)
        else:
            ticket = _issue(lane, parsed, day, now, reason, booking_code, override_by, proof)
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


def _checked_pass(lane, token, nik, day):
    if not token:
        return None
    if lane != "booking":
        raise errors.Invalid(_("A booking pass is only shown for a booking check-in."))
    return passes.verify_pass(token, nik, day)


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


def _issue(lane, parsed, day, now, reason, booking_code, override_by, proof=None):
    office = _office()
    check_in = _booking_for(booking_code, parsed.value, day, proof) if lane == "booking" else None
    seq = db.execute_sql(NEXT_SEQ, (office, str(day), lane)).fetchone()[0]
    beyond_quota = _beyond_cap(lane, seq, override_by)
    stamp = now.replace(tzinfo=None)
    ticket = _insert_ticket(
        office=office, day=day, lane=lane, issued_lane=lane, seq=seq,
        number=f"{LANE_LETTERS[lane]}{seq:03d}",
        nik=parsed.value, regency=parsed.regency, reason=reason, beyond_quota=beyond_quota,
        booking_code=check_in.code if check_in else None,
        booking_verified=(check_in.verified_by is not None) if check_in else None,
        verified_by=check_in.verified_by if check_in else None,
        slot_hour=check_in.hour if check_in else None, status="waiting", recalls=0,
        issued_at=stamp, queued_at=stamp)
    record_event(office, day, "ticket_issued", ticket=ticket.number, lane=lane, nik=parsed.value,
                 regency=parsed.regency, reason=reason, beyond_quota=beyond_quota,
                 booking_code=ticket.booking_code,
                 staff=override_by.username if beyond_quota else None)
    if check_in:
        _check_in(check_in, ticket, office, day)
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


def _booking_for(code, nik, day, proof):
    """The CheckIn behind `code` and/or the verified pass `proof`, or a refusal.

    The local copy, when it has the booking, decides (it may know of a cancellation
    or a new slot the pass cannot); a pass for a booking not pulled yet is enough on
    its own; a code alone that the copy lacks is a provisional check-in.
    """
    code = (code or (proof.code if proof else "")).strip().upper()
    if not code:
        raise errors.Invalid("A booking check-in needs the booking code.")
    if proof and proof.code != code:
        raise errors.BookingMismatch(_("The booking pass is for booking %(pass_code)s, not "
                                       "%(code)s.", pass_code=proof.code, code=code))
    booking = LocalBooking.get_or_none(LocalBooking.code == code)
    earlier = (booking.ticket if booking else None) or _provisional_ticket(code, day)
    if earlier:
        raise errors.AlreadyCheckedIn(f"Booking {code} is already checked in as ticket "
                                      f"{earlier}.", ticket=earlier)
    if booking is None:
        return CheckIn(code, None, proof.hour, "pass") if proof else CheckIn(code)
    _check_booking(booking, nik, day)
    if proof and (proof.day, proof.hour) != (booking.date, booking.hour):
        raise errors.OutdatedPass(_("This booking pass is out of date: the booking was moved "
                                    "to another time. Please show the newest pass."))
    return CheckIn(code, booking, booking.hour, "pass" if proof else "copy")


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


def _check_in(check_in, ticket, office, day):
    if check_in.booking is not None:
        check_in.booking.ticket = ticket.number
        check_in.booking.save(only=[LocalBooking.ticket])
    # by_pass only when true: other check-ins keep the payload older centrals know.
    by_pass = {"by_pass": True} if check_in.verified_by == "pass" else {}
    record_event(office, day, "booking_checked_in", ticket=ticket.number,
                 booking_code=ticket.booking_code, nik=ticket.nik,
                 verified=check_in.verified_by is not None, **by_pass)


def _office():
    return current_app.config["OFFICE"]
