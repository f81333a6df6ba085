"""One writer at a time, handed over by the operating system rather than by SQLite polling.

BEGIN IMMEDIATE already makes SQLite writes safe across threads and
processes, but a connection that finds the write lock taken waits in
SQLite's busy handler, which sleeps 1, 2, 5 ... up to 100 ms between tries.
Under a burst (several kiosks, gunicorn workers) those sleeps, not the work,
make the slowest requests. So the branch's own writers first queue on a
thread lock and an exclusive lock on `<database>.writelock` (flock on POSIX,
through portalocker, which also locks on Windows): the kernel wakes the next
writer the moment the last one commits. Correctness never depends on this
lock (other programs, like the sync job, may skip it): BEGIN IMMEDIATE and
the unique indexes still decide.
"""
import os
import threading
from contextlib import contextmanager

import portalocker

from sync.database import is_sqlite, write_transaction

_thread_turn = threading.Lock()
_lock_files = {}        # (pid, path) -> fd: a forked worker opens its own
_holder = threading.local()     # .path: the database whose turn this thread holds


@contextmanager
def write_turn(db):
    """write_transaction(db), entered only when this process's turn to write has come."""
    path = _lock_path(db)
    if path is None or getattr(_holder, "path", None) == path:
        # Not SQLite, or already this thread's turn: a nested write is a savepoint.
        with write_transaction(db):
            yield
        return
    with _thread_turn:
        fd = _lock_file(path)
        portalocker.lock(fd, portalocker.LOCK_EX)
        _holder.path = path
        try:
            with write_transaction(db):
                yield
        finally:
            _holder.path = None
            portalocker.unlock(fd)


def _lock_path(db):
    name = getattr(getattr(db, "obj", db), "database", None)
    if not is_sqlite(db) or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return f"{name}.writelock"


def _lock_file(path):
    key = (os.getpid(), path)
    if key not in _lock_files:
        _lock_files[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    return _lock_files[key]
