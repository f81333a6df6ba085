"""Staff accounts and login: the counter pages use the session cookie, API clients HTTP Basic
(or the session cookie with the session's CSRF token in a header).

Passwords, lockout and sessions follow sync.logins: scrypt hashes; five wrong
passwords for a user within 15 minutes lock that user (form and Basic alike)
for 15 minutes; an unknown name costs the same time as a known one; logging
out ends every session of the account. Checking a hash is deliberately slow,
so an API client sending Basic auth on every call is verified once per worker
process and then recognised by a keyed digest of what it sent (the cache key
includes the stored hash, so a password change invalidates it).
"""
import functools
import hashlib
import hmac
import os
from urllib.parse import quote

from flask import current_app, has_request_context, redirect, request

from sync import logins
from sync.i18n import _
from sync.schema import MAX_STAFF, printable
from sync.websecurity import CSRF_HEADER, csrf_matches

from . import errors
from .clock import naive_utc
from .models import LoginFailure, Staff

ROLES = ("staff", "supervisor")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SESSION_KEY = "staff_id"
_PEPPER = os.urandom(16)        # per process: the cache below is never valid elsewhere
_verified = {}                  # (staff id, stored hash, digest of password) -> True


def create_staff(username, password, role="staff"):
    """Create a staff account, or reset its password and role if it exists."""
    if role not in ROLES:
        raise errors.Invalid(_("A role is one of %(roles)s.", roles=", ".join(ROLES)))
    if not username or not password:
        raise errors.Invalid(_("A staff account needs a username and a password."))
    if len(username) > MAX_STAFF or not printable(username):
        raise errors.Invalid(_("A username has at most %(count)d characters, without control "
                               "characters.", count=MAX_STAFF))
    hashed = logins.hash_password(password)
    staff = Staff.get_or_none(Staff.username == username)
    if staff is None:
        return Staff.create(username=username, password_hash=hashed, role=role)
    staff.password_hash, staff.role = hashed, role
    staff.save()
    logins.end_sessions(staff)      # a new password ends the sessions opened with the old
    return staff


def guard():
    return logins.LoginGuard(LoginFailure, current_app.config["TIMEZONE"])


def authenticate(username, password, address=None):
    """The staff member with these credentials, or None; raises LoginLocked while locked.
    `address`: the client's (default: this request's)."""
    now = naive_utc()
    if address is None:
        address = request.remote_addr if has_request_context() else ""
    guard().refuse_if_locked(username, address, now)
    staff = Staff.get_or_none(Staff.username == username)
    if staff is not None and _recently_verified(staff, password):
        return staff
    if not logins.check_password(staff.password_hash if staff else None, password):
        guard().failed(username, address, now)
        return None
    guard().succeeded(username)
    _remember(staff, password)
    return staff


def _cache_key(staff, password):
    return (staff.id, staff.password_hash,
            hmac.new(_PEPPER, (password or "").encode(), hashlib.sha256).digest())


def _recently_verified(staff, password):
    return _cache_key(staff, password) in _verified


def _remember(staff, password):
    if len(_verified) > 1000:   # a bound, not an LRU: a worker rarely sees many accounts
        _verified.clear()
    _verified[_cache_key(staff, password)] = True


def log_in(staff):
    """Start this staff member's session (the pages' login)."""
    logins.begin_session(SESSION_KEY, staff)


def log_out(staff):
    """End every session of this staff member, this one included."""
    if staff is not None:
        logins.end_sessions(staff)


def current_staff():
    """The logged-in staff member (session cookie or HTTP Basic), or None."""
    # Cached on the request itself: an app context (and its `g`) may outlive one request.
    if "antrean.staff" not in request.environ:
        request.environ["antrean.staff"] = _from_basic_auth() or _from_session()
    return request.environ["antrean.staff"]


def _from_basic_auth():
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return None
    staff = authenticate(auth.username or "", auth.password or "")
    if staff is None:
        raise errors.Unauthorized(_("Wrong username or password."))
    return staff


def _from_session():
    staff = logins.session_account(SESSION_KEY, Staff)
    if staff is None:
        return None
    if request.path.startswith("/api/") and request.method not in SAFE_METHODS:
        _check_csrf_header()
    return staff


def _check_csrf_header():
    """A browser sends the session cookie with any request to the branch, also one that
    another site's page makes it send; SameSite=Lax stops that only in browsers that
    know it. So an API write that rests on the cookie must also carry the session's
    CSRF token (the pages' form token), which another site cannot read."""
    if not csrf_matches(request.headers.get(CSRF_HEADER, "")):
        raise errors.CsrfRequired(
            _("A call made with the session cookie must send this session's CSRF token "
              "(the pages' csrf_token) in the %(header)s header; programs use HTTP Basic.",
              header=CSRF_HEADER))


def login_required(role=None):
    """Decorator: a logged-in staff member (with `role`, if given) or a refusal.

    API paths answer 401/403 as JSON; pages redirect to /login?next=<this page>.
    """
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                if request.path.startswith("/api/"):
                    raise errors.Unauthorized(
                        _("Please log in as staff (HTTP Basic or session)."))
                return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}")
            if role and staff.role != role:
                raise errors.Forbidden(_("This needs a %(role)s login; %(user)s is %(has)s.",
                                         role=role, user=staff.username, has=staff.role))
            return view(*args, **kwargs)
        return wrapper
    return decorate
