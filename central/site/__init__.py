"""The applicants' booking site at central's `/`: choose an office and a purpose, a day from the
calendar, an hour; book with NIK and name; keep the signed pass; find, move or cancel a booking.

Server-rendered pages that need no JavaScript, weigh well under 100 KB each and load
nothing from another host (CSS and images ship in `static/`). Every POST carries the
session's CSRF token. A booking is shown only to the browser that made it or found it
with its code and NIK (the codes it may see are kept in the session). Every rule is
central's own (central.booking, central.reschedule, central.availability): the site
only asks and shows, in Bahasa Indonesia by default.
"""
from babel.dates import get_day_names
from flask import Blueprint, redirect, render_template, request, session, url_for

from sync.i18n import _, language
from sync.websecurity import csrf_token, form_csrf_ok

from ..booking import status_name
from ..documents import PURPOSE_NAMES, PURPOSES

bp = Blueprint("site", __name__, template_folder="templates", static_folder="static",
               static_url_path="/site/static")
REMEMBERED = 5      # booking codes one browser may see at once


@bp.app_context_processor
def _site_globals():
    return {"csrf_token": csrf_token, "purpose_names": PURPOSE_NAMES,
            "weekday_names": weekday_names, "status_text": status_text}


@bp.app_template_filter("mask_nik")
def mask_nik(nik):
    """3604011203650001 -> 3604********0001: regency and serial, never the birth date."""
    return nik[:4] + "*" * 8 + nik[12:] if nik and len(nik) == 16 else "****************"


def weekday_names():
    """Monday to Sunday, abbreviated, in the page's language ("Sen" ... "Min")."""
    names = get_day_names("abbreviated", locale=language())
    return [names[day] for day in range(7)]


def status_text(booking):
    return _("Status: %(status)s", status=status_name(booking))


@bp.before_request
def _check_csrf():
    if request.method == "POST" and not form_csrf_ok():
        return error_page(_("This form has expired. Please go back, reload the page and try "
                            "again."), 400)
    return None


def purpose_arg():
    """?purpose=general|hajj|umrah (general when missing or unknown)."""
    purpose = request.args.get("purpose", "general")
    return purpose if purpose in PURPOSES else "general"


def remember(code):
    """Let this browser see booking `code` (after booking it, or finding it with its NIK)."""
    codes = [c for c in session.get("bookings", []) if c != code]
    # Not a permanent session: the browser forgets it when closed, and the server an hour
    # (SESSION_IDLE_MINUTES) after it last changed; nor is it re-sent with every answer.
    session["bookings"] = (codes + [code])[-REMEMBERED:]


def may_see(code):
    return code in session.get("bookings", [])


def ask_for_nik(code):
    """A booking this browser may not see yet: the lookup form, with the code filled in."""
    return redirect(url_for("site.lookup", code=code), 303)


def error_page(message, status):
    """A refusal or an HTTP error as a page a person can act on."""
    return render_template("error.html", message=message, status=status), status


MACHINE_PATHS = ("/api/", "/metrics")     # answered in the JSON error shape


def wants_html():
    """Everything people open answers errors as pages; what programs call, as JSON."""
    return not request.path.startswith(MACHINE_PATHS)


def init_site(app):
    """Register the site's pages (before init_web, which puts the rate limits on them)."""
    from . import booking_pages, my_booking  # noqa: F401  (register their views on bp)
    app.register_blueprint(bp)
