"""One sync job per branch at a time: an exclusive lock on a file next to the branch
database (flock on POSIX, a byte-range lock on Windows, both through portalocker).

The kernel drops the lock when the process dies, even by SIGKILL, so a
killed job never leaves a stale lock behind.
"""
import os
from contextlib import contextmanager

import portalocker


class AlreadyRunning(Exception):
    """Another job holds this branch's lock."""


def lock_path(database_url):
    """The lock file for a branch database URL (sqlite:///path -> path.sync.lock)."""
    path = database_url.split(":///", 1)[-1] if database_url.startswith("sqlite") else None
    return f"{path}.sync.lock" if path else os.path.abspath("antrean-sync.lock")


@contextmanager
def job_lock(path):
    """Hold the job lock at `path`, or raise AlreadyRunning at once (never wait)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        portalocker.lock(fd, portalocker.LOCK_EX | portalocker.LOCK_NB)
    except portalocker.LockException:
        os.close(fd)
        raise AlreadyRunning(f"another antrean-sync is already running for this branch "
                             f"(lock {path} is held)") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)
