"""What an applicant can still book: every day of an office's booking window, with its places.

Each day is `offices.slots_view` (the same rules the booking applies: closed days,
slots that have begun, the slot capacity and the day's quota), counted from one
query over the whole window.
"""
from datetime import timedelta

from peewee import fn

from .db import reading
from .models import Booking
from .offices import OCCUPYING, local_today, slots_view


def window_days(office, now):
    """Today and every day up to the end of the booking window (office-local dates)."""
    today = local_today(office, now)
    return [today + timedelta(days=n) for n in range(office.booking_window_days + 1)]


@reading()
def calendar(office, now):
    """slots_view of every day of the window, in date order (from the replica when there
    is one, like the slots themselves; the booking counts on the primary)."""
    days = window_days(office, now)
    taken = _taken(office, days[0], days[-1])
    return [slots_view(office, day, now, taken=taken.get(day, {})) for day in days]


def _taken(office, first, last):
    """{day: {hour: places taken}} from first to last."""
    query = (Booking.select(Booking.date, Booking.hour, fn.COUNT(Booking.id).alias("n"))
             .where(Booking.office == office, Booking.date.between(first, last),
                    Booking.status.in_(OCCUPYING))
             .group_by(Booking.date, Booking.hour))
    taken = {}
    for row in query:
        taken.setdefault(row.date, {})[row.hour] = row.n
    return taken
