"""Opening a database from its URL the way Antrean needs it, and migrating it.

Both servers and the sync job go through here, so SQLite is always in WAL
mode with foreign keys, a busy timeout and synchronous=FULL (people's queue
numbers must survive a power cut).
"""
import importlib
import pkgutil
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse import db_url
from playhouse.pool import PooledPostgresqlDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 30000,
    "synchronous": "full",
}


def open_database(url, **pragmas):
    """A peewee database for `url` (sqlite:///path or postgresql://...); on SQLite,
    `pragmas` add to (or override) SQLITE_PRAGMAS."""
    if url.startswith("sqlite"):
        return db_url.connect(url, pragmas={**SQLITE_PRAGMAS, **pragmas}, timeout=30)
    if "," in urlsplit(url).netloc:
        return _several_hosts(url)
    return db_url.connect(url)


def _several_hosts(url):
    """A PostgreSQL URL naming several hosts (postgresql://a:5432,b:5432/antrean?
    target_session_attrs=read-write: libpq connects to whichever is the primary now,
    which is how clients follow a failover). playhouse.db_url cannot parse such a
    netloc, so the URL goes to libpq whole (as the database name, which libpq expands)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    pool = {k: int(query.pop(k)) for k in ("max_connections", "stale_timeout") if k in query}
    dsn = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), ""))
    if parts.scheme.endswith("+pool"):
        return PooledPostgresqlDatabase(dsn, **pool)
    return PostgresqlDatabase(dsn)


class ReadRoutingProxy(DatabaseProxy):
    """A DatabaseProxy that is the primary database, except on a thread inside
    `reading()`, where it is the read replica (when one is configured).

    The one routing rule: what a report or a calendar shows may be a few seconds
    old, so it enters reading(); everything else (every write, the quota check
    before a booking, a page that must show what was just done) never does and
    reads the primary. Inside the primary's own transaction reading() stays on
    the primary, so a transaction never mixes two databases. A write that strays
    into reading() fails on the replica (it is read-only) instead of going unseen.
    """
    __slots__ = ("obj", "_callbacks", "_Model", "replica", "_routes")

    def __init__(self):
        super().__init__()
        self.replica = None
        self._routes = threading.local()

    def __getattr__(self, attr):
        if attr in ("replica", "_routes"):    # slots not set yet (during __init__)
            raise AttributeError(attr)
        routed = getattr(self._routes, "database", None)
        return getattr(routed, attr) if routed is not None else super().__getattr__(attr)

    @contextmanager
    def reading(self, fresh=False):
        """Reads in this block (this thread) go to the replica, unless `fresh` is asked
        for, no replica is configured, or a primary transaction is open."""
        if (fresh or self.replica is None or getattr(self._routes, "database", None)
                or self.obj.in_transaction()):
            yield
            return
        self.replica.connect(reuse_if_open=True)
        self._routes.database = self.replica
        try:
            yield
        finally:
            self._routes.database = None

    def close_replica(self):
        """End of a request: hand the replica connection back to its pool."""
        if self.replica is not None and not self.replica.is_closed():
            self.replica.close()


def is_sqlite(db):
    return isinstance(_real(db), SqliteDatabase)


def is_postgres(db):
    return isinstance(_real(db), PostgresqlDatabase)


def _real(db):
    return getattr(db, "obj", db)  # unwrap a DatabaseProxy


def write_transaction(db):
    """A transaction that may read then write safely.

    SQLite: BEGIN IMMEDIATE takes the write lock before the first read, so a
    check-then-insert cannot interleave with another process. PostgreSQL:
    a plain transaction; callers lock the rows they count (SELECT ... FOR UPDATE).
    """
    return db.atomic("IMMEDIATE") if is_sqlite(db) else db.atomic()


def read_snapshot(db):
    """A transaction whose reads all see one state of the database. SQLite's
    transactions do; PostgreSQL's default (read committed) takes a fresh
    snapshot per statement, so ask for repeatable read. Inside a caller's
    transaction, whose isolation is set already, it is that transaction."""
    if not is_postgres(db) or db.in_transaction():
        return db.atomic()
    return _repeatable_read(db)


@contextmanager
def _repeatable_read(db):
    with db.atomic():
        db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def iso_day(value):
    """Dates come back as text from SQLite and as date from PostgreSQL: compare as text."""
    return value if isinstance(value, str) else value.isoformat()


def json_text(db, column, key):
    """SQL for the text of `key` in the JSON object stored (as text) in `column`."""
    if is_postgres(db):
        return f"({column}::json ->> '{key}')"
    return f"({column} ->> '{key}')"      # SQLite 3.38+


class SchemaTooNew(Exception):
    """The database has migrations this code does not know: newer code made it."""


def migrate(db, package):
    """Apply the numbered scripts `package/mNNN_*.py` not yet applied, each atomically.

    Refuses (SchemaTooNew, nothing changed) a database on which newer code has
    applied a script this code does not have: older code would write rows the
    newer schema no longer means that way.
    """
    db.execute_sql("CREATE TABLE IF NOT EXISTS schema_version "
                   "(version INTEGER PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)")
    migrator = SqliteMigrator(_real(db)) if is_sqlite(db) else PostgresqlMigrator(_real(db))
    scripts = _scripts(package)
    _refuse_newer(db, package, scripts)
    applied = []
    for version, name in scripts.items():
        # Checked inside the write transaction: two init-db runs at once apply a script once.
        with write_transaction(db):
            if db.execute_sql(f"SELECT 1 FROM schema_version WHERE version = {db.param}",
                              (version,)).fetchone():
                continue
            script = importlib.import_module(f"{package.__name__}.{name}")
            script.up(db, migrator)
            db.execute_sql(f"INSERT INTO schema_version (version, applied_at) "
                           f"VALUES ({db.param}, {db.param})", (version, _now()))
        applied.append(name)
    return applied


def _scripts(package):
    """{version: module name} of the package's mNNN_*.py scripts, in order."""
    found = {int(m.name[1:4]): m.name for m in pkgutil.iter_modules(package.__path__)
             if m.name.startswith("m") and m.name[1:4].isdigit()}
    return dict(sorted(found.items()))


