"""POST /api/v1/bookings, reading one, cancelling one."""
from flask_openapi3 import APIBlueprint, Tag

from ..booking import booking_answer, booking_dict, cancel_booking, create_booking, get_booking
from ..offices import clock_now
from ..reschedule import reschedule_booking
from ..schemas import (BookingCreated, BookingOut, BookingPath, BookingRequest, CancelRequest,
                       ErrorOut, RescheduleRequest)

bp = APIBlueprint("bookings", __name__, url_prefix="/api/v1/bookings",
                  abp_tags=[Tag(name="bookings", description="Online bookings of an hour slot")])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@bp.post("", responses={201: BookingCreated, **ERRORS})
def book(body: BookingRequest):
    """Book a place; 409 slot_full, quota_full, duplicate_booking or wrong_office, 403 suspended."""
    return booking_answer(create_booking(body, clock_now())), 201


@bp.get("/<code>", responses={200: BookingOut, 404: ErrorOut})
def show_booking(path: BookingPath):
    """One booking by its code."""
    return booking_dict(get_booking(path.code))


@bp.post("/<code>/cancel", responses={200: BookingOut, **ERRORS})
def cancel(path: BookingPath, body: CancelRequest):
    """Cancel a booking; the NIK must be the booking's own (else 403). The place is freed."""
    return booking_dict(cancel_booking(path.code, body.nik, clock_now()))


@bp.post("/<code>/reschedule", responses={200: BookingCreated, **ERRORS})
def reschedule(path: BookingPath, body: RescheduleRequest):
    """Move a booking to another free slot of its office in one step (the old place is freed
    only if the new one is taken); the NIK must be the booking's own. A new pass comes back."""
    return booking_answer(reschedule_booking(path.code, body.nik, body.date, body.hour,
                                             clock_now()))
