"""Staff accounts and login: the counter pages use the session cookie, API clients HTTP Basic
(or the session cookie with the session's CSRF token in a header).

Passwords are stored as werkzeug hashes. Checking a hash is deliberately
slow, so an API client sending Basic auth on every call is verified once per
worker process and then recognised by a keyed digest of what it sent (the
cache key includes the stored hash, so a password change invalidates it).
"""
import functools
import hashlib
import hmac
import os
from urllib.parse import quote

from flask import redirect, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from . import errors
from .models import Staff

ROLES = ("staff", "supervisor")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "X-CSRF-Token"
_PEPPER = os.urandom(16)        # per process: the cache below is never valid elsewhere
_verified = {}                  # (staff id, stored hash, digest of password) -> True


def create_staff(username, password, role="staff"):
    """Create a staff account, or reset its password and role if it exists."""
    if role not in ROLES:
        raise errors.Invalid(f"A role is one of {', '.join(ROLES)}.")
    if not username or not password:
        raise errors.Invalid("A staff account needs a username and a password.")
    hashed = generate_password_hash(password)
    staff = Staff.get_or_none(Staff.username == username)
    if staff is None:
        return Staff.create(username=username, password_hash=hashed, role=role)
    staff.password_hash, staff.role = hashed, role
    staff.save()
    return staff


def authenticate(username, password):
    """The staff member with these credentials, or None."""
    staff = Staff.get_or_none(Staff.username == username)
    if staff is None or not password:
        return None
    key = (staff.id, staff.password_hash,
           hmac.new(_PEPPER, password.encode(), hashlib.sha256).digest())
    if key in _verified:
        return staff
    if not check_password_hash(staff.password_hash, password):
        return None
    if len(_verified) > 1000:   # a bound, not an LRU: a worker rarely sees many accounts
        _verified.clear()
    _verified[key] = True
    return staff


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
    staff = authenticate(auth.username, auth.password)
    if staff is None:
        raise errors.Unauthorized("Wrong username or password.")
    return staff


def _from_session():
    staff_id = session.get("staff_id")
    if not staff_id:
        return None
    if request.path.startswith("/api/") and request.method not in SAFE_METHODS:
        _check_csrf_header()
    return Staff.get_or_none(Staff.id == staff_id)


def csrf_matches(sent):
    """Whether `sent` is this session's CSRF token (the pages' form token)."""
    expected = session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(sent, expected)


def _check_csrf_header():
    """A browser sends the session cookie with any request to the branch, also one that
    another site's page makes it send; SameSite=Lax stops that only in browsers that
    know it. So an API write that rests on the cookie must also carry the session's
    CSRF token (the pages' form token), which another site cannot read."""
    if not csrf_matches(request.headers.get(CSRF_HEADER, "")):
        raise errors.CsrfRequired(
            f"A call made with the session cookie must send this session's CSRF token "
            f"(the pages' csrf_token) in the {CSRF_HEADER} header; programs use HTTP Basic.")


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
                    raise errors.Unauthorized("Please log in as staff (HTTP Basic or session).")
                return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}")
            if role and staff.role != role:
                raise errors.Forbidden(f"This needs a {role} login; {staff.username} is "
                                       f"{staff.role}.")
            return view(*args, **kwargs)
        return wrapper
    return decorate