def _refuse_newer(db, package, scripts):
    applied = {v for (v,) in db.execute_sql("SELECT version FROM schema_version")}
    unknown = sorted(applied - set(scripts))
    if unknown:
        app = package.__name__.split(".")[0]
        raise SchemaTooNew(
            f"The database's schema is newer than this code: it is at schema version "
            f"{max(applied)}, this code knows up to {max(scripts)} (migrations unknown to this "
            f"code: {', '.join(map(str, unknown))}). Install the Antrean {app} that made it, "
            "or restore a backup made by this version; nothing was changed.")


def add_missing_columns(db, migrator, table, **fields):
    """Add the columns `fields` (name -> peewee field) that `table` lacks.

    The first script of each app creates the live models, so on a new database
    a column added later exists already; on an old one it is added. Either way
    both end with the same schema.
    """
    from playhouse.migrate import migrate as run
    present = {column.name for column in db.get_columns(table)}
    missing = {name: field for name, field in fields.items() if name not in present}
    for name, field in list(missing.items()):
        if is_sqlite(db) and not field.null and _constant(field.default):
            _add_not_null_sqlite(db, table, name, field)
            del missing[name]
    run(*[migrator.add_column(table, name, field) for name, field in missing.items()])


def _constant(value):
    return isinstance(value, (str, int, float)) and not callable(value)


def _add_not_null_sqlite(db, table, name, field):
    """SQLite adds a NOT NULL column with a constant default in place. (playhouse adds it
    nullable, then rebuilds the table to make it NOT NULL, which fails once rows of
    another table reference this one: dropping the old table breaks their foreign keys.)"""
    ctx = db.get_sql_context()
    kind = ctx.sql(field.ddl_datatype(ctx)).query()[0]
    default = field.db_value(field.default)
    literal = ("'" + default.replace("'", "''") + "'" if isinstance(default, str)
               else str(int(default) if isinstance(default, bool) else default))
    db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {kind} NOT NULL '
                   f"DEFAULT {literal}")
    if field.index or field.unique:
        db.execute_sql(f'CREATE {"UNIQUE " if field.unique else ""}INDEX IF NOT EXISTS '
                       f'"{table}_{name}" ON "{table}" ("{name}")')


def upgrade(proxy, migrations):
    """Connect and apply `migrations` (see migrate); the scripts applied now."""
    with proxy.connection_context():
        return migrate(proxy, migrations)


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def bind_flask_app(app, proxy, migrations, **pragmas):
    """Bind `proxy` to app's DATABASE_URL, connect per request, add `flask init-db`."""
    import click

    proxy.initialize(open_database(pooled(app.config["DATABASE_URL"]), **pragmas))

    @app.before_request
    def _connect():
        proxy.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not proxy.is_closed():
            proxy.close()

    @app.cli.command("init-db")
    def init_db_command():
        """Create or upgrade the database (idempotent)."""
        try:
            applied = upgrade(proxy, migrations)
        except SchemaTooNew as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"applied {', '.join(applied)}" if applied else "database is up to date")


def pooled(url):
    """The URL of a pool in which a server thread keeps its connection between requests.

    sqlite:///f -> sqlite+pool:///f: opening a connection per request, and the
    WAL checkpoint SQLite runs when the last one closes, cost ~10 ms of a ~2 ms
    ticket; the pool hands each thread a connection only one thread uses at a
    time, hence check_same_thread=false. postgresql:// -> postgresql+pool://:
    a new PostgreSQL connection is a new server process, several milliseconds
    of every request; an idle one is closed after 5 minutes.
    """
    joiner = "&" if "?" in url else "?"
    if url.startswith("postgresql://"):
        return (f"postgresql+pool://{url.removeprefix('postgresql://')}{joiner}"
                "max_connections=64&stale_timeout=300")
    if not url.startswith("sqlite:///"):
        return url
    return (f"sqlite+pool:///{url.removeprefix('sqlite:///')}{joiner}"
            "check_same_thread=false&max_connections=64")
