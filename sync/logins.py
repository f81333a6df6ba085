"""Logging in, the same way on both servers: password hashes, lockout, sessions that end.

- Passwords are hashed with werkzeug's default, scrypt (memory-hard, salted).
- Five wrong passwords for one user within 15 minutes lock that user's login
  (form and HTTP Basic alike) for 15 minutes; the right password is refused
  meanwhile. Twenty failures from one address within 15 minutes lock that
  address the same way, whatever names it tries. Failures are rows in the
  app's own database, so every worker process sees them.
- An unknown username costs the same hash check as a known one, so the time
  of the answer does not tell which names exist.
- A session carries its account's session version; logging out (or a password
  change, or disabling the account) bumps the version, and every cookie issued
  before stops working, also one somebody copied.
"""
import threading
from collections import deque
from datetime import timedelta

from flask import session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import AntreanError
from .i18n import _, format_clock

USER_FAILURES, ADDRESS_FAILURES = 5, 20
WINDOW = timedelta(minutes=15)      # failures counted within this long
LOCK = timedelta(minutes=15)        # how long a lock lasts
LOOKBACK = 2 * (WINDOW + LOCK)      # older failures cannot matter any more
_dummy = []
_dummy_lock = threading.Lock()


class LoginLocked(AntreanError):
    """Too many wrong passwords: no login for this user (or address) until `until`."""
    status, code = 429, "login_locked"

    def __init__(self, until, now, zone_name):
        seconds = max(1, int((until - now).total_seconds()))
        super().__init__(_("Too many wrong passwords. Logging in is blocked until %(time)s; "
                           "please try again then, or ask a supervisor.",
                           time=format_clock(until, zone_name)),
                         retry_after=seconds)
        self.headers = [("Retry-After", str(seconds))]


def hash_password(password):
    return generate_password_hash(password)


def check_password(stored_hash, password):
    """Whether `password` matches `stored_hash`; None (no such user) costs the same time."""
    if stored_hash is None:
        check_password_hash(_dummy_hash(), password or "")
        return False
    return bool(password) and check_password_hash(stored_hash, password)


def _dummy_hash():
    with _dummy_lock:
        if not _dummy:
            _dummy.append(generate_password_hash("no such user, no such password"))
    return _dummy[0]


class LoginGuard:
    """Failed logins of one app, kept in `model` (fields username, address, at)."""

    def __init__(self, model, zone_name="Asia/Jakarta"):
        self.model, self.zone_name = model, zone_name

    def refuse_if_locked(self, username, address, now):
        """Raise LoginLocked while this user or this address is locked out."""
        until = max(filter(None, [
            self._locked_until(self.model.username == username, USER_FAILURES, now),
            self._locked_until(self.model.address == address, ADDRESS_FAILURES, now)]),
            default=None)
        if until is not None:
            raise LoginLocked(until, now, self.zone_name)

    def failed(self, username, address, now):
        """Record a wrong password (or unknown name); old rows are dropped as we go."""
        with self.model._meta.database.atomic():
            self.model.delete().where(self.model.at < now - LOOKBACK).execute()
            self.model.create(username=username[:150], address=(address or "")[:64], at=now)

    def succeeded(self, username):
        """A right password: this user's failures no longer count."""
        self.model.delete().where(self.model.username == username).execute()

    def _locked_until(self, who, limit, now):
        times = [row.at for row in self.model.select(self.model.at)
                 .where(who, self.model.at >= now - LOOKBACK).order_by(self.model.at)]
        until = locked_until(times, limit)
        return until if until is not None and now < until else None


def locked_until(failures, limit, window=WINDOW, lock=LOCK):
    """When the last lock that `failures` (times, in order) earn ends, or None.

    `limit` failures within `window` lock for `lock`; failures during a lock are
    not counted (they are refused unseen), and a lock starts the count afresh.
    """
    until, recent = None, deque()
    for at in failures:
        if until is not None and at < until:
            continue
        while recent and at - recent[0] >= window:
            recent.popleft()
        recent.append(at)
        if len(recent) >= limit:
            until, recent = at + lock, deque()
    return until


# --- sessions -------------------------------------------------------------------------

def begin_session(key, account):
    """A fresh session for `account` under `key` (nothing planted before survives)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang          # the language switch is not a login matter
    session.permanent = True            # expires after SESSION_IDLE_MINUTES without use
    session[key] = account.id
    session[f"{key}_version"] = account.session_version


def session_account(key, model, usable=lambda account: True):
    """The account this session belongs to, if its version is still current."""
    account_id = session.get(key)
    if not account_id:
        return None
    account = model.get_or_none(model.id == account_id)
    if (account is None or account.session_version != session.get(f"{key}_version")
            or not usable(account)):
        return None
    return account


def end_sessions(account):
    """Every session of `account` ends now (logout, password change, disabled)."""
    model = type(account)
    (model.update(session_version=model.session_version + 1)
     .where(model.id == account.id).execute())
