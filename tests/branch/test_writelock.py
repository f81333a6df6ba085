"""The write turn: one writer at a time across threads, nested writes allowed."""
import threading
import time

from branch.db import db
from branch.models import Counter
from branch.writelock import write_turn


def test_nested_write_turn_is_a_savepoint(branch_app):
    with write_turn(db):
        Counter.create(name="9")
        with write_turn(db):
            Counter.create(name="10")
    assert Counter.select().count() == 2


def test_failure_in_a_nested_turn_rolls_back_only_the_inner_part(branch_app):
    with write_turn(db):
        Counter.create(name="9")
        try:
            with write_turn(db):
                Counter.create(name="10")
                raise RuntimeError("inner")
        except RuntimeError:
            pass
    assert [c.name for c in Counter.select()] == ["9"]


def test_writers_take_turns(branch_app):
    inside, overlaps = [], []

    def writer(name):
        with branch_app.app_context(), db.connection_context():
            with write_turn(db):
                inside.append(name)
                overlaps.append(len(inside))
                Counter.create(name=name)
                time.sleep(0.01)
                inside.remove(name)

    threads = [threading.Thread(target=writer, args=(str(n),)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [1] * 6 and Counter.select().count() == 6


def test_the_branch_keeps_pooled_connections_with_durable_pragmas(branch_app):
    assert type(db.obj).__name__ == "PooledSqliteDatabase"
    pragmas = [db.execute_sql(f"PRAGMA {name}").fetchone()[0]
               for name in ("journal_mode", "synchronous", "foreign_keys")]
    assert pragmas == ["wal", 2, 1]     # synchronous=2 is FULL
