"""Sync: each office's backlog as its job last reported it (which branches are behind)."""
from playhouse.migrate import migrate

from central.merged import OfficeSync


def up(db, migrator):
    migrate(migrator.add_column("office_sync", "backlog", OfficeSync.backlog))
