"""Offices (/admin/offices): quota, slot hours and capacity, open weekdays, the booking
window, hajj regencies, and closed dates (national holidays, collective leave, an office's
own closures). Every change reaches the branch through the change log."""
from datetime import date

from flask import flash, redirect, request, url_for

from sync.errors import AntreanError, Invalid
from sync.i18n import _, _l

from ..closed_dates import KINDS
from ..models import ClosedDate, Office
from ..offices import EDITABLE, get_office
from .accounts import current_account
from .actions import add_closed_date_audited, remove_closed_date_audited, save_office_audited
from .suspension_pages import today
from .web import admin_only, bp, render

ZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")
WEEKDAYS = {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"),
            5: _l("Friday"), 6: _l("Saturday"), 7: _l("Sunday")}
NUMBERS = {"daily_quota": 5000, "slot_capacity": 1000, "booking_window_days": 365}


@bp.get("/offices")
def offices(status=200, message=None, form=None):
    first = today().replace(month=1, day=1)
    return render("offices.html", status, offices=list(Office.select().order_by(Office.code)),
                  closed=list(ClosedDate.select().where(ClosedDate.day >= first)
                              .order_by(ClosedDate.day, ClosedDate.office)),
                  kinds=KINDS, today=today(), message=message, form=form or {},
                  weekdays=WEEKDAYS)


@bp.get("/offices/<code>")
def office(code, status=200, message=None, form=None):
    target = get_office(code[:8])
    return render("office_form.html", status, office=target, zones=ZONES,
                  editable=EDITABLE, values=_values(target, form), message=message,
                  weekdays=WEEKDAYS, hours=range(0, 24))


def _values(target, form):
    """What the form shows: the office's settings, or what was typed (after a refusal)."""
    if form is None:
        return {"name": target.name, "address": getattr(target, "address", ""),
                "timezone": target.timezone, "daily_quota": target.daily_quota,
                "slot_capacity": target.slot_capacity,
                "booking_window_days": target.booking_window_days,
                "hajj_regencies": target.hajj_regencies,
                "open_days": {str(d) for d in target.open_weekdays},
                "slot_hours": {str(h) for h in target.hours}, "reason": ""}
    values = {k: form.get(k, "") for k in ("name", "address", "timezone", "daily_quota",
                                           "slot_capacity", "booking_window_days",
                                           "hajj_regencies", "reason")}
    return {**values, "open_days": set(form.getlist("open_days")),
            "slot_hours": set(form.getlist("slot_hours"))}


@bp.post("/offices/<code>")
@admin_only
def save_office(code):
    target = get_office(code[:8])
    try:
        saved, outcome = save_office_audited(current_account().username, target.code,
                                         request.form.get("reason", "")[:1000],
                                         **office_fields(request.form))
    except AntreanError as exc:
        return office(target.code, exc.status, exc.message, request.form)
    flash(_("Settings of %(code)s saved; the office learns of them at its next sync.",
            code=saved.code) if outcome == "updated" else _("Nothing changed."))
    return redirect(url_for("admin.office", code=target.code), 303)


def office_fields(form):
    """The settings as save_office takes them; raises Invalid saying what to fix."""
    fields = {"name": form.get("name", "").strip()[:120],
              "timezone": form.get("timezone", ""),
              "open_days": ",".join(form.getlist("open_days")),
              "slot_hours": ",".join(form.getlist("slot_hours")),
              "hajj_regencies": form.get("hajj_regencies", "")[:200]}
    if "address" in EDITABLE:
        fields["address"] = form.get("address", "").strip()[:200]
    if not fields["name"]:
        raise Invalid(_("An office needs a name."))
    if fields["timezone"] not in ZONES:
        raise Invalid(_("Choose the office's time zone."))
    if not fields["open_days"] or not fields["slot_hours"]:
        raise Invalid(_("Tick at least one open weekday and one slot hour."))
    for key, high in NUMBERS.items():
        text = form.get(key, "").strip()
        if not text.isdigit() or not 1 <= int(text) <= high:
            raise Invalid(_("%(field)s must be a whole number from 1 to %(high)d.",
                            field=FIELD_NAMES[key], high=high))
        fields[key] = int(text)
    return fields


FIELD_NAMES = {"daily_quota": _l("Daily online quota"), "slot_capacity": _l("Places per slot"),
               "booking_window_days": _l("Booking window (days)")}


@bp.post("/closed-dates")
@admin_only
def add_closed_date():
    form = {k: request.form.get(k, "").strip()[:120] for k in ("day", "kind", "name", "office")}
    try:
        day = _day(form["day"])
        row = add_closed_date_audited(current_account().username, day, form["kind"],
                                      form["name"], form["office"].upper() or None)
    except AntreanError as exc:
        return offices(exc.status, exc.message, form)
    flash(_("%(day)s is closed: %(name)s.", day=row.day.isoformat(), name=row.name))
    return redirect(url_for("admin.offices"), 303)


@bp.post("/closed-dates/<int:closed_id>/remove")
@admin_only
def remove_closed_date(closed_id):
    try:
        row = remove_closed_date_audited(current_account().username, closed_id,
                                         request.form.get("reason", "")[:1000])
    except AntreanError as exc:
        return offices(exc.status, exc.message)
    flash(_("%(day)s is open again.", day=row.day.isoformat()))
    return redirect(url_for("admin.offices"), 303)


def _day(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("Write the date as YYYY-MM-DD.")) from None
