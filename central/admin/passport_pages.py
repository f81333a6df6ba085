"""Passports by regency (/admin/passports): regency x office x date range, two charts,
and the CSV every outside check reads (/admin/reports/passports.csv?from=&to=)."""
import csv
import io
from zoneinfo import ZoneInfo

from flask import Response, current_app, request

from sync.errors import BadRequest, NotFound
from sync.i18n import _

from ..models import Office
from ..offices import clock_now
from . import charts, reports
from .reports import MAX_RANGE_DAYS
from .web import bp, query_day, render

CSV_HEADER = ["office_code", "office_name", "regency_code", "regency_name",
              "passports_issued", "from", "to"]


def report_filters(args):
    """(first, last, office, regency) from the query; the month so far by default."""
    today = clock_now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    first = query_day("from", today.replace(day=1))
    last = query_day("to", today)
    if last < first:
        raise BadRequest(_("The end date %(last)s is before the start date %(first)s.",
                           last=last.isoformat(), first=first.isoformat()))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise BadRequest(_("A report covers at most %(n)d days; choose a shorter range.",
                           n=MAX_RANGE_DAYS))
    office = (args.get("office") or "").strip().upper()[:8] or None
    if office and not Office.select().where(Office.code == office).exists():
        raise NotFound(_("There is no office with code %(code)s.", code=office))
    regency = (args.get("regency") or "").strip()[:8] or None
    if regency and not (regency.isdigit() and len(regency) == 4):
        raise BadRequest(_("A regency code has 4 digits, e.g. 3601."))
    return first, last, office, regency


@bp.get("/passports")
def passports():
    report = reports.passports(*report_filters(request.args))
    return render("passports.html", report=report,
                  offices=list(Office.select().order_by(Office.code)),
                  regency_svg=charts.by_regency(report["by_regency"], _("other regencies")),
                  day_svg=charts.by_day(report["by_day"]),
                  csv_query=request.query_string.decode())


@bp.get("/reports/passports.csv")
def passports_csv():
    """One row per office x regency with passports issued in the range (none: no row)."""
    first, last, office, regency = report_filters(request.args)
    report = reports.passports(first, last, office, regency)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in report["rows"]:
        writer.writerow([row["office"], _cell(row["office_name"]), row["regency"],
                         _cell(row["regency_name"]), row["passports"], first.isoformat(),
                         last.isoformat()])
    name = f"passports-by-regency_{first.isoformat()}_{last.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _cell(text):
    """Text a spreadsheet would run as a formula (=, +, -, @) is quoted with an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
