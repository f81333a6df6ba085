"""Admin accounts and the console's login, as sync.logins does it for both servers.

scrypt hashes (werkzeug's default); five wrong passwords for one user within
15 minutes lock that user for 15 minutes (twenty from one address lock the
address); an unknown name costs the same hash check; a session carries the
account's session version, so logging out or disabling an account ends every
session it had. Only the session cookie opens the console: a sync token
(Authorization: Bearer) is never looked at here.
"""
import re

from flask import current_app, request

from sync import logins
from sync.errors import Invalid
from sync.i18n import _

from ..models import naive_utc
from ..offices import clock_now
from .models import AdminAccount, AdminLoginFailure

ROLES = ("admin", "viewer")
SESSION_KEY = "admin_id"
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,150}$")


def save_account(username, password, role):
    """Create the account, or give it a new password and role (and enable it again);
    (account, "created" | "changed"). Raises Invalid for a bad name, role or password."""
    _check(username, password, role)
    hashed = logins.hash_password(password)
    account = AdminAccount.get_or_none(AdminAccount.username == username)
    if account is None:
        return AdminAccount.create(username=username, password_hash=hashed, role=role), "created"
    account.password_hash, account.role, account.disabled = hashed, role, False
    account.save()
    logins.end_sessions(account)    # sessions opened with the old password end
    return account, "changed"


def _check(username, password, role):
    if not USERNAME.match(username or ""):
        raise Invalid(_("A username has 3 to 150 letters, digits, dots, dashes or "
                        "underscores."))
    if role not in ROLES:
        raise Invalid(_("A role is one of %(roles)s.", roles=", ".join(ROLES)))
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(_("A password has at least %(n)d characters.", n=MIN_PASSWORD))


def disable_account(username):
    """Disable the account and end its sessions; the account (None if there is none)."""
    account = AdminAccount.get_or_none(AdminAccount.username == username)
    if account is None:
        return None
    AdminAccount.update(disabled=True).where(AdminAccount.id == account.id).execute()
    logins.end_sessions(account)
    return AdminAccount.get_by_id(account.id)


def guard():
    return logins.LoginGuard(AdminLoginFailure, current_app.config["TIMEZONE"])


def authenticate(username, password):
    """The enabled account with these credentials, or None; raises LoginLocked while
    this user (or this address) is locked out."""
    now, address = naive_utc(clock_now()), request.remote_addr or ""
    guard().refuse_if_locked(username, address, now)
    account = AdminAccount.get_or_none(AdminAccount.username == username)
    usable = account is not None and not account.disabled
    if not logins.check_password(account.password_hash if usable else None, password):
        guard().failed(username, address, now)
        return None
    guard().succeeded(username)
    return account


def log_in(account):
    logins.begin_session(SESSION_KEY, account)


def log_out(account):
    if account is not None:
        logins.end_sessions(account)


def current_account():
    """The logged-in, enabled account of this request's session, or None."""
    if "antrean.admin" not in request.environ:
        request.environ["antrean.admin"] = logins.session_account(
            SESSION_KEY, AdminAccount, usable=lambda account: not account.disabled)
    return request.environ["antrean.admin"]
