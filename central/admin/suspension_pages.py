"""Suspensions (/admin/suspensions): search by NIK, issue (6 to 24 months), lift early with
a reason. Branches learn of each through the change log and the signed list, as ever."""
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, request, url_for

from sync.database import write_transaction
from sync.errors import AntreanError, Invalid
from sync.i18n import _

from ..db import db
from ..models import Suspension
from ..offices import clock_now
from ..suspensions import MAX_MONTHS, MIN_MONTHS
from . import audit
from .accounts import current_account
from .actions import issue_suspension_audited, lift_suspension_audited
from .decisions import decide, get_conflict
from .mismatches import mark
from .web import admin_only, bp, render

RECENT = 50


def today():
    return clock_now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def state_of(suspension, day):
    """lifted | upcoming | ended | active, on `day`."""
    if suspension.lifted_at is not None:
        return "lifted"
    if suspension.starts_on > day:
        return "upcoming"
    return "ended" if suspension.ends_on < day else "active"


def find(nik):
    """The suspensions of `nik` (16 digits), or the latest ones; newest first."""
    query = Suspension.select().order_by(Suspension.id.desc())
    return list(query.where(Suspension.nik == nik) if nik else query.limit(RECENT))


def typed_nik(text):
    return "".join((text or "").replace("-", " ").split())[:20]


@bp.get("/suspensions")
def suspensions():
    nik = typed_nik(request.args.get("nik"))
    rows = find(nik)
    return render("suspensions.html", rows=rows, nik=nik, day=today(), state_of=state_of,
                  lifts={s.id: _lift_entry(s) for s in rows if s.lifted_at})


def _lift_entry(suspension):
    entries = [e for e in audit.about(f"suspension:{suspension.id}")
               if e.action == "suspension.lifted"]
    return entries[-1] if entries else None


@bp.get("/suspensions/new")
@admin_only
def new_suspension():
    form = {"nik": typed_nik(request.args.get("nik")), "months": MAX_MONTHS,
            "reason": request.args.get("reason", "")[:1000],
            "starts_on": today().isoformat(), "conflict": request.args.get("conflict", ""),
            "mismatch": request.args.get("mismatch", "")}
    return render("suspension_form.html", form=form, months=range(MIN_MONTHS, MAX_MONTHS + 1))


@bp.post("/suspensions")
@admin_only
def issue_suspension():
    form = {key: request.form.get(key, "").strip()[:1000]
            for key in ("nik", "months", "reason", "starts_on", "conflict", "mismatch")}
    form["nik"] = typed_nik(form["nik"])
    try:
        suspension = _issue(form)
    except AntreanError as exc:
        return render("suspension_form.html", exc.status, form=form, message=exc.message,
                      months=range(MIN_MONTHS, MAX_MONTHS + 1))
    flash(_("Suspension #%(id)d issued: NIK %(nik)s from %(first)s until %(last)s. Every "
            "office learns of it at its next sync.", id=suspension.id, nik=suspension.nik,
            first=suspension.starts_on.isoformat(), last=suspension.ends_on.isoformat()))
    return redirect(url_for("admin.suspensions", nik=suspension.nik), 303)


def _issue(form):
    """Issue the suspension; with the conflict it decides (or the mismatch it marks)."""
    months, starts_on = _months(form["months"]), _starts_on(form["starts_on"])
    actor, now = current_account().username, clock_now()
    context = {"conflict": int(form["conflict"])} if form["conflict"].isdigit() else {}
    if form["mismatch"]:
        context["mismatch"] = form["mismatch"][:60]
    with write_transaction(db):
        if "conflict" in context:
            get_conflict(context["conflict"])
        suspension = issue_suspension_audited(actor, form["nik"], months, form["reason"],
                                              starts_on, now, **context)
        if "conflict" in context:
            decide(context["conflict"], "suspended", form["reason"], actor, now,
                   suspension_id=suspension.id)
        if "mismatch" in context:
            mark(context["mismatch"], "suspected", form["reason"], actor, now,
                 suspension_id=suspension.id)
    return suspension


def _months(text):
    if not text.isdigit() or not MIN_MONTHS <= int(text) <= MAX_MONTHS:
        raise Invalid(_("A suspension lasts from %(low)d to %(high)d months.",
                        low=MIN_MONTHS, high=MAX_MONTHS))
    return int(text)


def _starts_on(text):
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("Write the first day as YYYY-MM-DD.")) from None
    if day < today():
        raise Invalid(_("A suspension cannot start in the past."))
    return day


@bp.post("/suspensions/<int:suspension_id>/lift")
@admin_only
def lift_suspension(suspension_id):
    reason = request.form.get("reason", "").strip()[:1000]
    try:
        suspension = lift_suspension_audited(current_account().username, suspension_id,
                                             reason, clock_now())
    except AntreanError as exc:
        rows = find(typed_nik(request.form.get("nik")))
        return render("suspensions.html", exc.status, rows=rows, nik="", day=today(),
                      state_of=state_of, message=exc.message,
                      lifts={s.id: _lift_entry(s) for s in rows if s.lifted_at})
    flash(_("Suspension #%(id)d lifted.", id=suspension.id))
    return redirect(url_for("admin.suspensions", nik=suspension.nik), 303)
