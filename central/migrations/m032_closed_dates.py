"""Closed dates: national holidays, collective leave days and an office's own closures."""
from central.models import ClosedDate, closed_date_index


def up(db, migrator):
    db.create_tables([ClosedDate])
    db.execute(closed_date_index())
