"""Network today (/admin/, reloads itself) and Office day (/admin/office-day)."""
from flask import current_app, request

from sync.errors import NotFound
from sync.i18n import _

from ..models import Office
from ..offices import clock_now, local_today
from .reports import network_today, office_day_report, totals
from .web import bp, query_day, render


@bp.get("/")
def network():
    rows = network_today(clock_now())
    return render("network.html", rows=rows, totals=totals(rows),
                  refresh=int(current_app.config["ADMIN_REFRESH_SECONDS"]),
                  silent_minutes=current_app.config["ADMIN_SILENT_MINUTES"])


@bp.get("/office-day")
def office_day():
    offices = list(Office.select().order_by(Office.code))
    if not offices:
        raise NotFound(_("There are no offices yet: add one with "
                         "`flask --app central office add`."))
    office = _chosen_office(offices, request.args.get("office"))
    day = query_day("day", local_today(office, clock_now()))
    search = request.args.get("q", "").strip()[:40]
    return render("office_day.html", offices=offices, office=office,
                  report=office_day_report(office, day, clock_now(), search))


def _chosen_office(offices, code):
    if not code:
        return offices[0]
    for office in offices:
        if office.code == code.strip().upper():
            return office
    raise NotFound(_("There is no office with code %(code)s.", code=code[:8]))
