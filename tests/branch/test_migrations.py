"""The branch schema comes from numbered scripts, applied once each."""
import pkgutil
import sqlite3

from branch import migrations
from branch.db import init_db

SCRIPTS = sorted(int(m.name[1:4]) for m in pkgutil.iter_modules(migrations.__path__))


def test_init_db_is_idempotent_and_records_each_script(branch_app, db_path):
    assert init_db() == []      # the fixture already migrated: nothing left to apply
    with sqlite3.connect(db_path) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == SCRIPTS and {1, 2, 3, 4, 40} <= set(SCRIPTS)


def test_reconcile_reads_a_day_of_the_outbox_through_its_index(branch_app, db_path):
    with sqlite3.connect(db_path) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT uuid, kind, payload FROM outbox "
            "WHERE office = 'SRG' AND day IN ('2026-11-27') AND state != 'quarantined'"
        ).fetchall()
    assert any("outbox_office_day" in row[-1] for row in plan), plan
