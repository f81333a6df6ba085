"""GET /api/v1/admin/...: each report of the console as JSON, for scripts.

The same access rule as the pages: an admin or viewer session (log in at
/admin/login); no session answers 401 in the usual error shape, and a sync
token (Authorization: Bearer) is not a session. A viewer sees NIKs masked.
"""
import json
from datetime import date, datetime

from flask import jsonify, request
from flask_openapi3 import APIBlueprint, Tag

from sync.i18n import _
from sync.webapp import ErrorOut

from ..models import Office
from ..offices import clock_now, get_office, local_today
from ..tokens import Unauthorized
from ..booking import booking_dict
from . import api_schemas as s, decisions, reports, suspension_pages
from .audit import entries, entry_dict
from .audit_pages import audit_filters
from .booking_history import find_bookings, history
from .mismatches import find_mismatches
from .passport_pages import report_filters
from .accounts import current_account
from .reports import network_today, office_day_report, ticket_dict, totals
from .web import nik_filter, niks_in_filter, server_timing, start_timer

bp = APIBlueprint("admin_api", __name__, url_prefix="/api/v1/admin",
                  abp_tags=[Tag(name="admin", description="The admin console's reports "
                                "(session login at /admin/login)")],
                  abp_security=[{"admin_session": []}],
                  abp_responses={"401": ErrorOut, "422": ErrorOut})


bp.before_request(start_timer)
bp.after_request(server_timing)


@bp.before_request
def _logged_in():
    if current_account() is None:
        raise Unauthorized(_("Log in at /admin/login first: the admin reports need an admin "
                             "or viewer session (a sync token does not open them)."))


def answer(value):
    """jsonify with dates and times as ISO 8601 (naive times are UTC: a Z is added)."""
    return jsonify(_plain(value))


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    return value


@bp.get("/network", responses={"200": s.NetworkOut})
def network():
    """Network today: each office's figures on its own local date, and its sync health."""
    rows = network_today(clock_now())
    return answer({"offices": rows, "totals": totals(rows)})


@bp.get("/office-day", responses={"200": s.OfficeDayOut, "404": ErrorOut})
def office_day(query: s.OfficeDayQuery):
    """One office's day: figures, sync health, its tickets (searchable) and refusals."""
    office = get_office(query.office)
    day = query.day or local_today(office, clock_now())
    report = office_day_report(office, day, clock_now(), query.q)
    report["ticket_list"] = [ticket_dict(t, nik_filter) for t in report.pop("ticket_rows")]
    report["refusal_list"] = [{"nik": nik_filter(r.nik), "suspension_ends_on":
                               r.suspension_ends_on} for r in report.pop("refusal_rows")]
    return answer(report)


@bp.get("/passports", responses={"200": s.PassportsOut, "400": ErrorOut, "404": ErrorOut})
def passports(query: s.PassportsQuery):
    """Passports issued by office and regency over a date range, and by day."""
    return answer(reports.passports(*report_filters(request.args)))


@bp.get("/conflicts", responses={"200": s.ConflictsOut})
def conflicts(query: s.ConflictsQuery):
    """Conflicts waiting for a decision (oldest first), or decided ones (newest first)."""
    rows, total = decisions.conflicts(query.status, (query.office or "").upper() or None,
                                      query.kind, query.page)
    made = decisions.decisions_of(rows)
    return answer({"total": total, "page": query.page,
                   "conflicts": [decisions.conflict_dict(c, made.get(c.id), niks_in_filter)
                                 for c in rows]})


@bp.get("/suspensions", responses={"200": s.SuspensionsOut})
def suspensions(query: s.NikQuery):
    """The suspensions of a NIK, or the latest ones; newest first."""
    day = suspension_pages.today()
    rows = suspension_pages.find(suspension_pages.typed_nik(query.nik))
    return answer({"suspensions": [
        {"id": x.id, "nik": nik_filter(x.nik), "reason": niks_in_filter(x.reason),
         "starts_on": x.starts_on, "ends_on": x.ends_on,
         "state": suspension_pages.state_of(x, day), "created_at": x.created_at,
         "lifted_at": x.lifted_at} for x in rows]})


@bp.get("/bookings", responses={"200": s.BookingsOut})
def bookings(query: s.BookingQuery):
    """Bookings by code or NIK, each with its history."""
    return answer({"bookings": [
        {**booking_dict(b), "nik": nik_filter(b.nik),
         "history": [{**step, "detail": niks_in_filter(step["detail"])}
                     for step in history(b)]}
        for b in find_bookings(query.q)]})


@bp.get("/manifest/mismatches", responses={"200": s.MismatchesOut})
def mismatches(query: s.MismatchesQuery):
    """Hajj bookings and tickets whose NIK is missing from the pilgrim list or whose name
    or birth date differs, with the marks staff put on them."""
    found, total = find_mismatches(suspension_pages.today(), query.status)
    return answer({"total": total, "mismatches": [
        {**{k: v for k, v in m.items() if k not in ("mark", "status")},
         "nik": nik_filter(m["nik"]),
         "mark": m["mark"] and {"decision": m["mark"].decision, "note": m["mark"].note,
                                "by": m["mark"].actor, "at": m["mark"].at,
                                "suspension_id": m["mark"].suspension_id}}
        for m in found]})


@bp.get("/audit", responses={"200": s.AuditOut})
def audit(query: s.AuditQuery):
    """The audit log, newest first, filtered like the Audit page."""
    filters = audit_filters(request.args)
    rows, total = entries(filters["action"], filters["actor"], filters["subject"],
                          filters["first"], filters["last"], query.page)
    return answer({"total": total, "page": query.page,
                   "entries": [{**entry_dict(e), "subject": niks_in_filter(e.subject),
                                "reason": niks_in_filter(e.reason),
                                "detail": json.loads(niks_in_filter(e.detail))}
                               for e in rows]})


def init_app(app):
    """Register the JSON API and its security scheme in the OpenAPI document."""
    app.register_api(bp)
    app.security_schemes = {**(app.security_schemes or {}), **s.SESSION_SCHEME}
