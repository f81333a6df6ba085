"""Limits that keep one person (or one script) from draining a day or jumping the queue.

- per NIK: at most NIK_WAITING_PER_LANE waiting tickets in one lane, and at
  most NIK_TICKETS_PER_DAY tickets in a day;
- provisional check-ins (a booking code the local copy does not know, which the
  call policy puts ahead of walk-ins on trust): at most CAP_PROVISIONAL a day.

A supervisor's override passes them, and is recorded with the ticket. They
hold whatever the rate-limit switch says: they are rules of the queue, not
protection against load. Called inside the issuing write transaction, so two
kiosks cannot both pass the last place; the counts use prepared SQL (the
kiosk's hot path) on the (day, nik) and (office, day, issued_lane, seq) indexes.
"""
from flask import current_app

from sync.i18n import _

from . import errors
from .db import db
from .vocabulary import lane_name

NIK_TODAY = ("SELECT COUNT(*), MAX(CASE WHEN lane = ? AND status = 'waiting' THEN number END), "
             "COALESCE(SUM(lane = ? AND status = 'waiting'), 0) "
             "FROM ticket WHERE day = ? AND nik = ?")
PROVISIONAL_TODAY = ("SELECT COUNT(*) FROM ticket WHERE office = ? AND day = ? "
                     "AND issued_lane = 'booking' AND booking_verified = 0")


def check_nik(nik, lane, day, override_by=None):
    """Refuse a NIK past its limits; True when a supervisor's override passed one."""
    taken, waiting_number, waiting = db.execute_sql(NIK_TODAY, (lane, lane, str(day), nik)
                                                    ).fetchone()
    per_lane, per_day = _setting("NIK_WAITING_PER_LANE"), _setting("NIK_TICKETS_PER_DAY")
    if waiting >= per_lane:
        if override_by is None:
            raise errors.NikWaiting(_("This NIK already has ticket %(ticket)s waiting in the "
                                      "%(lane)s lane. Please wait for that number to be called "
                                      "(it is on the display board).", ticket=waiting_number,
                                      lane=lane_name(lane)), ticket=waiting_number)
        return True
    if taken >= per_day:
        if override_by is None:
            raise errors.NikDailyLimit(_("This NIK has taken %(count)s tickets today, the most "
                                         "one person may take. Please ask at the information "
                                         "desk.", count=taken))
        return True
    return False


def check_provisional(office, day, override_by=None):
    """Refuse a provisional check-in past today's cap; True when an override passed it."""
    cap = _setting("CAP_PROVISIONAL")
    used = db.execute_sql(PROVISIONAL_TODAY, (office, str(day))).fetchone()[0]
    if used < cap:
        return False
    if override_by is None:
        raise errors.ProvisionalCapReached(
            _("This booking code is not in the office's list yet, and today's %(cap)s check-ins "
              "that cannot be confirmed have all been taken. Please show your booking "
              "confirmation at the information desk.", cap=cap), cap=cap)
    return True


def provisional_used(office, day):
    """How many provisional check-ins were issued today (the supervisor's view)."""
    return db.execute_sql(PROVISIONAL_TODAY, (office, str(day))).fetchone()[0]


def _setting(name):
    return int(current_app.config[name])
