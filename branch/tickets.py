"""Issuing queue numbers: walk-in (A), priority (P) and booking check-in (B).

Numbers run per office, lane and office-local day. The next number is read
and written inside one BEGIN IMMEDIATE transaction, and the unique index
(office, day, issued_lane, seq) backs it up, so kiosks in several threads or
processes never share a number. Nothing here talks to central: bookings and
suspensions come from the local copies the sync job keeps.
"""
import functools
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from flask import current_app

from sync.i18n import _, format_day, format_hour
from sync.schema import LANE_LETTERS, MAX_BOOKING_CODE

from . import errors, limits, passes, suspension_list
from .clock import local_now, naive_utc, today, utcnow  # noqa: F401  (tickets.today et al.)
from .db import db
from .eligibility import LANES, REASONS, check_reason, checked_nik  # noqa: F401
from .models import LocalBooking, Refusal, Ticket
from .outbox import record_event
from .vocabulary import BOOKING_STATUS_NAMES, lane_name
from .writelock import write_turn

# What a booking code may hold: central's codes are office letters, a dash and letters and
# digits. Nothing else is let in, so no control or direction-override character can reorder
# how a code reads on the counter's screen.
BOOKING_CODE = re.compile(f"[A-Z0-9-]{{1,{MAX_BOOKING_CODE}}}")
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
                 pass_token=None, child_nik=None):
    """Issue the next number of `lane` for `nik`, or raise the refusal a person can act on.

    A booking check-in names its booking by code, by a signed pass, or both; the
    young-child priority lane needs the child's NIK too.
    """
    _check_override(override_by)
    now = utcnow(now)
    day = today(now)
    parsed = checked_nik(nik, day)
    child = check_reason(lane, reason, parsed, day, child_nik)
    proof = _checked_pass(lane, pass_token, parsed.value, day)
    suspension_list.require_trusted()
    with write_turn(db):
        ends_on = _suspension_end(parsed.value, day)
        if ends_on:
            _record_refusal(parsed.value, day, ends_on, now)
        else:
            ticket = _issue(lane, parsed, day, now, reason, booking_code, override_by, proof,
                            child)
    if ends_on:  # raised after the commit: the refusal itself must be kept
        raise errors.Suspended(ends_on)
    return ticket


def _checked_pass(lane, token, nik, day):
    if not token:
        return None
    if lane != "booking":
        raise errors.Invalid(_("A booking pass is only shown for a booking check-in."))
    return passes.verify_pass(token, nik, day)


def _check_override(staff):
    if staff is not None and staff.role != "supervisor":
        raise errors.Forbidden(_("Only a supervisor can issue a ticket beyond the daily cap."))


def _suspension_end(nik, day):
    """The latest end date of a suspension in force for `nik` on `day`, or None."""
    ends_on = db.execute_sql(SUSPENDED_UNTIL, (nik, str(day), str(day))).fetchone()[0]
    return date.fromisoformat(ends_on) if ends_on else None


def _record_refusal(nik, day, ends_on, now):
    Refusal.create(day=day, nik=nik, suspension_ends_on=ends_on, at=now.replace(tzinfo=None))
    record_event(_office(), day, "suspended_refused", nik=nik, suspension_ends_on=ends_on)


