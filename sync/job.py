"""antrean-sync: push the outbox, pull central's changes, reconcile; for cron or --watch.

Exit status: 0 all three steps succeeded; 1 a step failed (one line says
why); 2 the configuration is unusable (no token; a database newer than this
code); 3 another job holds this branch's lock.
Configured by the branch's own ANTREAN_* settings (office, database, central
URL, token) plus ANTREAN_SYNC_MAX_SECONDS (default 300).
"""
import argparse
import logging
import sys
import time
from contextlib import contextmanager

from branch import config as branch_config
from branch.db import db, init_db
from sync import RESTORE_JUMP
from sync.database import SchemaTooNew, open_database
from sync.logs import init_logging
from sync.settings import settings, under_journald

from . import state
from .client import TRANSIENT_HTTP, CentralClient, CentralError, retry_policy
from .lock import AlreadyRunning, job_lock, lock_path
from .progress import progress_for
from .pull import pull_changes, pull_suspension_list
from .push import pending_count, push_outbox
from .reconcile import RECENT_DAYS, days_to_check, reconcile

log = logging.getLogger("antrean.sync")
OK, FAILED, BAD_CONFIG, LOCKED = 0, 1, 2, 3


class SyncFailed(Exception):
    """A step failed; the message is the one line cron mails."""


class ReconcileFailed(SyncFailed):
    """Days still differ after re-sending them."""


def load_settings(overrides=None):
    """The branch's configuration (defaults, ANTREAN_* environment, overrides)."""
    cfg = settings(branch_config.Defaults, overrides)
    if not cfg["DATABASE_URL"]:     # the branch app's own file, in its instance folder
        from flask import Flask
        app = Flask("branch")
        branch_config.load(app, overrides)
        cfg = dict(app.config)
    cfg.setdefault("SYNC_MAX_SECONDS", 300)
    cfg.setdefault("SYNC_BATCH_EVENTS", 1000)
    cfg.setdefault("SYNC_TIMEOUT", 60)
    return cfg


def run_once(cfg, sleep=time.sleep):
    """One push, pull and reconcile; returns (exit status, one-line summary)."""
    db.initialize(open_database(cfg["DATABASE_URL"]))
    try:
        init_db()       # idempotent: a new branch's first sync creates its tables
    except SchemaTooNew as exc:
        return BAD_CONFIG, _one_line(exc)
    with db.connection_context():
        state.ensure_state(db)
        state.record_attempt(db)
        retrying = retry_policy(float(cfg["SYNC_MAX_SECONDS"]), sleep=sleep)
        client = CentralClient(cfg["CENTRAL_URL"], str(cfg["TOKEN"]), cfg["OFFICE"], retrying,
                               timeout=(5, float(cfg["SYNC_TIMEOUT"])),
                               on_reach=lambda reached: state.record_reach(db, reached))
        steps = {}
        try:
            summary = _steps(cfg, client, retrying, steps)
        except Exception as exc:    # any failure: recorded for the banner, one line for cron
            message = _one_line(exc)
            state.record_outcome(db, message, client.reached, client.clock_drift, steps)
            _tell_central(client, message, False if isinstance(exc, ReconcileFailed) else None)
            return FAILED, message
        state.record_outcome(db, None, True, client.clock_drift, steps)
        _tell_central(client, None, True)
        return OK, summary


def _tell_central(client, error, reconciled):
    """Report the run to central's admins (outcome, reconcile, clock drift) when central
    answered at all; a report that does not get through is logged, never fatal."""
    if not client.reached:
        return
    try:
        client.report(error is None, reconciled, error)
    except Exception as exc:    # an older central (404), or the network went: only a report
        log.warning("could not report the run to central: %s", _one_line(exc))


