"""The branch's URL converters: what a path segment may hold before a view sees it."""
from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2 ** 63 - 1    # SQLite's largest integer


class RowId(IntegerConverter):
    """<int:...> in the branch's paths: a row id SQLite can hold (1 .. 2**63-1), else no match.

    A longer number would reach the database and overflow it (a 500); unmatched, it is
    a plain 404 in the usual error shape."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)
