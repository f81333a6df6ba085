"""The console's blueprint: a login for every page, a CSRF token on every form, and
one way to render a page (the account, the filters, the error page).

Viewers read; admins act: a view that changes anything is `admin_only`, so a
viewer's POST is refused with 403 before anything happens. Only the session
cookie opens a page; an `Authorization: Bearer` sync token is never looked at.
"""
import functools
import re
import time
from datetime import date, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from flask import Blueprint, current_app, g, redirect, render_template, request

from sync.errors import BadRequest, Forbidden
from sync.i18n import _, _l, format_clock, format_short_day, language
from sync.regions import regency_name
from sync.websecurity import csrf_token, form_csrf_ok

from ..conflicts import describe
from .accounts import current_account

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static")

OPEN_ENDPOINTS = ("admin.login", "admin.static")
LARGE_UPLOADS = ("admin.manifest_import",)      # MANIFEST_MAX_BYTES instead of the default
NIK_IN_TEXT = re.compile(r"\b\d{16}\b")
LANE_NAMES = {"general": _l("General"), "priority": _l("Priority"),
              "booking": _l("Booking check-in")}
TICKET_STATUSES = {"waiting": _l("Waiting"), "called": _l("Called"), "done": _l("Done"),
                   "no_show": _l("No-show")}
OUTCOMES = {"passport_issued": _l("Passport issued"), "rejected": _l("Rejected"),
            "incomplete_documents": _l("Incomplete documents")}


@bp.before_request
def start_timer():
    """The view's own time, answered as Server-Timing (what bench/admin_reports.py reads)."""
    g.admin_started = time.perf_counter()


@bp.after_request
def server_timing(response):
    if "admin_started" in g:
        elapsed = (time.perf_counter() - g.admin_started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    return response


@bp.before_request
def _guard():
    """Body limit, CSRF, login: in that order, before any view runs."""
    if request.endpoint in LARGE_UPLOADS:
        # Before anything reads the form: Flask 3.1 applies this request's own limit.
        request.max_content_length = current_app.config["MANIFEST_MAX_BYTES"]
    if request.method == "POST" and not form_csrf_ok():
        return render_error_page(_("This form has expired or did not come from this "
                                   "console. Please go back, reload the page and try "
                                   "again."), 400)
    if request.endpoint in OPEN_ENDPOINTS or current_account() is not None:
        return None
    return redirect(f"/admin/login?next={quote(request.full_path.rstrip('?'))}")


def admin_only(view):
    """Decorator: the view acts, so a viewer is refused (403) and nothing changes."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        account = current_account()
        if account is None or account.role != "admin":
            raise Forbidden(_("Only an admin may do this; your account can read only."))
        return view(*args, **kwargs)
    return wrapper


def render(template, status=200, **context):
    """An admin page with the logged-in account."""
    return render_template(f"admin/{template}", account=current_account(), **context), status


def wants_admin_page():
    """Errors under /admin/ are pages; the API keeps the JSON error shape."""
    return request.path.startswith("/admin")


def render_error_page(message, status):
    referrer = request.referrer or ""
    back = referrer if referrer.startswith(request.host_url + "admin") else None
    return render_template("admin/error.html", account=current_account(), message=message,
                           back=back), status


def is_admin():
    account = current_account()
    return account is not None and account.role == "admin"


@bp.app_context_processor
def _globals():
    return {"csrf_token": csrf_token, "is_admin": is_admin,
            "nav_endpoints": current_app.view_functions, "lane_names": LANE_NAMES,
            "ticket_statuses": TICKET_STATUSES, "outcomes": OUTCOMES}


# --- filters: NIKs, numbers, moments, regencies ---------------------------------------

@bp.app_template_filter("nik")
def nik_filter(value):
    """A NIK in full for an admin, masked (3604********0001) for a viewer."""
    if not value:
        return ""
    return value if is_admin() else mask_nik(value)


def mask_nik(nik):
    """3604011203650001 -> 3604********0001: regency and serial, never the birth date."""
    return nik[:4] + "*" * 8 + nik[12:] if len(nik) == 16 else nik


@bp.app_template_filter("niks_in")
def niks_in_filter(text):
    """Every NIK inside a text (a conflict's detail) shown as `nik_filter` shows one."""
    return NIK_IN_TEXT.sub(lambda m: nik_filter(m.group(0)), text or "")


@bp.app_template_filter("conflict_detail")
def conflict_detail_filter(conflict):
    """What a conflict says, in the reader's language."""
    return describe(conflict)


@bp.app_template_filter("number")
def number_filter(value):
    """1.234 in Indonesian, 1,234 in English. Whole numbers are grouped here: a page of
    Network today has thousands, and Babel takes ~20 us a number."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:,}"
        return text.replace(",", ".") if language() == "id" else text
    return format_decimal(value, locale=language())


@bp.app_template_filter("moment")
def moment_filter(value, zone=None):
    """A stored UTC instant as "7 Des 2026 09.12 WIB"."""
    if value is None:
        return ""
    zone = zone or current_app.config["TIMEZONE"]
    local = value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
    return f"{format_short_day(local.date())} {format_clock(local, zone)}"


@bp.app_template_filter("ago")
def ago_filter(minutes):
    """Minutes since something happened, as people say it."""
    if minutes is None:
        return _("never")
    if minutes < 60:
        return _("%(n)d min ago", n=minutes)
    if minutes < 48 * 60:
        return _("%(n)d h ago", n=minutes // 60)
    return _("%(n)d days ago", n=minutes // (24 * 60))


@bp.app_template_filter("drift")
def drift_filter(seconds):
    """Central's clock minus the branch's: "3 min behind", "40 s ahead", "on time"."""
    if seconds is None:
        return "–"
    amount = abs(seconds)
    size = (_("%(n)d s", n=round(amount)) if amount < 120
            else _("%(n)d min", n=round(amount / 60)))
    if amount < 5:
        return _("on time")
    return _("%(amount)s behind", amount=size) if seconds > 0 else _("%(amount)s ahead",
                                                                     amount=size)


@bp.app_template_filter("fromiso")
def fromiso_filter(text):
    return date.fromisoformat(text) if isinstance(text, str) else text


@bp.app_template_filter("regency")
def regency_filter(code):
    return regency_name(code) if code else ""


# --- query parameters -------------------------------------------------------------------

def query_day(name, default):
    """The date in query parameter `name` (YYYY-MM-DD), `default` when absent; a bad
    one is refused with a message saying what to type."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(_("%(value)s is not a date; write it as YYYY-MM-DD, e.g. "
                           "2026-11-30.", value=text[:20])) from None
