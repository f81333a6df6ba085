"""The office's pages: the shared parts (globals, CSRF, errors, login) and the staff's status page.

Server-rendered; every page works without JavaScript, and the scripts that make
the kiosk, the board and the counter live are files under static/ (the CSP
forbids inline script). Nothing is loaded from the internet. Every POST carries
a per-session CSRF token; the session cookie is SameSite=Lax too. A refusal
re-renders the same form with the message and the refusal's 4xx status,
keeping what the person typed. Serving a page never calls central.

The views live in modules by what they serve: kiosk_pages, board_pages,
counter_pages, supervisor_pages (all on this blueprint).
"""
import json

from flask import (Blueprint, current_app, get_flashed_messages, redirect,
                   render_template, request, session, url_for)

from sync.logins import LoginLocked
from sync.i18n import _
from sync.websecurity import csrf_token, form_csrf_ok, safe_next

from . import auth, status as sync_state, suspension_list
from .models import Setting
from .vocabulary import LANE_NAMES, OUTCOME_NAMES, REASON_NAMES, STATUS_NAMES

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _page_globals():
    return {"office_name": office_name(), "csrf_token": csrf_token, "here": _here(),
            "office_tz": current_app.config["TIMEZONE"], "lane_names": LANE_NAMES,
            "reason_names": REASON_NAMES, "outcomes": OUTCOME_NAMES,
            "status_names": STATUS_NAMES}


def office_name():
    """The configured name, else the name central sent (pulled by sync), else the code."""
    configured = current_app.config.get("OFFICE_NAME")
    if configured:
        return configured
    synced = Setting.get_or_none(Setting.key == "name")
    return json.loads(synced.value) if synced else current_app.config["OFFICE"]


def _here():
    """This page's path and query: where the language switch comes back to."""
    return request.full_path.rstrip("?") if request else "/"


@bp.before_request
def _check_csrf():
    if request.method != "POST":
        return None
    if form_csrf_ok():
        return None
    if request.path.startswith("/kiosk/") and request.path != "/kiosk/enroll":
        from .kiosk_pages import kiosk_again
        return kiosk_again()
    return render_error_page(_("This form has expired. Please go back, reload the page "
                               "and try again."), 400)


def wants_html():
    """Page requests get HTML errors; /api/ keeps the JSON error shape."""
    return not request.path.startswith("/api/")


def render_error_page(message, status):
    """The AntreanError (or HTTP error) message as a page, with its status."""
    return render_template("error.html", message=message, back=request.referrer), status


@bp.get("/")
def index():
    return redirect(url_for("pages.kiosk"))


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
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang      # the language is the person's, not the login's
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
    from . import waits
    from .clock import today
    kind, words = sync_state.summary()
    return render_staff("status.html", s=sync_state.sync_status(), summary_kind=kind,
                        summary=words, estimates=waits.lane_estimates(today()),
                        suspension_list=suspension_list.list_status())


from . import board_pages, counter_pages, kiosk_pages, supervisor_pages  # noqa: E402,F401
