"""Central's database: one proxy, bound per app from its URL, and the read replica
that reports and the booking calendar read when REPLICA_URL names one (see
sync.database.ReadRoutingProxy: `with reading(): ...` or `@reading()`)."""
from sync.backup import add_backup_commands
from sync.database import ReadRoutingProxy, bind_flask_app, open_database, pooled, upgrade

db = ReadRoutingProxy()
reading = db.reading


# `migrations` is imported late: its scripts import the models, which import `db`.
def init_app(app):
    from . import migrations
    # A push stores a batch with one 1,000-row INSERT, whose statement journal SQLite
    # writes to a temp file unless temp files live in memory (4.6 -> 3.5 ms a batch).
    # Central's sorts are bounded (a digest covers at most 92 days); the branch keeps
    # temp files: its nightly digest may sort a whole backlog.
    bind_flask_app(app, db, migrations, temp_store="memory")
    replica = app.config.get("REPLICA_URL")
    db.replica = open_database(pooled(replica)) if replica else None
    app.teardown_request(lambda exc: db.close_replica())
    add_backup_commands(app, after_restore=_after_restore)


def _after_restore():
    """`restore` done: upgrade the restored database, then tell the branches (central.recovery)."""
    from .cli import after_restore_summary
    applied = init_db()
    with db.connection_context():
        summary = after_restore_summary()
    return f"init-db applied {', '.join(applied) or 'nothing'}; {summary}"


def init_db():
    """Create or upgrade the schema; safe to run any number of times."""
    from . import migrations
    return upgrade(db, migrations)
