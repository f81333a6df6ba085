"""A booking of one's own: find it by code and NIK, see it with its pass, keep it in the phone's
calendar, move it to another free slot, or cancel it."""
from flask import Response, abort, redirect, render_template, request, url_for

from sync.errors import AntreanError
from sync.i18n import _

from ..availability import calendar
from ..booking import booking_answer, cancel_booking, get_booking, lookup_booking
from ..documents import documents_for
from ..offices import clock_now, slots_view
from ..reschedule import reschedule_booking
from . import ask_for_nik, bp, may_see, remember
from .calendar_grid import closed_dates, weeks
from .confirmation import booking_ics, qr_data_uri
from .forms import parse_day, typed_nik

SHOWS_PASS = ("booked",)        # a pass is worth showing while the booking can be used


@bp.get("/booking-saya")
def lookup():
    return render_template("lookup.html", code=request.args.get("code", "")[:20], fields={})


@bp.post("/booking-saya")
def lookup_submit():
    code = "".join(request.form.get("code", "").split()).upper()[:20]
    nik = typed_nik(request.form.get("nik"))
    if not code or not nik:
        fields = {name: _("Please fill this in.") for name, value in (("code", code),
                                                                     ("nik", nik)) if not value}
        return render_template("lookup.html", code=code, fields=fields), 422
    try:
        booking = lookup_booking(code, nik)
    except AntreanError as exc:
        return render_template("lookup.html", code=code, fields={"code": exc.message}), exc.status
    remember(booking.code)
    return redirect(url_for("site.booking_page", code=booking.code), 303)


@bp.get("/booking/<code>")
def booking_page(code):
    booking = _own(code)
    if booking is None:
        return ask_for_nik(code)
    return _show(booking, new=request.args.get("new"), moved=request.args.get("moved"))


@bp.get("/booking/<code>/kalender.ics")
def booking_ics_file(code):
    booking = _own(code)
    if booking is None:
        return ask_for_nik(code)
    return Response(booking_ics(booking), mimetype="text/calendar",
                    headers={"Content-Disposition":
                             f'attachment; filename="booking-{booking.code}.ics"'})


@bp.post("/booking/<code>/batal")
def cancel(code):
    booking = _own(code)
    if booking is None:
        return ask_for_nik(code)
    if request.form.get("confirm") != "yes":
        return _show(booking, _("Tick the box to confirm that you want to cancel."), 422)
    try:
        cancel_booking(booking.code, booking.nik, clock_now())
    except AntreanError as exc:
        return _show(booking, exc.message, exc.status)
    return redirect(url_for("site.booking_page", code=booking.code), 303)


@bp.get("/booking/<code>/ubah")
def move_calendar(code):
    booking = _own(code)
    if booking is None:
        return ask_for_nik(code)
    days = calendar(booking.office, clock_now())
    return render_template("calendar.html", office=booking.office, purpose=booking.purpose,
                           weeks=weeks(booking.office, days),
                           closed=closed_dates(booking.office, days), moving=booking,
                           day_url=lambda day: url_for("site.move_day", code=booking.code,
                                                       day=day))


@bp.get("/booking/<code>/ubah/<day>")
def move_day(code, day):
    booking = _own(code)
    if booking is None:
        return ask_for_nik(code)
    chosen = parse_day(day) or abort(404)
    return _move_day(booking, chosen)


@bp.post("/booking/<code>/ubah")
def move_submit(code):
    booking = _own(code)
    if booking is None:
        return ask_for_nik(code)
    chosen = parse_day(request.form.get("day", "")) or abort(400)
    try:
        hour = int(request.form.get("hour", ""))
        reschedule_booking(booking.code, booking.nik, chosen, hour, clock_now())
    except ValueError:
        abort(400)
    except AntreanError as exc:
        return _move_day(booking, chosen, exc.message, exc.status)
    return redirect(url_for("site.booking_page", code=booking.code, moved=1), 303)


def _move_day(booking, day, message=None, status=200):
    view = slots_view(booking.office, day, clock_now())
    return render_template("day.html", office=booking.office, day=day, view=view,
                           purpose=booking.purpose, moving=booking, message=message,
                           back=url_for("site.move_calendar", code=booking.code)), status


def _show(booking, message=None, status=200, **flags):
    """The booking's page: status, office, day and hour, documents, and the pass as a QR."""
    token = booking_answer(booking)["pass"] if booking.status in SHOWS_PASS else None
    return render_template("booking.html", booking=booking, office=booking.office,
                           documents=documents_for(booking.purpose), token=token,
                           qr=qr_data_uri(token) if token else None, message=message,
                           **flags), status


def _own(code):
    """The booking `code` if this browser may see it, else None (ask for the NIK)."""
    code = code.strip().upper()
    if not may_see(code):
        return None
    try:
        return get_booking(code)
    except AntreanError:
        return None
