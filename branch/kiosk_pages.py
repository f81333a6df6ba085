"""The kiosk (no login): take a ticket, the printed ticket, and a ticket's public status page.

The kiosk is one form per way in: a walk-in (general, or priority with its
reason) and a booking check-in. Without JavaScript both forms show at once;
kiosk.js turns them into large touch steps with a numeric keypad. A ticket is
reached only by its unguessable token (/kiosk/ticket/<token>, /t/<token>),
never by its row id, and no public page shows a NIK or a booking code.
"""
from flask import current_app, make_response, redirect, render_template, request, url_for

from sync.errors import AntreanError
from sync.i18n import _

from . import auth, kiosk_key, tickets, waits
from .clock import today
from .models import Ticket
from .pages import bp, render_staff
from .qr import svg_data_uri

TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@bp.get("/kiosk")
def kiosk():
    return render_kiosk({})


def render_kiosk(form, message=None, status=200, step=None):
    """The kiosk page, with what the person typed and (after a refusal) the step to reopen."""
    locked = kiosk_key.configured() and not kiosk_key.presented()
    return render_template("kiosk.html", form=form, message=message, step=step or "",
                           kiosk_locked=locked), status


def kiosk_again():
    """A kiosk left open across a server restart: one more press must do it."""
    return render_kiosk(_form_values(), _("Sorry, the screen had timed out. Please press "
                                          "your choice again."), 400)


@bp.post("/kiosk/ticket")
def kiosk_take():
    form = _form_values()
    lane, _sep, reason = form["choice"].partition(":")
    return _issue_at_kiosk(form, lane, form["nik"], reason=reason or None,
                           child_nik=form["child_nik"] or None)


@bp.post("/kiosk/check-in")
def kiosk_checkin():
    form = _form_values()
    return _issue_at_kiosk(form, "booking", form["nik"], **_checkin_options(form))


def _checkin_options(form):
    """What a check-in hands to issue_ticket: the code typed, and the signed booking pass
    the QR reader typed into the field `pass` (either is enough; both must agree)."""
    return {"booking_code": form["booking_code"] or None, "pass_token": form["pass"] or None}


def _form_values():
    """The kiosk's fields as typed, NIKs without the spaces and dashes copied from a KTP."""
    values = {name: request.form.get(name, "")[:64] for name in ("choice", "booking_code")}
    values["pass"] = request.form.get("pass", "").strip()[:512]
    values["choice"] = values["choice"] or "general"
    values["booking_code"] = values["booking_code"].strip().upper()
    for name in ("nik", "child_nik"):
        values[name] = "".join(request.form.get(name, "")[:64].replace("-", " ").split())
    return values


def _issue_at_kiosk(form, lane, nik, **options):
    try:
        kiosk_key.require()
        ticket = tickets.issue_ticket(lane, nik, **options)
    except AntreanError as exc:
        return render_kiosk(form, exc.message, exc.status, step=_step_for(lane, exc))
    # Redirect, so reloading the ticket page never issues a second number.
    return redirect(url_for("pages.kiosk_ticket", token=ticket.token), 303)


def _step_for(lane, exc):
    """Which kiosk step a refusal belongs to, so the touch screen reopens it."""
    if lane == "booking":
        return "booking"
    return "child" if exc.extra.get("field") == "child_nik" else "nik"


def ticket_by_token(token):
    """The ticket with this public token, or None (a malformed token is simply not found)."""
    if not token or len(token) > 64 or not set(token) <= TOKEN_CHARS:
        return None
    return Ticket.get_or_none(Ticket.token == token)


@bp.get("/kiosk/ticket/<token>")
def kiosk_ticket(token):
    ticket = ticket_by_token(token)
    if ticket is None or ticket.day != today():
        return _no_such_ticket()
    return render_template("ticket.html", ticket=ticket, estimate=waits.ticket_estimate(ticket),
                           qr=svg_data_uri(status_url(ticket)), status_link=status_url(ticket),
                           autoprint=bool(current_app.config["KIOSK_AUTOPRINT"]))


@bp.get("/t/<token>")
def ticket_status(token):
    ticket = ticket_by_token(token)
    if ticket is None:
        return _no_such_ticket()
    return render_template("ticket_status.html", ticket=ticket, public=public_ticket(ticket),
                           refresh_seconds=int(current_app.config["STATUS_REFRESH_SECONDS"]))


@bp.get("/t/<token>/live")
def ticket_status_live(token):
    """The changing part of the status page, for live.js."""
    ticket = ticket_by_token(token)
    if ticket is None:
        return _no_such_ticket()
    return render_template("ticket_status_live.html", ticket=ticket, public=public_ticket(ticket))


def _no_such_ticket():
    return render_template("error.html", message=_("There is no such ticket today. Please check "
                                                   "the address, or take a new number at the "
                                                   "kiosk.")), 404


def status_url(ticket):
    """The ticket's status page as a phone on the office network reaches it (PUBLIC_URL)."""
    path = url_for("pages.ticket_status", token=ticket.token)
    base = current_app.config.get("PUBLIC_URL")
    return base.rstrip("/") + path if base else url_for("pages.ticket_status", token=ticket.token,
                                                        _external=True)


def public_ticket(ticket):
    """What anyone holding the token may read: no NIK, no booking code, no row id."""
    estimate = waits.ticket_estimate(ticket) if ticket.day == today() else None
    return {"number": ticket.number, "lane": ticket.lane, "status": ticket.status,
            "office": ticket.office, "day": ticket.day.isoformat(),
            "issued_at": ticket.issued_at.isoformat() + "Z",
            "counter": ticket.counter.name if ticket.counter_id else None,
            "people_ahead": estimate.people_ahead if estimate else None,
            "estimated_wait_minutes": estimate.minutes if estimate else None}


# --- enrolling a kiosk device (a supervisor, on the kiosk itself) --------------------

@bp.route("/kiosk/enroll", methods=["GET", "POST"])
@auth.login_required(role="supervisor")
def kiosk_enroll():
    if request.method == "GET" or not kiosk_key.configured():
        return render_staff("kiosk_enroll.html", configured=kiosk_key.configured(),
                            enrolled=kiosk_key.presented())
    response = make_response(redirect(url_for("pages.kiosk"), 303))
    return kiosk_key.enrol(response)
