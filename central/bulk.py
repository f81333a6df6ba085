"""Multi-row INSERTs written by hand, for the batches branches push.

peewee's query builder spends more time composing a 1,000-row INSERT than
the database spends running it, so the hot path of a push builds the SQL
once per shape and hands the rows to the driver as flat parameters. The
same text runs on SQLite (3.35+) and PostgreSQL: ON CONFLICT and RETURNING
mean the same on both.
"""
from itertools import chain

MAX_PARAMS = 30_000     # under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters


def insert_rows(db, table, columns, rows, conflict="ON CONFLICT DO NOTHING", returning=None):
    """Insert `rows` (tuples in `columns` order); the RETURNING values if asked."""
    found = []
    for _, cursor in _insert(db, table, columns, rows, conflict, returning):
        if returning:
            found.extend(cursor.fetchall())
    return found


def insert_count(db, table, columns, rows, conflict="ON CONFLICT DO NOTHING"):
    """Insert `rows` like insert_rows; how many rows the conflict clause let in."""
    return sum(cursor.rowcount for _, cursor in _insert(db, table, columns, rows, conflict))


def _insert(db, table, columns, rows, conflict, returning=None):
    """Run the INSERTs for `rows`, a chunk of rows per statement; yields (chunk, cursor)."""
    per_chunk = max(1, MAX_PARAMS // len(columns))
    for start in range(0, len(rows), per_chunk):
        chunk = rows[start:start + per_chunk]
        yield chunk, db.execute_sql(_sql(db, table, columns, len(chunk), conflict, returning),
                                    list(chain.from_iterable(chunk)))


def select_rows(db, sql, *params):
    """Run a SELECT whose params may be lists (each expands an `IN {}` placeholder)."""
    holders, flat = [], []
    for param in params:
        if isinstance(param, (list, set, tuple)):
            values = list(param)
            holders.append("(" + ", ".join([db.param] * len(values)) + ")")
            flat.extend(values)
        else:
            holders.append(db.param)
            flat.append(param)
    return db.execute_sql(sql.format(*holders), flat).fetchall()


def upsert_clause(key, columns):
    """ON CONFLICT (key) DO UPDATE SET every other column to the incoming value."""
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


def _sql(db, table, columns, count, conflict, returning):
    one = "(" + ", ".join([db.param] * len(columns)) + ")"
    names = ", ".join(f'"{c}"' for c in columns)
    tail = f" RETURNING {returning}" if returning else ""
    return f'INSERT INTO "{table}" ({names}) VALUES {", ".join([one] * count)} {conflict}{tail}'
