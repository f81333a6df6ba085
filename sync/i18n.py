"""Languages: Bahasa Indonesia by default, English as a switch (Flask-Babel, gettext).

Message ids are English; each package keeps its Indonesian catalogue in
`<package>/translations/id/LC_MESSAGES/messages.po` (sync's is loaded by both
apps), compiled by the build (`python -m sync.catalogues compile`).

Which language a request gets:
- pages: the person's switch (`/lang/en`, kept in the session), else Indonesian;
  a browser's own Accept-Language is not asked, because kiosks and phones are
  often set to English while the people using them read Indonesian;
- the API: the session's switch when there is one (pages' scripts), else
  Accept-Language (id or en), else Indonesian. Error codes never change.

Dates and hours as Indonesians write them: "Senin, 7 Desember 2026", "09.00 WIB".
"""
import os
from datetime import time, timezone
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import current_app, has_request_context, redirect, request, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext, refresh

from .websecurity import safe_next

_, _l = gettext, lazy_gettext
__all__ = ["N_", "_", "_l", "gettext", "lazy_gettext", "ngettext"]


def N_(message):
    """Mark `message` for the catalogues without translating it: a message id kept in data
    (a conflict's kind) and translated with _() when a person reads it."""
    return message

LANGUAGES = ("id", "en")
SYNC_TRANSLATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")
# Babel names Indonesia's zones "Waktu Indonesia (Jakarta)"; people write the letters.
ZONE_LETTERS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
                "Asia/Jayapura": "WIT"}
DAY_FORMAT, SHORT_DAY_FORMAT = "EEEE, d MMMM y", "d MMM y"


def init_i18n(app):
    """Flask-Babel for `app` (its own catalogue and sync's), the filters, the switch."""
    app.config["BABEL_DEFAULT_LOCALE"] = app.config.get("LANGUAGE") or "id"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"translations;{SYNC_TRANSLATIONS}"
    Babel(app, locale_selector=select_language)
    # The language is chosen per request, also when a test's app context spans several.
    app.before_request(refresh)
    app.jinja_env.filters.update(day=format_day, short_day=format_short_day,
                                 hour=format_hour, clock=format_clock)
    app.context_processor(lambda: {"lang": language(), "languages": LANGUAGES})
    app.add_url_rule("/lang/<code>", "set_language", set_language)


def select_language():
    """The language of this request (see the module's docstring); None: the default."""
    if not has_request_context():
        return None
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES)
    return None


def language():
    """"id" or "en": the language this request is answered in."""
    locale = get_locale()
    return locale.language if locale else current_app.config.get("LANGUAGE", "id")


def set_language(code):
    """GET /lang/<code>?next=/page: keep the choice in the session, go back."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), "/"), 303)


# --- dates and hours --------------------------------------------------------------

def format_day(day):
    """"Senin, 7 Desember 2026" (English: "Monday, 7 December 2026")."""
    return babel_dates.format_date(day, DAY_FORMAT, locale=language())


def format_short_day(day):
    """"7 Des 2026"."""
    return babel_dates.format_date(day, SHORT_DAY_FORMAT, locale=language())


def zone_letters(zone_name):
    """WIB, WITA or WIT for Indonesia's zones; the zone's own name elsewhere."""
    return ZONE_LETTERS.get(zone_name) or babel_dates.get_timezone_name(
        ZoneInfo(zone_name), width="short", locale=language())


def format_hour(hour, zone_name="Asia/Jakarta"):
    """A slot hour: "09.00 WIB" (English "09:00 WIB")."""
    return f"{_clock_text(time(int(hour)))} {zone_letters(zone_name)}"


def format_clock(moment, zone_name="Asia/Jakarta", with_zone=True):
    """An instant (aware, or naive UTC as stored) as the office's wall clock: "09.12 WIB"."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(zone_name))
    text = _clock_text(local.time())
    return f"{text} {zone_letters(zone_name)}" if with_zone else text


def local_datetime_text(moment, zone_name="Asia/Jakarta"):
    """"Senin, 7 Desember 2026 09.12 WIB"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(zone_name))
    return f"{format_day(local.date())} {format_clock(local, zone_name)}"


def _clock_text(value):
    separator = "." if language() == "id" else ":"
    return f"{value.hour:02d}{separator}{value.minute:02d}"
