"""Bookings: an applicant takes a place in an office's hour slot, and never one too many.

The quota rule lives in two functions: `office_counting_transaction` makes the
counts stable until commit, `refuse_if_full` says whether a place is left.
"""
import hmac
import secrets
from contextlib import contextmanager

from peewee import IntegrityError

from sync.database import is_postgres, write_transaction
from sync.i18n import _, format_day, format_hour
from sync.nik import InvalidNik, mask_nik, parse_nik
from sync.regions import regency_name

from .changes import record_change
from .db import db
from .errors import (DuplicateBooking, Invalid, NotCancellable, NotFound,
                     QuotaFull, SlotFull, WrongOffice)
from .models import Booking, Office, naive_utc
from .offices import (booked_by_hour, day_closed_reason, get_office, hour_begun, local_today,
                      office_serving_regency)
from .signing import booking_pass
from .suspensions import refuse_if_suspended

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I: read over the phone
CODE_LENGTH = 8                                      # 32 ** 8 = 2 ** 40 codes


def booking_dict(booking):
    """The booking as the API shows it (also the payload of its change-log entry)."""
    return {"code": booking.code, "office": booking.office.code,
            "date": booking.date.isoformat(), "hour": booking.hour, "nik": booking.nik,
            "name": booking.name, "purpose": booking.purpose, "status": booking.status}


@contextmanager
def office_counting_transaction(office_code):
    """A transaction in which nobody else can book at the office until we commit.

    SQLite: BEGIN IMMEDIATE takes the database's write lock before we count.
    PostgreSQL: the office row is locked (SELECT ... FOR NO KEY UPDATE), so
    bookings for one office queue while other offices proceed. NO KEY: rows
    merely referencing the office (foreign keys) need not wait for us, so a
    writer holding the change-log lock can never deadlock with us. Yields the
    locked office.
    """
    with write_transaction(db):
        query = Office.select().where(Office.code == office_code)
        if is_postgres(db):
            query = query.for_update("FOR NO KEY UPDATE")
        yield query.get()


def refuse_if_full(office, day, hour, moving=None):
    """Raise QuotaFull or SlotFull when no place is left at `hour` on `day`.

    `moving`: a booking of the office that would move there; its own place does not count.
    It is left out of the count by id rather than subtracted: on PostgreSQL a cancel that
    commits while we count (cancels take no office lock) would otherwise be subtracted twice.
    """
    taken = booked_by_hour(office, day, excluding=moving.id if moving is not None else None)
    if sum(taken.values()) >= office.daily_quota:
        raise QuotaFull(_("All %(quota)s online places at %(office)s on %(day)s are taken; "
                          "please choose another day.", quota=office.daily_quota,
                          office=office.name, day=format_day(day)))
    if taken.get(hour, 0) >= office.slot_capacity:
        raise SlotFull(_("The %(hour)s slot at %(office)s on %(day)s is full; please choose "
                         "another hour.", hour=format_hour(hour, office.timezone),
                         office=office.name, day=format_day(day)))


def create_booking(request, now, office=None):
    """Book a place for `request` (a schemas.BookingRequest) at the instant `now`.

    `office`: the request's office, when the caller has read it already (the site).
    """
    office = office if office is not None and office.code == request.office.upper() \
        else get_office(request.office)
    nik = check_applicant(office, request, now)
    # Committed-data reads first: once the day is gone, refusals need no write lock.
    refuse_duplicate(nik.value, now)
    refuse_if_full(office, request.date, request.hour)
    try:
        with office_counting_transaction(office.code) as office:
            expire_past_bookings(nik.value, now)
            refuse_duplicate(nik.value, now)
            refuse_if_full(office, request.date, request.hour)
            return _insert(office, request, nik.value, now)
    except IntegrityError:
        # booking_one_active_per_nik: the same NIK booked at another office meanwhile.
        raise DuplicateBooking(_already_booked()) from None


def check_applicant(office, request, now):
    """The parsed NIK, once day, hour, NIK, suspensions and hajj routing allow the booking."""
    today = local_today(office, now)
    check_day_and_hour(office, request.date, request.hour, now)
    nik = _parse_nik(request.nik, today)
    refuse_if_suspended(nik.value, today, request.date)
    refuse_wrong_office(office, nik, request.purpose)
    return nik


def _insert(office, request, nik, now):
    code = new_code(office)
    booking = Booking.create(
        code=code, office=office, date=request.date, hour=request.hour, nik=nik,
        name=request.name, phone=request.phone, purpose=request.purpose,
        created_at=naive_utc(now),
        pass_token=booking_pass(code, office.code, request.date, request.hour, nik))
    record_change("booking", booking.code, booking_dict(booking), office=office.code)
    return booking


def check_day_and_hour(office, day, hour, now):
    """Raise Invalid (with a reason per field) unless `day` and `hour` can be booked."""
    reason = day_closed_reason(office, day, now)
    if reason:
        raise Invalid(reason, fields={"date": reason})
    if hour not in office.hours:
        starts = ", ".join(format_hour(h, office.timezone) for h in office.hours)
        reason = _("%(hour)s is not a slot at %(office)s; slots start at %(starts)s.",
                   hour=format_hour(hour, office.timezone), office=office.name, starts=starts)
        raise Invalid(reason, fields={"hour": reason})
    if hour_begun(office, day, hour, now):
        reason = _("The %(hour)s slot today has already started; please choose a later one.",
                   hour=format_hour(hour, office.timezone))
        raise Invalid(reason, fields={"hour": reason})


