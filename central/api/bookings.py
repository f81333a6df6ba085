"""POST /api/v1/bookings; looking one up, cancelling or moving it (each with its code and NIK)."""
from flask_openapi3 import APIBlueprint, Tag

from ..booking import booking_answer, cancel_booking, create_booking, lookup_booking, public_booking
from ..offices import clock_now
from ..reschedule import reschedule_booking
from ..schemas import (BookingCreated, BookingOut, BookingPath, BookingRequest, CancelRequest, ErrorOut,
                       LookupRequest, RescheduleRequest)

bp = APIBlueprint("bookings", __name__, url_prefix="/api/v1/bookings",
                  abp_tags=[Tag(name="bookings", description="Online bookings of an hour slot")])

# Each is rate-limited per client address (RATELIMIT_BOOKING, RATELIMIT_LOOKUP): 429.
LIMITED = {429: ErrorOut}
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **LIMITED}


@bp.post("", responses={201: BookingCreated, **ERRORS})
def book(body: BookingRequest):
    """Book a place; 409 slot_full, quota_full, duplicate_booking or wrong_office, 403 suspended."""
    return booking_answer(create_booking(body, clock_now())), 201


@bp.post("/<code>/lookup", responses={200: BookingCreated, 404: ErrorOut, 422: ErrorOut,
                                         **LIMITED})
def lookup(path: BookingPath, body: LookupRequest):
    """A booking by its code and the NIK it was made with (the NIK masked in the answer).
    A wrong NIK is refused exactly as an unknown code (404): a lookup cannot test codes."""
    return public_booking(lookup_booking(path.code, body.nik))


@bp.post("/<code>/cancel", responses={200: BookingOut, **ERRORS})
def cancel(path: BookingPath, body: CancelRequest):
    """Cancel a booking; the NIK must be the booking's own (else 404, as for an unknown
    code). The place is freed."""
    return public_booking(cancel_booking(path.code, body.nik, clock_now()))


@bp.post("/<code>/reschedule", responses={200: BookingCreated, **ERRORS})
def reschedule(path: BookingPath, body: RescheduleRequest):
    """Move a booking to another free slot of its office in one step (the old place is freed
    only if the new one is taken); the NIK must be the booking's own. A new pass comes back."""
    return public_booking(reschedule_booking(path.code, body.nik, body.date, body.hour,
                                             clock_now()))
