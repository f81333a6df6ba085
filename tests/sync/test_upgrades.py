"""Upgrades: a database made by each earlier schema (tests/fixtures/schemas, made from
earlier commits by scripts/make_schema_fixtures.py) upgrades with today's init-db
without losing a row; a database newer than the code is refused, naming the versions."""
import pkgutil
from collections import Counter
import shutil
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest

import branch.db
import branch.migrations
import branch.models
import central.db
import central.merged
import central.migrations
import central.models
from sync.database import SchemaTooNew, open_database

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "schemas").glob("*.db"))
APPS = {
    "central": (central.db, central.migrations, central.models.MODELS + central.merged.MODELS),
    "branch": (branch.db, branch.migrations, branch.models.MODELS),
}


def scripts(package):
    return sorted(int(m.name[1:4]) for m in pkgutil.iter_modules(package.__path__)
                  if m.name[:1] == "m" and m.name[1:4].isdigit())


def snapshot(path):
    """{table: sorted rows as {column: value}}, every table but schema_version."""
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                             "'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: [dict(row) for row in conn.execute(f'SELECT * FROM "{t}"')]
                for t in tables if t != "schema_version"}


def comparable(rows, columns):
    """The rows on `columns`, as sortable tuples; 16-byte ids as UUID text (migration 004
    changed how an event id is stored, not what it is)."""
    def value(v):
        if isinstance(v, bytes) and len(v) == 16:
            return str(uuid.UUID(bytes=v))
        return "" if v is None else str(v)
    return sorted(tuple(value(row[c]) for c in columns) for row in rows)


def test_there_is_a_database_of_every_earlier_schema_of_both_apps():
    made = {f.name.split("-")[0] for f in FIXTURES}
    assert made == {"central", "branch"} and len(FIXTURES) >= 8, "run make_schema_fixtures.py"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_an_earlier_schema_upgrades_and_keeps_every_row(fixture, tmp_path):
    app = fixture.name.split("-")[0]
    database, migrations, models = APPS[app]
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    before = snapshot(path)
    assert sum(len(rows) for rows in before.values()) >= 5, "a fixture holds rows"
    database.db.initialize(open_database(f"sqlite:///{path}"))
    applied = database.init_db()
    assert applied, "an earlier schema has scripts to apply"
    assert database.init_db() == []                         # and only once
    after = snapshot(path)
    for table, rows in before.items():
        assert table in after, f"{app}: table {table} is gone"
        kept = [c for c in rows[0] if c in after[table][0]] if rows else []
        lost = Counter(comparable(rows, kept)) - Counter(comparable(after[table], kept))
        assert not lost, f"{app}: {table} lost rows {list(lost)}"     # a script may add rows
    with database.db.connection_context():
        versions = [v for (v,) in database.db.execute_sql("SELECT version FROM schema_version")]
        read = {model._meta.table_name: list(model.select().dicts()) for model in models}
    assert sorted(versions) == scripts(migrations)
    for table, rows in read.items():        # today's models read every row, every column
        assert len(rows) == len(after.get(table, [])), table


def test_a_database_newer_than_the_code_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "branch.db"
    branch.db.db.initialize(open_database(f"sqlite:///{path}"))
    branch.db.init_db()
    newest = scripts(branch.migrations)[-1]
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 'later')", (newest + 7,))
    with pytest.raises(SchemaTooNew) as refused:
        branch.db.init_db()
    message = str(refused.value)
    assert f"schema version {newest + 7}" in message
    assert f"this code knows up to {newest}" in message
    assert f"unknown to this code: {newest + 7}" in message
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (newest + 7,)


def test_init_db_on_a_newer_database_fails_with_one_clear_line(tmp_path):
    from branch import create_app
    path = tmp_path / "branch.db"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True})
    branch.db.init_db()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO schema_version VALUES (999, 'later')")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "Error: The database's schema is newer than this code" in result.output


def test_the_sync_job_refuses_a_newer_database_in_one_line(tmp_path):
    from sync.job import BAD_CONFIG, load_settings, run_once
    path = tmp_path / "branch.db"
    branch.db.db.initialize(open_database(f"sqlite:///{path}"))
    branch.db.init_db()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO schema_version VALUES (999, 'later')")
    cfg = load_settings({"DATABASE_URL": f"sqlite:///{path}", "TOKEN": "t",
                         "CENTRAL_URL": "http://127.0.0.1:9"})
    status, line = run_once(cfg)
    assert status == BAD_CONFIG and "\n" not in line
    assert line.startswith("sync failed: SchemaTooNew: The database's schema is newer")
