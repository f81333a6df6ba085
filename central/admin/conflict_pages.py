"""Conflicts (/admin/conflicts): the queue sync produces, oldest first; an admin decides each."""
from urllib.parse import urlencode

from flask import flash, redirect, request, url_for

from sync.errors import AntreanError
from sync.i18n import _

from ..conflicts import describe
from ..models import Office
from ..offices import clock_now
from .accounts import current_account
from . import decisions
from .decisions import (CHOOSABLE, DECISIONS, KINDS, PER_PAGE, conflict_nik, decide,
                        decisions_of, get_conflict)
from .web import admin_only, bp, render


def _filters(args):
    status = "decided" if args.get("status") == "decided" else "open"
    office = (args.get("office") or "").strip().upper()[:8] or None
    kind = args.get("kind") if args.get("kind") in KINDS else None
    page = args.get("page", "1")
    return status, office, kind, int(page) if page.isdigit() else 1


@bp.get("/conflicts")
def conflicts(message=None, status_code=200):
    status, office, kind, page = _filters(request.args)
    rows, total = decisions.conflicts(status, office, kind, page)
    return render("conflicts.html", status_code, rows=rows, total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)), decisions=decisions_of(rows),
                  niks={row.id: conflict_nik(row) for row in rows} if status == "open" else {},
                  filters={"status": status, "office": office or "", "kind": kind or ""},
                  offices=list(Office.select().order_by(Office.code)), kinds=KINDS,
                  decision_names=DECISIONS, choosable=CHOOSABLE, message=message,
                  suspension_link=suspension_link)


@bp.post("/conflicts/<int:conflict_id>/decide")
@admin_only
def decide_conflict(conflict_id):
    decision = request.form.get("decision", "")
    note = request.form.get("note", "").strip()[:1000]
    try:
        get_conflict(conflict_id)
        if decision not in CHOOSABLE:
            raise AntreanError(_("Choose a decision."))
        decide(conflict_id, decision, note, current_account().username, clock_now())
    except AntreanError as exc:
        return conflicts(message=exc.message, status_code=exc.status)
    flash(_("Conflict %(id)d decided: %(decision)s.", id=conflict_id,
            decision=DECISIONS[decision]))
    back = {k: v for k, v in request.args.items() if k in ("office", "kind", "page")}
    return redirect(url_for("admin.conflicts") + ("?" + urlencode(back) if back else ""), 303)


def suspension_link(conflict, nik):
    """The suspension form, pre-filled from the conflict."""
    reason = _("Conflict %(id)d (%(kind)s) at %(office)s on %(day)s: %(detail)s",
               id=conflict.id, kind=KINDS.get(conflict.kind, conflict.kind),
               office=conflict.office, day=conflict.day.isoformat(), detail=describe(conflict))
    return url_for("admin.new_suspension", nik=nik or "", reason=reason[:900],
                   conflict=conflict.id)
