"""Finding bookings by code or NIK, and each one's history: created, every status it took
(the change log), checked in and served where and when (the branch's events), cancelled
by an admin and why (the audit log), and the conflicts it is in."""
import json

from peewee import SQL

from sync.database import json_text
from sync.i18n import _l, format_day, format_hour

from ..conflicts import describe
from ..db import db
from ..merged import Conflict, MergedTicket, ReceivedEvent
from ..models import Booking, Change, Office
from . import audit
from .web import OUTCOMES

FOUND_AT_MOST = 50
PURPOSES = {"general": _l("General"), "hajj": _l("Hajj"), "umrah": _l("Umrah")}
STATUSES = {"booked": _l("Booked"), "cancelled": _l("Cancelled"),
            "checked_in": _l("Checked in"), "served": _l("Served"), "expired": _l("Expired")}
HISTORY_NAMES = {
    "created": _l("Booked online"),
    "status.cancelled": _l("Status: cancelled"), "status.checked_in": _l("Status: checked in"),
    "status.served": _l("Status: served"), "status.expired": _l("Status: expired (not used)"),
    "status.booked": _l("Status: booked"),
    "checked_in": _l("Checked in at the office, ticket"),
    "finished": _l("Served at the office"),
    "booking.cancelled": _l("Cancelled by an admin"),
    "conflict": _l("Conflict found by sync"),
}


def find_bookings(text):
    """Bookings whose code is `text`, or of the NIK `text` (16 digits); newest first."""
    text = "".join((text or "").split()).upper()
    if not text:
        return []
    query = Booking.select(Booking, Office).join(Office)
    if text.isdigit() and len(text) == 16:
        query = query.where(Booking.nik == text)
    else:
        query = query.where(Booking.code == text)
    return list(query.order_by(Booking.created_at.desc()).limit(FOUND_AT_MOST))


def history(booking):
    """What happened to the booking, oldest first: [{at, what, where, detail, by}]."""
    steps = [_step(booking.created_at, "created", booking.office.code,
                   f"{format_day(booking.date)}, "
                   f"{format_hour(booking.hour, booking.office.timezone)}")]
    steps += _status_changes(booking)
    steps += _branch_events(booking)
    steps += [_step(e.at, e.action, None, e.reason, by=e.actor)
              for e in audit.about(f"booking:{booking.code}")]
    steps += [_step(c.created_at, "conflict", c.office, describe(c))
              for c in Conflict.select().where(Conflict.subject == booking.code)]
    return sorted(steps, key=lambda step: step["at"])


def _step(at, what, where, detail="", by=None):
    return {"at": at, "what": what, "where": where, "detail": detail, "by": by}


def _status_changes(booking):
    """Each status the booking took after it was made, from central's change log."""
    steps, last = [], "booked"
    for change in (Change.select().where(Change.kind == "booking", Change.key == booking.code)
                   .order_by(Change.seq)):
        status = json.loads(change.payload).get("status")
        if status != last:
            steps.append(_step(change.created_at, f"status.{status}", None))
            last = status
    return steps


def _branch_events(booking):
    """The check-in and the service at the branch (its clock), from the events received."""
    office, day = booking.office.code, booking.date
    check_ins = _events(office, day, "booking_checked_in",
                        json_text(db, "payload", "booking_code"), booking.code)
    steps = [_step(e.created_at, "checked_in", office, _ticket_of(e)) for e in check_ins]
    numbers = {_ticket_of(e) for e in check_ins} | ({booking.ticket} if booking.ticket else set())
    for number in sorted(n for n in numbers if n):
        ticket = MergedTicket.get_or_none(MergedTicket.office == office, MergedTicket.day == day,
                                          MergedTicket.number == number)
        finished = _events(office, day, "ticket_finished", json_text(db, "payload", "ticket"),
                           number)
        steps += [_step(e.created_at, "finished", office, _finished(number, e, ticket))
                  for e in finished]
    return steps


def _finished(number, event, ticket):
    """"B001: Paspor terbit (2)": the ticket, its outcome in words, the counter."""
    outcome = json.loads(event.payload)["outcome"]
    counter = f" ({ticket.counter})" if ticket and ticket.counter else ""
    return f"{number}: {OUTCOMES.get(outcome, outcome)}{counter}"


def _events(office, day, kind, field_sql, value):
    """The office-day's events of `kind` whose payload field (SQL `field_sql`) is `value`:
    the key's (office, day) prefix keeps this to one office-day's events."""
    return list(ReceivedEvent.select().where(
        ReceivedEvent.office == office, ReceivedEvent.day == day, ReceivedEvent.kind == kind,
        SQL(f"{field_sql} = {db.param}", [value])).order_by(ReceivedEvent.seq))


def _ticket_of(event):
    return json.loads(event.payload).get("ticket")
