"""Talking to central's sync API, and the one retry policy every step shares.

Connection errors, timeouts, 429 and 5xx may succeed on a later try, and so
may SQLite's "database is locked" (a branch clerk's write holding the lock):
those are retried with exponential backoff and jitter, bounded in total time.
Any other refusal (401, 403, 413, 422, ...) is final and raised at once.
"""
import logging
import sqlite3
import threading
import time
from concurrent.futures import Future, TimeoutError as WaitedTooLong
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import peewee
import requests
import tenacity
from tenacity import retry_if_exception, wait_random_exponential

log = logging.getLogger("antrean.sync")

TRANSIENT_HTTP = (requests.ConnectionError, requests.Timeout,
                  requests.exceptions.ChunkedEncodingError)


class CentralError(Exception):
    """Central answered with an error status; `code` and message come from its JSON."""

    def __init__(self, status, code, message):
        super().__init__(f"central answered {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    @classmethod
    def from_response(cls, response):
        try:
            body = response.json()
        except ValueError:
            body = {}
        return cls(response.status_code, body.get("error", "error"),
                   body.get("message", response.reason or "no message"))


def is_transient(exc):
    """True for failures that may succeed if tried again later."""
    if isinstance(exc, TRANSIENT_HTTP):
        return True
    if isinstance(exc, CentralError):
        return exc.status == 429 or exc.status >= 500
    if isinstance(exc, (sqlite3.OperationalError, peewee.OperationalError)):
        return "database is locked" in str(exc)
    return False


MAX_BACKOFF = 30       # seconds: the longest sleep between two tries


def retry_policy(max_seconds=300, sleep=time.sleep):
    """The one retry policy: transient failures, backoff with jitter, bounded in time.

    The bound is a deadline `max_seconds` from now, shared by every call the
    policy retries, so many steps that each retry cannot together outlast
    ANTREAN_SYNC_MAX_SECONDS.
    """
    deadline = time.monotonic() + max_seconds
    return tenacity.Retrying(
        retry=retry_if_exception(is_transient),
        wait=wait_random_exponential(multiplier=0.5, max=MAX_BACKOFF),
        stop=lambda state: time.monotonic() >= deadline,
        sleep=sleep, reraise=True,
        before_sleep=lambda state: log.info("retrying after: %s", state.outcome.exception()))


def within(seconds, call, *args, **kwargs):
    """call(*args, **kwargs), or requests.Timeout if it has not returned after `seconds`.

    The call runs in a daemon thread left behind when it overruns: a request
    cannot be interrupted from outside, and a re-sent batch is harmless (central
    keeps each event once) even if the abandoned one completes later.
    """
    done = Future()

    def run():
        try:
            done.set_result(call(*args, **kwargs))
        except BaseException as exc:        # handed to the caller, whatever it is
            done.set_exception(exc)
    threading.Thread(target=run, daemon=True, name="antrean-sync-request").start()
    try:
        return done.result(timeout=seconds)
    except WaitedTooLong:
        raise requests.Timeout(f"no whole answer within {seconds:g} s") from None


class CentralClient:
    """The sync API of one central, acting for one office with its token."""

    def __init__(self, base_url, token, office, retrying, timeout=(5, 60), on_reach=None):
        self.base_url, self.office, self.retrying = base_url.rstrip("/"), office, retrying
        self.timeout = timeout
        # Told at once when central stops (or starts again) answering, so the branch's pages
        # turn within one attempt rather than when the run's retries give up.
        self.on_reach = on_reach
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.reached = None          # did the last call get a (non-5xx) answer?
        self.clock_drift = None      # central's Date minus our clock, seconds
        # The read timeout bounds each read, not the answer: one trickling in a byte at a
        # time would hold an attempt (and the job's lock) for as long as it likes.
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self.answer_seconds = connect + 2 * read

    def push(self, body):
        """POST a gzip-compressed batch; central's answer (applied, quarantined, cursor)."""
        return self._call("POST", "/push", data=body,
                          headers={"Content-Type": "application/json",
                                   "Content-Encoding": "gzip"})

    def changes(self, since, limit):
        """A page of central's changes after `since`."""
        return self._call("GET", "/changes", params={"since": since, "limit": limit})

    def digest(self, day):
        """Central's digest of our office's `day`."""
        return self._call("GET", "/digest", params={"day": day.isoformat()})

    def digests(self, first, last):
        """Central's digests of our days from `first` to `last`, by ISO day (days with events)."""
        params = {"first": first.isoformat(), "last": last.isoformat()}
        return self._call("GET", "/digests", params=params)["digests"]

    def suspension_list(self, have=None):
        """Central's signed suspension list (entries left out if `have` is current)."""
        return self._call("GET", "/suspensions", params={} if have is None else {"have": have})

    def report(self, ok, reconciled, error):
        """Tell central how this run went (for its admins), one try: the run's outcome
        does not depend on it, and a central that cannot hear it loses only a report."""
        body = {"ok": ok, "reconciled": reconciled, "error": error,
                "clock_drift": self.clock_drift}
        return self._once("POST", "/report", json=body)

    def _call(self, method, path, **kwargs):
        return self.retrying(self._once, method, path, **kwargs)

    def _once(self, method, path, **kwargs):
        try:
            response = within(self.answer_seconds, self.session.request, method,
                              f"{self.base_url}/api/v1/sync{path}", timeout=self.timeout,
                              **kwargs)
        except TRANSIENT_HTTP:
            self._reached(False)
            raise
        self._reached(response.status_code < 500)   # a 5xx is an outage too, for the banner
        self._note_clock(response)
        if response.status_code >= 400:
            raise CentralError.from_response(response)
        return response.json()

    def _reached(self, reached):
        changed, self.reached = reached != self.reached, reached
        if changed and self.on_reach:
            try:
                self.on_reach(reached)
            except Exception:       # the banner must never stop a sync
                log.exception("could not record that central is %s",
                              "reachable" if reached else "unreachable")

    def _note_clock(self, response):
        try:
            central_now = parsedate_to_datetime(response.headers["Date"])
        except (KeyError, TypeError, ValueError):
            return
        self.clock_drift = (central_now - datetime.now(timezone.utc)).total_seconds()
