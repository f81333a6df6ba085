"""Sync: central's merged view of branch events (received events, tickets,
passports by regency, refusals, conflicts, quarantine, per-office cursor)."""
from central.merged import MODELS


def up(db, migrator):
    db.create_tables(MODELS)
