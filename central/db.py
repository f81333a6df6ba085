"""Central's database: one DatabaseProxy, bound per app from its URL."""
from peewee import DatabaseProxy

from sync.backup import add_backup_commands
from sync.database import bind_flask_app, upgrade

db = DatabaseProxy()


# `migrations` is imported late: its scripts import the models, which import `db`.
def init_app(app):
    from . import migrations
    # A push stores a batch with one 1,000-row INSERT, whose statement journal SQLite
    # writes to a temp file unless temp files live in memory (4.6 -> 3.5 ms a batch).
    # Central's sorts are bounded (a digest covers at most 92 days); the branch keeps
    # temp files: its nightly digest may sort a whole backlog.
    bind_flask_app(app, db, migrations, temp_store="memory")
    add_backup_commands(app)


def init_db():
    """Create or upgrade the schema; safe to run any number of times."""
    from . import migrations
    return upgrade(db, migrations)