def _issue(lane, parsed, day, now, reason, booking_code, override_by, proof=None, child=None):
    office = _office()
    # The booking's own refusals first: they say more than the NIK limits would.
    check_in = _booking_for(booking_code, parsed.value, day, proof) if lane == "booking" else None
    overridden = limits.check_nik(parsed.value, lane, day, override_by)
    if check_in and check_in.verified_by is None:
        overridden = limits.check_provisional(office, day, override_by) or overridden
    seq = db.execute_sql(NEXT_SEQ, (office, str(day), lane)).fetchone()[0]
    beyond_quota = _beyond_cap(lane, seq, override_by)
    override_name = override_by.username if beyond_quota or overridden else None
    stamp = now.replace(tzinfo=None)
    ticket = _insert_ticket(
        office=office, day=day, lane=lane, issued_lane=lane, seq=seq,
        number=f"{LANE_LETTERS[lane]}{seq:03d}",
        nik=parsed.value, regency=parsed.regency, reason=reason,
        child_nik=child.value if child else None, beyond_quota=beyond_quota,
        override_by=override_name,
        booking_code=check_in.code if check_in else None,
        booking_verified=(check_in.verified_by is not None) if check_in else None,
        verified_by=check_in.verified_by if check_in else None,
        slot_hour=check_in.hour if check_in else None, status="waiting", recalls=0,
        issued_at=stamp, queued_at=stamp, token=secrets.token_urlsafe(16))
    record_event(office, day, "ticket_issued", ticket=ticket.number, lane=lane, nik=parsed.value,
                 regency=parsed.regency, reason=reason, beyond_quota=beyond_quota,
                 booking_code=ticket.booking_code, staff=override_name)
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
        raise errors.CapReached(_("Today's %(cap)s tickets for the %(lane)s lane have all been "
                                  "issued. Please ask at the information desk: a supervisor "
                                  "can issue more.", cap=int(cap), lane=lane_name(lane)),
                                cap=int(cap))
    return True


def _booking_for(code, nik, day, proof):
    """The CheckIn behind `code` and/or the verified pass `proof`, or a refusal.

    The local copy, when it has the booking, decides (it may know of a cancellation
    or a new slot the pass cannot); a pass for a booking not pulled yet is enough on
    its own; a code alone that the copy lacks is a provisional check-in.
    """
    code = (code or (proof.code if proof else "")).strip().upper()
    if not code:
        raise errors.Invalid(_("A booking check-in needs the booking code."))
    if not BOOKING_CODE.fullmatch(code):
        raise errors.Invalid(_("A booking code has at most %(count)d letters and digits, "
                               "as on the booking confirmation.", count=MAX_BOOKING_CODE),
                             fields={"booking_code": _("Check the booking code.")})
    if proof and proof.code != code:
        raise errors.BookingMismatch(_("The booking pass is for booking %(pass_code)s, not "
                                       "%(code)s.", pass_code=proof.code, code=code))
    booking = LocalBooking.get_or_none(LocalBooking.code == code)
    earlier = (booking.ticket if booking else None) or _provisional_ticket(code, day)
    if earlier:
        raise errors.AlreadyCheckedIn(_("Booking %(code)s is already checked in as ticket "
                                        "%(ticket)s. Please wait for that number to be "
                                        "called.", code=code, ticket=earlier), ticket=earlier)
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
        raise errors.BookingMismatch(_("Booking %(code)s was made for another NIK. Please "
                                       "enter the NIK the booking was made with.",
                                       code=booking.code))
    if booking.status == "cancelled":
        raise errors.BookingCancelled(_("Booking %(code)s was cancelled; please take a general "
                                        "ticket instead.", code=booking.code))
    if booking.status in USED_STATUSES:
        raise errors.AlreadyCheckedIn(_("Booking %(code)s has already been used (%(status)s). "
                                        "Please ask at the information desk.",
                                        code=booking.code,
                                        status=BOOKING_STATUS_NAMES[booking.status]),
                                      ticket=None)
    if booking.office != _office():
        raise errors.WrongOffice(_("Booking %(code)s is for office %(office)s, not this one "
                                   "(%(here)s). Please go to that office.", code=booking.code,
                                   office=booking.office, here=_office()),
                                 office=booking.office)
    if booking.date != day:
        zone = current_app.config["TIMEZONE"]
        raise errors.WrongDay(_("Booking %(code)s is for %(day)s at %(hour)s, not today. Please "
                                "come back that day, or take a general ticket.",
                                code=booking.code, day=format_day(booking.date),
                                hour=format_hour(booking.hour, zone)),
                              day=booking.date.isoformat())


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
