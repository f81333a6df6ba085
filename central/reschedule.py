"""Moving a booking to another free slot of its office, in one atomic step.

The booking keeps its row, its code and its status: one UPDATE gives it the new
day and hour (and a new signed pass) inside the office's counting transaction,
after the new slot was found free. So the old place is freed exactly when the
new one is taken, never before; and since the row stays active throughout, the
one-active-booking rule never has a gap in which the NIK could book twice.
"""
from sync.i18n import _, format_day, format_hour

from .booking import (booking_dict, check_day_and_hour, get_booking, office_counting_transaction,
                      refuse_if_full, refuse_unless_owner, status_name)
from .changes import record_change
from .errors import NotCancellable
from .models import Booking
from .offices import hour_begun, local_today
from .signing import booking_pass
from .suspensions import refuse_if_suspended


class NotMovable(NotCancellable):
    code = "not_movable"


def reschedule_booking(code, nik, day, hour, now):
    """Move booking `code` (owned by `nik`) to `hour` on `day`; the moved booking."""
    booking = get_booking(code)
    refuse_unless_owner(booking, nik)
    office = booking.office
    check_day_and_hour(office, day, hour, now)
    refuse_if_suspended(booking.nik, local_today(office, now), day)
    with office_counting_transaction(office.code) as office:
        current = get_booking(code)          # as it is now that nobody else can book here
        _refuse_unless_movable(current, now)
        if (current.date, current.hour) == (day, hour):
            return current
        refuse_if_full(office, day, hour, moving=current)
        token = booking_pass(current.code, office.code, day, hour, current.nik)
        # Conditional: a cancel that committed meanwhile (it takes no office lock) wins.
        moved = (Booking.update(date=day, hour=hour, pass_token=token)
                 .where(Booking.id == current.id, Booking.status == Booking.ACTIVE).execute())
        if moved != 1:
            raise NotMovable(_("This booking was just cancelled; it can no longer be moved."))
        current = get_booking(code)
        record_change("booking", current.code, booking_dict(current), office=office.code)
    return current


def _refuse_unless_movable(booking, now):
    if booking.status != Booking.ACTIVE or booking.date < local_today(booking.office, now):
        raise NotMovable(_("This booking can no longer be moved (status: %(status)s, day: "
                           "%(day)s).", status=status_name(booking),
                           day=format_day(booking.date)))
    if hour_begun(booking.office, booking.date, booking.hour, now):
        raise NotMovable(_("The %(hour)s slot of this booking has already begun; it can no "
                           "longer be moved.", hour=format_hour(booking.hour,
                                                            booking.office.timezone)))
