"""What the pages say about sync: read from the row the sync job writes, never from central.

Serving a page must not wait for central, so everything here is a local read
of SyncState and Outbox. Times in the database are UTC; people read them in
the office's local time.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from peewee import fn

from sync.i18n import _, format_clock, format_short_day, ngettext

from .models import Outbox, SyncState
from .clock import naive_utc

QUARANTINE_SHOWN = 200   # the page lists at most this many; the count says how many in all


def sync_status(now=None):
    """Sync state, backlog and quarantined records, as the status page shows them."""
    state, pending = _state(), _count("pending")
    return {
        "last_attempt": _local(state and state.last_attempt),
        "last_success": _local(state and state.last_success),
        "central_reachable": state.central_reachable if state else None,
        "unreachable_since": _local(state and state.unreachable_since),
        "last_error": state.last_error if state else None,
        "clock_drift": state.clock_drift_seconds if state else None,
        "pull_cursor": state.pull_cursor if state else 0,
        "pending": pending,
        "quarantined": _count("quarantined"),
        "oldest_pending": _local(_oldest_pending()),
        "quarantine": _quarantined_rows(),
        "banner": _banner(state, pending, now),
    }


def banner(now=None):
    """"Central server unreachable since 09.12 WIB — 214 records waiting to be sent. Serving
    goes on as usual.", or None while all is well (or not yet for long)."""
    return _banner(_state(), _count("pending"), now)


def _banner(state, waiting, now):
    now = naive_utc(now)
    since = _trouble_start(state, waiting)
    limit = timedelta(minutes=float(current_app.config["BANNER_AFTER_MINUTES"]))
    if since is None or now - since < limit:
        return None
    return trouble_text(state, since, waiting, now)


def trouble_text(state, since, waiting, now=None):
    """The plain words for an outage: since when, how much waits, that serving goes on."""
    records = _records(waiting)
    when = _clock(since, naive_utc(now))
    if state and state.central_reachable:
        return _("No complete sync with the central server since %(when)s; %(records)s. "
                 "Serving goes on as usual.", when=when, records=records)
    return _("The central server cannot be reached since %(when)s; %(records)s. Serving goes "
             "on as usual: everything is kept here and sent once it is back.",
             when=when, records=records)


def summary(now=None):
    """What the status page and the counter say in words: (kind, text), kind ok | trouble | new."""
    state, waiting = _state(), _count("pending")
    if state is None or state.central_reachable is None:
        return "new", _("Not yet in contact with the central server; %(records)s.",
                        records=_records(waiting))
    if state.central_reachable is False:
        since = state.unreachable_since or state.last_attempt
        return "trouble", trouble_text(state, since, waiting, now)
    when = _clock(state.last_success, naive_utc(now)) if state.last_success else "—"
    return "ok", _("Connected to the central server (last complete sync %(when)s); "
                   "%(records)s.", when=when, records=_records(waiting))


def _trouble_start(state, waiting):
    """When central was last reached in full (naive UTC), or None if there is nothing to say."""
    if state and state.central_reachable:
        # Reached on the last run: worth a word only if records pile up all the same
        # (a job that stopped running, or runs too rarely for BANNER_AFTER_MINUTES).
        return (state.last_success or _oldest_pending()) if waiting else None
    if state and (state.unreachable_since or state.last_success or state.last_attempt):
        return state.unreachable_since or state.last_success or state.last_attempt
    # Never tried since the branch started: worth a word once records wait.
    return _oldest_pending() if waiting else None


def _state():
    return SyncState.select().order_by(SyncState.id).first()


def _count(state):
    return Outbox.select().where(Outbox.state == state).count()


def _oldest_pending():
    oldest = (Outbox.select(fn.MIN(Outbox.created_at))
              .where(Outbox.state == "pending").scalar())
    return datetime.fromisoformat(oldest) if isinstance(oldest, str) else oldest


def _quarantined_rows():
    rows = (Outbox.select().where(Outbox.state == "quarantined")
            .order_by(Outbox.seq).limit(QUARANTINE_SHOWN))
    return [{"seq": r.seq, "uuid": r.uuid, "day": r.day, "kind": r.kind,
             "payload": r.payload, "created_at": _local(r.created_at), "error": r.error}
            for r in rows]


def _zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def _local(moment):
    """A naive UTC datetime from the database, in the office's time zone."""
    if not moment:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(_zone())


def _clock(moment, now):
    """09.12 WIB today; 26 Nov 2026 09.12 WIB on another day (office time)."""
    zone = current_app.config["TIMEZONE"]
    local, today = _local(moment), _local(now).date()
    clock = format_clock(moment, zone)
    return clock if local.date() == today else f"{format_short_day(local.date())} {clock}"


def _records(n):
    return ngettext("%(num)s record is waiting to be sent",
                    "%(num)s records are waiting to be sent", n)
