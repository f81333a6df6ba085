"""Bookings (/admin/bookings): find by code or NIK, see the history, cancel with a reason."""
from flask import flash, redirect, request, url_for

from sync.errors import AntreanError
from sync.i18n import _

from ..offices import clock_now
from .accounts import current_account
from .actions import cancel_booking_audited
from .booking_history import HISTORY_NAMES, PURPOSES, STATUSES, find_bookings, history
from .web import admin_only, bp, render


def search_page(query, status=200, message=None):
    found = find_bookings(query)
    return render("bookings.html", status, q=query, found=found, statuses=STATUSES,
                  history_names=HISTORY_NAMES, purposes=PURPOSES,
                  histories={b.code: history(b) for b in found}, message=message)


@bp.get("/bookings")
def bookings():
    return search_page(request.args.get("q", "").strip()[:40])


@bp.post("/bookings/<code>/cancel")
@admin_only
def cancel_booking(code):
    reason = request.form.get("reason", "").strip()[:1000]
    try:
        booking = cancel_booking_audited(current_account().username, code[:16], reason,
                                         clock_now())
    except AntreanError as exc:
        return search_page(code[:16], exc.status, exc.message)
    flash(_("Booking %(code)s cancelled; its place is free again and the office learns of "
            "it at its next sync.", code=booking.code))
    return redirect(url_for("admin.bookings", q=booking.code), 303)
