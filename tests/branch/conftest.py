"""Branch fixtures: an app on a temp-file SQLite database whose central URL is a closed port.

Nothing in branch may call central while serving people, so CENTRAL_URL points
at a local port nobody listens on: a stray call would fail loudly.
"""
import socket
from datetime import datetime, timedelta, timezone

import pytest
from branch_support import basic_auth

from branch import create_app
from branch.auth import create_staff
from branch.cli import add_counters
from branch.db import db, init_db
from branch.models import Counter

PASSWORD = "test-password"
# 27 Nov 2026, 09:30 in Serang (UTC+7): office hours, slot 9 has begun.
START = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)


class Clock:
    """The app's clock in tests: fixed, moved on by hand."""

    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)

    def set_local(self, hour, minute=0, day=None):
        """Set the clock to `hour:minute` office time (UTC+7) on `day` (default: today's)."""
        day = day or (self.now + timedelta(hours=7)).date()
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)
        self.now = local - timedelta(hours=7)


def closed_port():
    """A local TCP port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "branch-srg.db"


@pytest.fixture
def branch_app(db_path, clock):
    """The branch app for office SRG on a fresh temp-file database, fixed clock."""
    app = create_app({"TESTING": True, "OFFICE": "SRG",
                      "DATABASE_URL": f"sqlite:///{db_path}",
                      "CENTRAL_URL": f"http://127.0.0.1:{closed_port()}",
                      "SECRET_KEY": "test", "CLOCK": clock, "RATELIMIT_ENABLED": False})
    init_db()
    with app.app_context():
        # Requests close the connection when they end; queries in the test reopen it.
        db.connect(reuse_if_open=True)
        yield app
        if not db.is_closed():
            db.close()


@pytest.fixture
def client(branch_app):
    return branch_app.test_client()


@pytest.fixture
def staff(branch_app):
    return create_staff("staff", PASSWORD, "staff")


@pytest.fixture
def supervisor(branch_app):
    return create_staff("supervisor", PASSWORD, "supervisor")


@pytest.fixture
def counter(branch_app):
    """Counter "1" (counters 2-4 exist too)."""
    add_counters(["1", "2", "3", "4"])
    return Counter.get(Counter.name == "1")


@pytest.fixture
def staff_headers(staff):
    return basic_auth(staff.username)


@pytest.fixture
def supervisor_headers(supervisor):
    return basic_auth(supervisor.username)



