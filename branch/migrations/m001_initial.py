"""The first branch schema, written with the live models.

A later script that adds a column adds it only where it is missing
(sync.database.add_missing_columns) and creates its tables only if they are
missing, so a new database and an upgraded one end with the same schema. A
script that reshapes data must freeze the table shape it starts from.
"""
from branch.models import MODELS


def up(db, migrator):
    db.create_tables(MODELS)
