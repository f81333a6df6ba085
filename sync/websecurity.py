"""The security switches both servers set the same way, in one place.

Flask's own settings where it has them (SECRET_KEY, SESSION_COOKIE_*,
PERMANENT_SESSION_LIFETIME, MAX_CONTENT_LENGTH), Werkzeug's ProxyFix only
when a proxy is configured, and one after_request for the headers. See
Flask's "Security Considerations".
"""
import hmac
import secrets
from datetime import timedelta
from typing import Optional
from urllib.parse import urlsplit

from flask import has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

MIN_SECRET_KEY_LENGTH = 32

# No inline script or style anywhere: every page's JavaScript and CSS ship as files
# under /static. data: images carry the QR codes.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; media-src 'self'; connect-src 'self'; "
                           "font-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class WebDefaults:
    """The settings every web app of Antrean has (each app's Defaults inherit them)."""
    SECRET_KEY: Optional[str] = None    # required: at least 32 characters
    SESSION_IDLE_MINUTES = 60           # a login ends after this long without a request
    SESSION_COOKIE_SECURE = False       # True: never send the cookie over plain HTTP
    PROXY_HOPS = 0                      # reverse proxies in front whose X-Forwarded-* to trust
    MAX_CONTENT_LENGTH = 256 * 1024     # request bodies (a sync push has its own limit)
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URL: Optional[str] = None     # memory:// unless e.g. redis://host:6379
    LANGUAGE = "id"                     # pages and API messages; "en" is the other choice
    METRICS_ENABLED = True              # /metrics (Prometheus); false: 404
    METRICS_TOKEN: Optional[str] = None     # set: /metrics wants Authorization: Bearer <it>
    RATELIMIT_METRICS: str = "60/minute"    # scrapes per client address (Prometheus: ~4/min)
    LOG_FORMAT: str = "json"            # one JSON object a line; "text" for people at a terminal
    LOG_LEVEL: str = "INFO"
    LOG_REQUESTS = True                 # one line per request


class MissingSecretKey(SystemExit):
    """Raised at start-up: the server refuses to run without a real key."""


def require_secret_key(app):
    """A real SECRET_KEY, or refuse to start. The test suite alone gets a random one."""
    key = app.config.get("SECRET_KEY")
    if not key and app.config.get("TESTING"):
        key = secrets.token_hex(32)
    if not key or (len(str(key)) < MIN_SECRET_KEY_LENGTH and not app.config.get("TESTING")):
        raise MissingSecretKey(
            f"{app.import_name}: ANTREAN_SECRET_KEY is not set or shorter than "
            f"{MIN_SECRET_KEY_LENGTH} characters. It signs the login sessions: set it to a "
            "random value, e.g. ANTREAN_SECRET_KEY=$(python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'), the same for every worker of this server.")
    app.config["SECRET_KEY"] = str(key)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie Secure whenever the request came
    over HTTPS (directly, or through a configured proxy that said so)."""

    def get_cookie_secure(self, app):
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        return has_request_context() and request.is_secure


def harden(app):
    """Secret key, session cookie, proxy, body size and the security headers."""
    require_secret_key(app)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # A permanent session's cookie is re-signed on every request, and Flask refuses a
    # signature older than the lifetime: the lifetime is an idle timeout, enforced
    # by the server, not by the browser's good will.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        minutes=float(app.config["SESSION_IDLE_MINUTES"]))
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    app.session_interface = SessionInterface()
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_prefix=hops)

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


# --- CSRF: one token per session, sent back by every form and script ------------------

CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"


def csrf_token():
    """This session's form token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_matches(sent):
    """Whether `sent` is this session's CSRF token."""
    expected = session.get("csrf", "")
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(sent, expected)


def form_csrf_ok():
    """A POST form carries this session's token (field csrf_token, or the header)."""
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    return csrf_matches(sent)


# --- where a login may send a person back to -------------------------------------------

def safe_next(target, default):
    """`target` if it is a path on this site, else `default`: never another host.

    Browsers drop tabs and newlines from URLs, so "/\\t/evil.example" is "//evil.example"
    to them: anything but a plain printable path is refused.
    """
    if not target or not target.startswith("/") or not target.isprintable():
        return default
    if any(ch in target for ch in "\\ ") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
