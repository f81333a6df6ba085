"""The sync job's last run, step by step (seconds and counts), for the branch's /metrics."""
from branch.models import SyncState
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "sync_state", last_run=SyncState.last_run)
