"""The one SyncState row: written by the job, only read by the branch pages (the banner)."""
import json

from branch.models import SyncState, utcnow
from sync.database import write_transaction


def ensure_state(db):
    """The SyncState row (id 1), created on the first run."""
    with write_transaction(db):
        state = SyncState.get_or_none(SyncState.id == 1)
        return state or SyncState.create(id=1)


def record_attempt(db):
    with write_transaction(db):
        SyncState.update(last_attempt=utcnow()).where(SyncState.id == 1).execute()


def record_outcome(db, error, reached, clock_drift, steps=None):
    """After a run: success clears the outage; a failure keeps when it began. `steps`:
    the run's {step: {"seconds", "count"}} (those it finished)."""
    now = utcnow()
    with write_transaction(db):
        state = SyncState.get_by_id(1)
        if steps is not None:
            state.last_run = json.dumps(steps, sort_keys=True)
        if reached is not None:
            state.central_reachable = reached
            state.unreachable_since = None if reached else (state.unreachable_since or now)
        if clock_drift is not None:
            state.clock_drift_seconds = round(clock_drift, 1)
        state.last_error = error
        if error is None:
            state.last_success = now
        state.save()


def pull_cursor(db):
    """Central's change number the branch has applied up to."""
    return SyncState.get_by_id(1).pull_cursor


def set_reconcile_all(db, value):
    """Remember (until a run reconciled every day) that every day must be reconciled."""
    with write_transaction(db):
        SyncState.update(reconcile_all=value).where(SyncState.id == 1).execute()


def reconcile_all(db):
    return SyncState.get_by_id(1).reconcile_all


def record_reach(db, reached):
    """As it happens (any thread): central answered, or could not be reached. The outage's
    start is kept; the run's outcome (record_outcome) still has the last word."""
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        with write_transaction(db):
            state = SyncState.get_by_id(1)
            state.central_reachable = reached
            state.unreachable_since = None if reached else (state.unreachable_since or utcnow())
            state.save(only=[SyncState.central_reachable, SyncState.unreachable_since])
    finally:
        if opened:
            db.close()
