"""Online backups of a SQLite database, and restoring one, through SQLite's backup API.

`flask --app branch backup PATH` (and central's) copies the database while the
server keeps serving. The copy is made in one step of the backup API, that is
inside one read transaction: it is the database as it was at one instant,
every committed ticket with its outbox event, nothing half-written. In WAL
mode a reader never blocks writers, so kiosks keep issuing numbers meanwhile.
(A copy made in several steps would restart whenever another connection
writes, and on a busy branch might never finish.) The copy is written beside
the target, checked with PRAGMA integrity_check, switched to a rollback journal
(one self-contained file), synced to disk and only then renamed into place.

`restore SOURCE` puts a backup in place of the database, refusing while anyone
has the database open (a server or a sync job: stop them first), and keeping
the database it replaces beside it.
"""
import os
import sqlite3
from datetime import datetime, timezone

MODE = 0o600        # a branch database holds NIKs: only its owner reads a copy


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do."""


def sqlite_path(url):
    """The file of a sqlite:/// URL; BackupError for any other database."""
    if not url.startswith("sqlite:///"):
        raise BackupError(
            "This database is not SQLite: back up PostgreSQL with its own tools "
            "(pg_dump, or pg_basebackup with WAL archiving; README, \"Backups\").")
    return url.removeprefix("sqlite:///").split("?", 1)[0]


def backup(url, target):
    """Copy the database at `url` to the new file `target`; its summary line."""
    source = sqlite_path(url)
    if not os.path.exists(source):
        raise BackupError(f"There is no database at {source}.")
    if os.path.exists(target):
        raise BackupError(f"{target} exists; give a new file name (a backup never overwrites).")
    _copy(source, target)
    return f"backup of {source} written to {target}: {_describe(target)}"


def restore(source, url, replace=False, now=None):
    """Put the backup `source` in place of the database at `url`; its summary line.

    Refuses a backup that fails its integrity check, an existing database unless
    `replace`, and a database anyone has open. The replaced database is kept as
    <file>.replaced-<UTC time>.
    """
    target = sqlite_path(url)
    if not os.path.exists(source):
        raise BackupError(f"There is no backup at {source}.")
    _check_integrity(source)
    if not os.path.exists(target):
        _copy(source, target)
        return f"restored {source} to {target}: {_describe(target)}"
    if not replace:
        raise BackupError(f"{target} exists; add --replace to put the backup in its place "
                          "(the database replaced is kept beside it).")
    kept = f"{target}.replaced-{(now or datetime.now(timezone.utc)):%Y%m%dT%H%M%SZ}"
    with _exclusive(target) as live:
        _backup_into(live, kept)
        with _connection(source) as backup_db:
            backup_db.backup(live)
        _check_integrity_of(live, target)
    return f"restored {source} to {target} (the database replaced is kept as {kept}): " \
           f"{_describe(target)}"


def _copy(source, target):
    """`source` into the new file `target`: written beside it, checked, synced, renamed."""
    partial = f"{target}.partial"
    if os.path.exists(partial):
        os.remove(partial)          # left by a copy that was interrupted
    try:
        with _connection(source, timeout=30) as db:
            _backup_into(db, partial)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    os.replace(partial, target)
    _sync_directory(target)


def _backup_into(db, path):
    """The database of connection `db` into the new file `path`, checked and synced."""
    copy = sqlite3.connect(path, isolation_level=None)
    try:
        os.chmod(path, MODE)
        db.backup(copy)             # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")     # one self-contained file
        _check_integrity_of(copy, path)
    finally:
        copy.close()
    with open(path, "rb+") as written:
        os.fsync(written.fileno())


class _connection:
    """A plain sqlite3 connection, closed on exit (sqlite3's own `with` only commits)."""

    def __init__(self, path, **options):
        self.db = sqlite3.connect(path, isolation_level=None, **options)

    def __enter__(self):
        return self.db

    def __exit__(self, *exc):
        self.db.close()


class _exclusive(_connection):
    """The database opened with an exclusive lock, or BackupError if anyone has it open.

    In WAL mode every open connection holds a shared lock, so an exclusive lock
    taken at once (no waiting) proves nobody else has the file open; the lock is
    kept until we close (locking_mode=EXCLUSIVE).
    """

    def __init__(self, path):
        super().__init__(path, timeout=0)
        self.path = path

    def __enter__(self):
        try:
            self.db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self.db.execute("BEGIN EXCLUSIVE")
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.db.close()
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise BackupError(f"{self.path} is in use (a server or a sync job has it open); "
                              "stop them, then restore.") from None
        return self.db


def _check_integrity(path):
    with _connection(path) as db:
        _check_integrity_of(db, path)


def _check_integrity_of(db, path):
    try:
        found = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
    if found != ["ok"]:
        raise BackupError(f"{path} fails its integrity check: {'; '.join(found[:5])}")


def _describe(path):
    with _connection(path) as db:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        versions = _schema_versions(db, tables)
    size = os.path.getsize(path)
    return (f"{size / 1e6:.1f} MB, {len(tables)} tables, integrity ok, schema version "
            f"{max(versions) if versions else 'none'}")


def _schema_versions(db, tables):
    if "schema_version" not in tables:
        return []
    return [v for (v,) in db.execute("SELECT version FROM schema_version")]


def _sync_directory(path):
    """The rename itself survives a power cut once the directory is synced (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def add_backup_commands(app, after_restore=None):
    """`flask backup PATH` and `flask restore SOURCE [--replace]` for the app's database;
    `after_restore()` (its summary line) runs once a backup is in place."""
    import click

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Copy the database to PATH, online (SQLite; PostgreSQL: see the README)."""
        _run(lambda: backup(app.config["DATABASE_URL"], path))

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(dir_okay=False))
    @click.option("--replace", is_flag=True,
                  help="Replace an existing database (kept beside it as .replaced-<time>).")
    def restore_command(source, replace):
        """Put the backup SOURCE in place of the database (stop the server and sync first)."""
        _run(lambda: restore(source, app.config["DATABASE_URL"], replace))
        if after_restore:
            _run(after_restore)
            click.echo("next: start the server")
        else:
            click.echo("next: run init-db (it upgrades a backup made by older code), then "
                       "start the server and the sync job")

    def _run(action):
        try:
            click.echo(action())
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
