"""The first branch schema, written with the live models.

When a later script alters one of these tables, freeze that table's
definition here first so a fresh database replays the history step by step.
"""
from branch.models import MODELS


def up(db, migrator):
    db.create_tables(MODELS)