def _steps(cfg, client, retrying, steps):
    office, batch = cfg["OFFICE"], int(cfg["SYNC_BATCH_EVENTS"])
    with _step(steps, office, "push") as done:
        waiting = pending_count(db)
        with progress_for(waiting) as progress:
            pushed = push_outbox(db, client, retrying, office, batch, progress, waiting=waiting)
        done(pushed.sent, "events sent", duplicates=pushed.duplicates,
             quarantined=len(pushed.quarantined))
    if pushed.quarantined:
        log.warning("central refused %d events (quarantined)", len(pushed.quarantined),
                    extra={"office": office, "step": "push"})
    before = state.pull_cursor(db)
    with _step(steps, office, "pull") as done:
        pulled = pull_changes(db, client, retrying)
        done(pulled, "changes applied")
    if before and state.pull_cursor(db) - before >= RESTORE_JUMP // 2:
        log.warning("central's change log jumped ahead: it was restored from a backup; "
                    "every day is reconciled (what central lost is sent again)",
                    extra={"office": office, "step": "pull"})
        state.set_reconcile_all(db, True)
    with _step(steps, office, "suspensions") as done:
        suspensions = pull_suspension_list(db, client, retrying)
        done(1, f"suspension list {suspensions}")
    every_day = bool(cfg.get("SYNC_RECONCILE_ALL")) or state.reconcile_all(db)
    days = days_to_check(office, pushed.days, recent=None if every_day else RECENT_DAYS)
    with _step(steps, office, "reconcile") as done:
        left = reconcile(db, client, retrying, office, days,
                         resend=lambda: push_outbox(db, client, retrying, office, batch))
        done(len(days), "day(s) compared", differing=len(left), every_day=every_day)
    if left:
        raise ReconcileFailed(f"reconcile: {len(left)} day(s) still differ after re-sending: "
                              + " | ".join(left))
    if every_day:
        state.set_reconcile_all(db, False)
    return (f"ok: pushed {pushed.sent} events ({pushed.duplicates} already at central, "
            f"{len(pushed.quarantined)} quarantined), pulled {pulled} changes, "
            f"suspension list {suspensions}, "
            f"{len(days)} day(s) reconciled")


@contextmanager
def _step(steps, office, name):
    """Time a step; `done(count, what, **fields)` logs its one line and notes it in `steps`
    (the job's last run, which the branch's /metrics shows)."""
    started, said = time.monotonic(), {}
    yield lambda count, what, **fields: said.update(count=count, what=what, fields=fields)
    seconds = round(time.monotonic() - started, 3)
    steps[name] = {"seconds": seconds, "count": said["count"]}
    log.info("%s: %d %s in %.1f s", name, said["count"], said["what"], seconds,
             extra={"office": office, "step": name, "count": said["count"], "seconds": seconds,
                    **said["fields"]})


def _one_line(exc):
    """The reason a run failed, on one line, saying whose side it is on."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, SyncFailed):
        return text
    if isinstance(exc, CentralError):
        side = "central failing" if exc.status >= 500 or exc.status == 429 else "central refused"
        return f"{side}: {exc.status} {exc.code}: {' '.join(exc.message.split())}"[:500]
    if isinstance(exc, TRANSIENT_HTTP):
        return f"central unreachable: {type(exc).__name__}: {text}"[:500]
    return f"sync failed: {type(exc).__name__}: {text}"[:500]


def watch(cfg, interval, sleep=time.sleep, runs=None):
    """Run again every `interval` seconds; a failed run is logged, never fatal."""
    done = 0
    while runs is None or done < runs:
        try:
            status, line = run_once(cfg, sleep=sleep)
        except Exception as exc:    # e.g. the branch database unreadable: try again later
            status, line = FAILED, _one_line(exc)
        (log.info if status == OK else log.error)("%s", line)
        done += 1
        sleep(interval)


def main(argv=None):
    """Console entry point: antrean-sync --once | --watch [--interval 30]."""
    args = _parse(argv)
    cfg = load_settings({"SYNC_RECONCILE_ALL": True} if args.full else None)
    init_logging(cfg["LOG_FORMAT"], cfg["LOG_LEVEL"], journald=under_journald())
    if not cfg.get("TOKEN"):
        print("antrean-sync: no token: set ANTREAN_TOKEN (flask --app central office token "
              f"{cfg['OFFICE']})", file=sys.stderr)
        return BAD_CONFIG
    try:
        with job_lock(lock_path(cfg["DATABASE_URL"])):
            if args.watch:
                return watch(cfg, args.interval) or OK
            status, line = run_once(cfg)
    except AlreadyRunning as exc:
        print(f"antrean-sync: {exc}; exiting", file=sys.stderr)
        return LOCKED
    print(f"antrean-sync: {line}", file=sys.stdout if status == OK else sys.stderr)
    return status


def _parse(argv):
    parser = argparse.ArgumentParser(prog="antrean-sync", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one run, for cron")
    mode.add_argument("--watch", action="store_true", help="run continuously")
    parser.add_argument("--full", action="store_true",
                        help="reconcile every day, not only the recent ones")
    parser.add_argument("--interval", type=float, default=30, help="seconds between runs")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
