"""The office's clock: business dates and slot hours are local, stored times are UTC.

Tests set app.config["CLOCK"] (a callable returning an aware UTC datetime) to
fix the time; nothing else in branch reads the system clock for business dates.
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow(now=None):
    """Aware UTC now: `now` if given, else the app's CLOCK (tests), else the system clock."""
    if now is not None:
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    clock = current_app.config.get("CLOCK")
    return clock() if clock else datetime.now(timezone.utc)


def local_now(now=None):
    """The office's wall-clock time (Asia/Jakarta unless configured)."""
    return utcnow(now).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def today(now=None):
    """The office-local business date."""
    return local_now(now).date()


def naive_utc(now=None):
    """UTC without tzinfo, the way the tables store times."""
    return utcnow(now).replace(tzinfo=None)
