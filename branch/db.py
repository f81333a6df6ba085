"""The branch's local database: one DatabaseProxy, bound per app from its URL."""
from peewee import DatabaseProxy

from sync.backup import add_backup_commands
from sync.database import bind_flask_app, upgrade

db = DatabaseProxy()


# `migrations` is imported late: its scripts import the models, which import `db`.
def init_app(app):
    from . import migrations
    bind_flask_app(app, db, migrations)
    add_backup_commands(app)


def init_db():
    """Create or upgrade the schema; safe to run any number of times."""
    from . import migrations
    return upgrade(db, migrations)
