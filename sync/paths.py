"""The URL converters both servers use: what a path segment may hold before a view sees it."""
from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2 ** 63 - 1    # SQLite's largest integer, and PostgreSQL's bigint


class RowId(IntegerConverter):
    """<int:...> in the servers' paths: a row id the databases can hold (1 .. 2**63-1),
    else no match.

    A longer number would reach the database and overflow it (a 500); unmatched, it is
    a plain 404 in the usual error shape. A route may narrow it: <int(min=0, max=23):hour>."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
