"""Multi-row INSERTs written by hand, for the batches branches push.

peewee's query builder spends more time composing a 1,000-row INSERT than
the database spends running it, so the hot path of a push builds the SQL
once per shape and hands the rows to the driver as flat parameters. The
same text runs on SQLite (3.35+) and PostgreSQL: ON CONFLICT and RETURNING
mean the same on both.

On PostgreSQL a large insert goes another way: psycopg2 spells every
parameter into the statement's text and the server parses it all again,
which made a 1,000-event batch cost ~45 ms. Instead the rows are COPied
into a session-local staging table and inserted from there by one INSERT ...
SELECT with the same ON CONFLICT and RETURNING.
"""
import io
import re
import zlib
from datetime import date
from itertools import chain

from sync.database import is_postgres

MAX_PARAMS = 30_000     # under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters
COPY_FROM_ROWS = 50     # on PostgreSQL, this many rows or more go through COPY
UNIQUE_VIOLATION = "23505"      # PostgreSQL's SQLSTATE


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


def insert_all(db, table, columns, rows):
    """Insert every row, or none if any of them is there already; whether they went in.

    On PostgreSQL many rows are COPied straight into the table, no staging: a
    row already there breaks the COPY (unique violation), which undoes it all.
    """
    with db.savepoint() as attempt:
        if copies(db, rows):
            try:
                copy_rows(db, table, columns, rows)
                return True
            except Exception as exc:    # psycopg2's, not peewee's: the driver raised it
                if getattr(exc, "pgcode", None) != UNIQUE_VIOLATION:
                    raise
        elif insert_count(db, table, columns, rows) == len(rows):
            return True
        attempt.rollback()
    return False


def _insert(db, table, columns, rows, conflict, returning=None):
    """Run the INSERTs for `rows`, a chunk of rows per statement; yields (chunk, cursor)."""
    if copies(db, rows):
        yield rows, _insert_copied(db, table, columns, rows, conflict, returning)
        return
    per_chunk = max(1, MAX_PARAMS // len(columns))
    for start in range(0, len(rows), per_chunk):
        chunk = rows[start:start + per_chunk]
        yield chunk, db.execute_sql(_sql(db, table, columns, len(chunk), conflict, returning),
                                    list(chain.from_iterable(chunk)))


def copies(db, rows):
    """Whether `rows` go in by COPY (PostgreSQL, COPY_FROM_ROWS or more)."""
    return len(rows) >= COPY_FROM_ROWS and is_postgres(db)


def copy_rows(db, table, columns, rows):
    """COPY `rows` straight into `table` (PostgreSQL); a row already there raises the
    driver's unique violation, and the transaction is aborted (callers decide)."""
    _copy(db.cursor(), table, columns, rows)


def _insert_copied(db, table, columns, rows, conflict, returning):
    """PostgreSQL: COPY `rows` into a staging table with `table`'s columns (made once per
    connection, a temporary table only it sees; emptied before each use), then
    INSERT ... SELECT from it; the cursor of that INSERT."""
    names = _column_list(columns)
    staging = f"staging_{table}_{zlib.crc32(names.encode()):08x}"     # one per column list
    cursor = db.cursor()
    cursor.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" AS '
                   f'SELECT {names} FROM "{table}" WITH NO DATA')
    cursor.execute(f'TRUNCATE "{staging}"')
    _copy(cursor, staging, columns, rows)
    tail = f" RETURNING {returning}" if returning else ""
    cursor.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{staging}" '
                   f"{conflict}{tail}")
    return cursor


def _copy(cursor, table, columns, rows):
    cursor.copy_expert(f'COPY "{table}" ({_column_list(columns)}) FROM STDIN', _copy_text(rows))


def _copy_text(rows):
    """`rows` in COPY's text format (tab-separated, \\N for null, escaped text), written
    column by column: a column's values nearly always share one type, so each column
    is converted by one loop of its own, not a Python call per value."""
    columns = [_copy_column(values) for values in zip(*rows)]
    return io.StringIO("".join("\t".join(line) + "\n" for line in zip(*columns)))


def _copy_column(values):
    """One column's values in COPY's text format (map() of builtins: no Python code
    runs per value)."""
    kinds = set(map(type, values))
    if kinds <= TEXT_OR_NULL:       # looked at all at once, escaped only when needed
        if _escapes("".join(filter(None, values))):
            return list(map(_copy_value, values))
        return values if NONE not in kinds else list(map(AS_NULL.get, values, values))
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {bytes}:
        return list(map(BYTEA.format, map(bytes.hex, values)))
    if kinds <= {bool, NONE}:
        return list(map(BOOLEAN.get, values))
    return list(map(_copy_value, values))


COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"
NONE = type(None)
TEXT_OR_NULL = {str, NONE}
AS_NULL = {None: COPY_NULL}         # AS_NULL.get(value, value): None as \N, text as itself
BOOLEAN = {True: "t", False: "f", None: COPY_NULL}
BYTEA = "\\\\x{}"                     # bytea in hex, its backslash escaped


def _escapes(text):
    """Whether `text` holds a character COPY's text format escapes (`in` scans at memory
    speed, several times faster than a regular expression's character class)."""
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _copy_value(value):
    if type(value) is str:      # most values: looked at once, copied only when escaped
        return value.translate(COPY_ESCAPES) if COPY_SPECIAL.search(value) else value
    if type(value) is int:
        return str(value)
    if value is None:
        return COPY_NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (bytes, memoryview)):
        return "\\\\x" + bytes(value).hex()
    return _copy_value(str(value))


def select_rows(db, sql, *params):
    """Run a SELECT whose params may be lists (each fills an `IN {}` placeholder).

    On PostgreSQL a list of text, numbers or dates goes as one array literal,
    `= ANY('{...}')`, whose type the server takes from the column: psycopg2
    spells every parameter into the statement, and a list of 300 NIKs as 300
    constants costs the server more to parse and plan than the query costs to
    run. Elsewhere (SQLite, lists of bytes) it is `IN (?, ?, ...)`.
    """
    parts, flat = sql.split("{}"), []
    for n, param in enumerate(params):
        if not isinstance(param, (list, set, tuple)):
            parts[n] += db.param
            flat.append(param)
            continue
        values = list(param)
        if is_postgres(db) and parts[n].rstrip().endswith(" IN") and _array_able(values):
            parts[n] = parts[n].rstrip()[:-2] + "= ANY(" + db.param + ")"
            flat.append(_array_literal(values))
        else:
            parts[n] += "(" + ", ".join([db.param] * len(values)) + ")"
            flat.extend(values)
    return db.execute_sql("".join(parts), flat).fetchall()


def _array_able(values):
    return all(isinstance(v, (str, int, date)) and not isinstance(v, bool) for v in values)


def _array_literal(values):
    """A PostgreSQL array literal of `values` (text, quoted element by element)."""
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def upsert_clause(key, columns):
    """ON CONFLICT (key) DO UPDATE SET every other column to the incoming value."""
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


def _sql(db, table, columns, count, conflict, returning):
    one = "(" + ", ".join([db.param] * len(columns)) + ")"
    names = _column_list(columns)
    tail = f" RETURNING {returning}" if returning else ""
    return f'INSERT INTO "{table}" ({names}) VALUES {", ".join([one] * count)} {conflict}{tail}'


def _column_list(columns):
    return ", ".join(f'"{c}"' for c in columns)
