"""The optional kiosk key: where an office sets ANTREAN_KIOSK_KEY, only its own kiosks issue tickets.

A kiosk device is enrolled once by a supervisor (/kiosk/enroll, on the kiosk
itself): it gets a long-lived cookie holding a keyed digest of the key (never
the key itself), so changing the key un-enrolls every kiosk at once. A program
sends the key in the X-Kiosk-Key header. An enrolled kiosk is one PC serving
hundreds of people from one address, so it skips the per-address rate limit
(the per-NIK and provisional limits still hold). Without a key set, anyone on
the network may take a ticket, within the rate limit.
"""
import hashlib
import hmac

from flask import current_app, request

from sync.i18n import _

from . import errors

COOKIE = "antrean_kiosk"
HEADER = "X-Kiosk-Key"
COOKIE_DAYS = 5 * 365


def configured():
    return bool(current_app.config.get("KIOSK_KEY"))


def enrolment_token():
    """What an enrolled kiosk's cookie holds: a digest of the key, not the key."""
    key = str(current_app.config["KIOSK_KEY"]).encode()
    return hmac.new(key, b"antrean kiosk enrolment", hashlib.sha256).hexdigest()


def presented():
    """True when this request comes from an enrolled kiosk or carries the key."""
    if not configured():
        return False
    sent = request.headers.get(HEADER, "")
    if sent and hmac.compare_digest(sent.encode(), str(current_app.config["KIOSK_KEY"]).encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, enrolment_token())


def require():
    """Refuse to issue a ticket without the key, where the office set one."""
    if configured() and not presented():
        raise errors.KioskKeyRequired(_("This office issues tickets only at its own kiosks. "
                                        "Please use the kiosk in the waiting room, or ask at "
                                        "the information desk."))


def enrol(response):
    """Set the enrolment cookie on `response` (a supervisor's action on the kiosk device)."""
    response.set_cookie(COOKIE, enrolment_token(), max_age=COOKIE_DAYS * 86400, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


def exempt_from_rate_limit():
    """Flask-Limiter's request filter: an enrolled kiosk (or a client with the key) is exempt."""
    return presented()
