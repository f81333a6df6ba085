"""The first schema: offices, bookings, suspensions, change log.

Written with the live models. When a later script alters one of these
tables, freeze that table's definition here first so a fresh database still
replays the history step by step.
"""
from central.models import MODELS, active_booking_index


def up(db, migrator):
    db.create_tables(MODELS)
    db.execute(active_booking_index())
