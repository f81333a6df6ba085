"""Reconcile every day once central was restored from a backup (sync.job, central.recovery)."""
from branch.models import SyncState
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "sync_state", reconcile_all=SyncState.reconcile_all)
