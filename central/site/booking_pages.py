"""Booking a place: office and purpose, the calendar, a day's hours, the form."""
from flask import abort, redirect, render_template, request, url_for

from sync.errors import AntreanError

from ..availability import calendar
from ..booking import create_booking
from ..models import Office
from ..offices import clock_now, get_office, slots_view
from . import bp, purpose_arg, remember
from .calendar_grid import closed_dates, weeks
from .forms import booking_request, parse_day, read_form, refusal_fields


@bp.get("/")
def home():
    offices = list(Office.select().order_by(Office.name))
    return render_template("home.html", offices=offices, purpose=purpose_arg())


@bp.get("/pesan")
def choose():
    """The home page's form (GET, so it works without JavaScript): on to the calendar."""
    code = request.args.get("office", "")
    if not Office.select().where(Office.code == code.upper()).exists():
        return redirect(url_for("site.home"), 303)
    return redirect(url_for("site.office_calendar", office=code.upper(), purpose=purpose_arg()),
                    303)


@bp.get("/pesan/<office>")
def office_calendar(office):
    found = _office_or_404(office)
    days = calendar(found, clock_now())
    return render_template("calendar.html", office=found, purpose=purpose_arg(),
                           weeks=weeks(found, days), closed=closed_dates(found, days),
                           day_url=lambda day: url_for("site.office_day", office=found.code,
                                                       day=day, purpose=purpose_arg()))


@bp.get("/pesan/<office>/<day>")
def office_day(office, day):
    found, chosen = _office_or_404(office), parse_day(day) or abort(404)
    view = slots_view(found, chosen, clock_now())
    return render_template("day.html", office=found, day=chosen, view=view,
                           purpose=purpose_arg(), back=url_for("site.office_calendar",
                                                               office=found.code,
                                                               purpose=purpose_arg()))


@bp.get("/pesan/<office>/<day>/<int(min=0, max=23):hour>")
def book_form(office, day, hour):
    found, chosen = _office_or_404(office), parse_day(day) or abort(404)
    return _form(found, chosen, hour, {"nik": "", "name": "", "phone": ""}, {})


@bp.post("/pesan/<office>/<day>/<int(min=0, max=23):hour>")
def book_submit(office, day, hour):
    found, chosen = _office_or_404(office), parse_day(day) or abort(404)
    form = read_form()
    checked, fields = booking_request(form, found.code, chosen, hour, purpose_arg())
    if checked is None:
        return _form(found, chosen, hour, form, fields, 422)
    try:
        booking = create_booking(checked, clock_now(), office=found)
    except AntreanError as exc:
        return _form(found, chosen, hour, form, refusal_fields(exc), exc.status, refusal=exc)
    remember(booking.code)
    return redirect(url_for("site.booking_page", code=booking.code, new=1), 303)


def _form(office, day, hour, form, fields, status=200, refusal=None):
    other = None
    if refusal is not None and refusal.code == "wrong_office":
        other = Office.get_or_none(Office.code == refusal.extra.get("office"))
    return render_template("form.html", office=office, day=day, hour=hour, form=form,
                           fields=fields, purpose=purpose_arg(), refusal=refusal,
                           other_office=other), status


def _office_or_404(code):
    try:
        return get_office(code)
    except AntreanError:
        abort(404)
