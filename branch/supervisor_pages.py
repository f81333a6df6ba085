"""The supervisor's pages: the floor live, and the end-of-day summary that prints on one page.

Both read only the branch's own database (branch.reports), so they work with
central unreachable. The live view refreshes its figures with live.js (a
fragment every few seconds); without JavaScript it reloads itself.
"""
from datetime import date

from flask import render_template, request

from . import auth, reports, status as sync_state
from .clock import today
from .pages import bp, render_staff

LIVE_REFRESH_SECONDS = 5


@bp.get("/supervisor")
@auth.login_required(role="supervisor")
def supervisor():
    return render_staff("supervisor.html", refresh_seconds=LIVE_REFRESH_SECONDS, **_live())


@bp.get("/supervisor/live")
@auth.login_required(role="supervisor")
def supervisor_live():
    return render_template("supervisor_live.html", **_live())


def _live():
    kind, words = sync_state.summary()
    return {"floor": reports.floor_now(today()), "sync": sync_state.sync_status(),
            "sync_kind": kind, "sync_words": words}


@bp.get("/supervisor/day")
@auth.login_required(role="supervisor")
def day_summary():
    day = _day(request.args.get("day"))
    return render_staff("day_summary.html", summary=reports.day_summary(day),
                        days=reports.days_with_tickets())


def _day(text):
    """The day asked for (YYYY-MM-DD), else today."""
    try:
        return date.fromisoformat(text) if text else today()
    except ValueError:
        return today()
