"""The office's pages: kiosk, counter console, display board, sync status, login.

Server-rendered, no JavaScript, nothing loaded from the internet. Every POST
carries a per-session CSRF token; the session cookie is SameSite=Lax too.
A refusal re-renders the same form with the message and the refusal's 4xx
status, keeping what the person typed. Serving a page never calls central.
"""
import json

from flask import (Blueprint, current_app, get_flashed_messages, redirect,
                   render_template, request, session, url_for)

from sync.errors import AntreanError
from sync.logins import LoginLocked
from sync.i18n import _
from sync.websecurity import csrf_token, form_csrf_ok, safe_next

from . import auth, counters, status as sync_state, suspension_list, tickets
from .models import Setting, Ticket

bp = Blueprint("pages", __name__)

LANE_NAMES = {"general": "General", "priority": "Priority", "booking": "Booking check-in"}
OUTCOMES = {"passport_issued": "Passport issued", "rejected": "Rejected",
            "incomplete_documents": "Incomplete documents"}
BOARD_REFRESH_SECONDS = 5


@bp.app_context_processor
def _page_globals():
    return {"office_name": _office_name(), "csrf_token": csrf_token,
            "lane_names": LANE_NAMES, "outcomes": OUTCOMES}


def _office_name():
    """The configured name, else the name central sent (pulled by sync), else the code."""
    configured = current_app.config.get("OFFICE_NAME")
    if configured:
        return configured
    synced = Setting.get_or_none(Setting.key == "name")
    return json.loads(synced.value) if synced else current_app.config["OFFICE"]


@bp.before_request
def _check_csrf():
    if request.method != "POST":
        return None
    if form_csrf_ok():
        return None
    if request.path.startswith("/kiosk"):
        return _kiosk_again()
    return render_error_page("This form has expired. Please go back, reload the page "
                             "and try again.", 400)


def _kiosk_again():
    """A kiosk left open across a server restart: one more press must do it."""
    nik = request.form.get("nik", "")
    form = {"nik": nik, "booking_nik": nik, "booking_code": request.form.get("booking_code", "")}
    return render_template("kiosk.html", form=form, message="Sorry, the screen had timed "
                           "out. Please press your choice again."), 400


def wants_html():
    """Page requests get HTML errors; /api/ keeps the JSON error shape."""
    return not request.path.startswith("/api/")


def render_error_page(message, status):
    """The AntreanError (or HTTP error) message as a page, with its status."""
    return render_template("error.html", message=message, back=request.referrer), status


# --- kiosk: no login ------------------------------------------------------------

@bp.get("/")
def index():
    return redirect(url_for("pages.kiosk"))


@bp.get("/kiosk")
def kiosk():
    return render_template("kiosk.html", form={})


@bp.post("/kiosk/ticket")
def kiosk_take():
    nik = _typed_nik()
    lane, _, reason = request.form.get("choice", "general").partition(":")
    return _issue_at_kiosk({"nik": nik}, lane, nik, reason=reason or None)


@bp.post("/kiosk/check-in")
def kiosk_checkin():
    nik = _typed_nik()
    code = request.form.get("booking_code", "").strip().upper()
    return _issue_at_kiosk({"booking_code": code, "booking_nik": nik}, "booking", nik,
                           booking_code=code)


def _typed_nik():
    """The NIK as typed, without the spaces and dashes people copy from a KTP."""
    return "".join(request.form.get("nik", "").replace("-", " ").split())


def _issue_at_kiosk(form, lane, nik, **options):
    try:
        ticket = tickets.issue_ticket(lane, nik, **options)
    except AntreanError as exc:
        return render_template("kiosk.html", form=form, message=exc.message), exc.status
    # Redirect, so reloading the ticket page never issues a second number.
    return redirect(url_for("pages.kiosk_ticket", ticket_id=ticket.id), 303)


@bp.get("/kiosk/ticket/<int:ticket_id>")
def kiosk_ticket(ticket_id):
    ticket = Ticket.get_or_none(Ticket.id == ticket_id, Ticket.day == tickets.today())
    if ticket is None:
        return redirect(url_for("pages.kiosk"))
    return render_template("ticket.html", ticket=ticket)


# --- display board: no login ------------------------------------------------------

@bp.get("/board")
def board():
    day = tickets.today()
    return render_template("board.html", rows=counters.current_tickets(day),
                           waiting=counters.waiting_counts(day), now=tickets.local_now(),
                           refresh_seconds=BOARD_REFRESH_SECONDS)


# --- login ------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=next_url, username="")
    username = request.form.get("username", "").strip()[:150]
    try:
        staff = auth.authenticate(username, request.form.get("password", ""))
    except LoginLocked as exc:
        return render_template("login.html", next=next_url, username=username,
                               message=exc.message), exc.status, exc.headers
    if staff is None:
        return render_template("login.html", next=next_url, username=username,
                               message=_("Wrong username or password.")), 401
    # A new session on login: nothing set before it (a planted token) survives.
    auth.log_in(staff)
    return redirect(next_url, 303)


@bp.post("/logout")
def logout():
    auth.log_out(auth.current_staff())
    session.clear()
    return redirect(url_for("pages.login"), 303)


def _safe_next(target):
    """Only ever redirect within this site after login."""
    return safe_next(target, url_for("pages.counter"))


# --- staff pages ------------------------------------------------------------------

def render_staff(template, status=200, **context):
    """A staff page: with the logged-in person, the sync banner and flashed notes."""
    notes = get_flashed_messages()
    if notes and "message" not in context:
        context.update(message=notes[-1], message_kind="ok")
    return render_template(template, staff=auth.current_staff(),
                           banner=sync_state.banner(), **context), status


@bp.get("/status")
@auth.login_required()
def status():
    return render_staff("status.html", s=sync_state.sync_status(),
                        suspension_list=suspension_list.list_status())


from . import counter_pages  # noqa: E402,F401  (registers the counter console views on bp)