def refuse_wrong_office(office, nik, purpose):
    """Hajj applicants are assigned by regency: send them to the office that serves theirs."""
    if purpose != "hajj":
        return
    serving = office_serving_regency(nik.regency)
    if serving is not None and serving.code != office.code:
        raise WrongOffice(_("Hajj applicants from %(regency)s are served by %(office)s "
                            "(%(code)s); please book there.", regency=regency_name(nik.regency),
                            office=serving.name, code=serving.code),
                          office=serving.code, office_name=serving.name)


def expire_past_bookings(nik, now):
    """A booking whose day passed unused no longer counts as the NIK's active booking."""
    for booking in (Booking.select(Booking, Office).join(Office)
                    .where(Booking.nik == nik, Booking.status == Booking.ACTIVE)):
        if booking.date < local_today(booking.office, now):
            booking.status = "expired"
            booking.save()
            record_change("booking", booking.code, booking_dict(booking),
                          office=booking.office.code)


def refuse_duplicate(nik, now):
    """One active booking per NIK (the unique index enforces it; this says it kindly).

    A booking whose day has passed does not count: it expires at the next attempt.
    The refusal names no booking (neither its code nor where and when): a NIK is no
    proof of who is asking (it is printed on the KTP, and copied wherever one is shown),
    and with the code the NIK would open, move and cancel that person's booking.
    """
    # Only the columns the answer needs: this runs on every attempt, hot in a rush.
    for active in (Booking.select(Booking.date, Office.timezone)
                   .join(Office).where(Booking.nik == nik, Booking.status == Booking.ACTIVE)):
        if active.date >= local_today(active.office, now):
            raise DuplicateBooking(_already_booked())


def _already_booked():
    return _("This NIK already has an active booking. Open it with its code (on the "
             "confirmation or the pass) to move or cancel it, or ask at the office.")


def new_code(office):
    """A short booking code nobody can guess, e.g. SRG-7K3M9QXA.

    8 characters from 32 = 40 bits from the system's CSPRNG: with lookups limited per
    address (RATELIMIT_LOOKUP) and needing the NIK too, guessing one is hopeless. The
    office lock is held while this runs (the code starts with the office), so a code
    seen unused here stays unused until our insert.
    """
    while True:
        code = f"{office.code[:4]}-" + "".join(secrets.choice(CODE_ALPHABET)
                                               for _ in range(CODE_LENGTH))
        if not Booking.select().where(Booking.code == code).exists():
            return code


def booking_answer(booking):
    """What the applicant gets back: the booking and its signed pass (for the QR code)."""
    token = booking.pass_token or booking_pass(booking.code, booking.office.code, booking.date,
                                               booking.hour, booking.nik)
    return {**booking_dict(booking), "pass": token}


def get_booking(code):
    """The booking with `code`, or 404."""
    booking = (Booking.select(Booking, Office).join(Office)
               .where(Booking.code == code.strip().upper()).first())
    if booking is None:
        raise NotFound(_("There is no booking with code %(code)s.", code=code))
    return booking


def lookup_booking(code, nik):
    """The booking with `code` if `nik` is its own; one answer for a wrong code and a wrong
    NIK (404), so a lookup tells nobody which codes exist."""
    try:
        booking = get_booking(code)
    except NotFound:
        booking = None
    refuse_unless_owner(booking, nik)
    return booking


def refuse_unless_owner(booking, nik):
    """Only the person whose NIK a booking carries may see or change it (look up, cancel,
    move). A wrong NIK is refused exactly as an unknown code, and compared in constant
    time: neither the answer nor its timing says that the code exists."""
    typed = "".join((nik or "").split())
    own = booking.nik if booking is not None else "0" * 16
    if not hmac.compare_digest(own.encode(), typed.encode()) or booking is None:
        raise NotFound(_("There is no booking with this code and NIK; check both and try "
                         "again."))


def public_booking(booking):
    """A booking as an answer to someone who proved code and NIK: the NIK masked, as in
    every public answer, and the pass for the QR code while the booking can be used."""
    shown = booking_answer(booking) if booking.status == Booking.ACTIVE else booking_dict(booking)
    return {**shown, "nik": mask_nik(booking.nik)}


def cancel_booking(code, nik, now):
    """Cancel a booking for the person whose NIK it carries; the place is free again."""
    with write_transaction(db):
        return _cancel(lookup_booking(code, nik), now)


def cancel_as_admin(code, now):
    """Cancel a booking whatever NIK it carries (the admin console, audited there)."""
    with write_transaction(db):
        booking = get_booking(code)
        if booking.status == "cancelled":     # an admin is told, not silently obliged
            raise NotCancellable(_("Booking %(code)s is already cancelled.", code=booking.code))
        return _cancel(booking, now)


def _cancel(booking, now):
    """The one rule for cancelling: only an active booking whose day has not passed."""
    if booking.status == "cancelled":
        return booking   # cancelling twice is harmless (a retried request)
    if booking.status != Booking.ACTIVE or booking.date < local_today(booking.office, now):
        raise NotCancellable(_("This booking can no longer be cancelled (status: "
                               "%(status)s, day: %(day)s).", status=status_name(booking),
                               day=format_day(booking.date)))
    booking.status, booking.cancelled_at = "cancelled", naive_utc(now)
    # Only these columns: a move committed since we read the row keeps its day and hour.
    booking.save(only=[Booking.status, Booking.cancelled_at])
    record_change("booking", booking.code, booking_dict(booking), office=booking.office.code)
    return booking


def status_name(booking):
    """The booking's status in words: "booked" -> "aktif"."""
    return {"booked": _("booked"), "cancelled": _("cancelled"), "checked_in": _("checked in"),
            "served": _("served"), "expired": _("expired")}.get(booking.status, booking.status)


def _parse_nik(text, today):
    try:
        return parse_nik(text, today)
    except InvalidNik as exc:
        raise Invalid(str(exc), fields={"nik": str(exc)}) from None
