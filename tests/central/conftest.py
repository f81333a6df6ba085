"""Central fixtures: an app on a fresh database (SQLite and PostgreSQL) with a clock we set."""
import pytest
from central_support import MONDAY_7AM, PANDEGLANG_MAN, TUESDAY, Clock

from central import create_app
from central.db import db, init_db
from central.offices import add_demo_offices


@pytest.fixture
def clock():
    return Clock(MONDAY_7AM)


@pytest.fixture
def app(central_db_url, clock):
    app = create_app({"DATABASE_URL": central_db_url, "TESTING": True, "CLOCK": clock,
                      "RATELIMIT_ENABLED": False})
    init_db()
    with db.connection_context():
        add_demo_offices()
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def book(client):
    """POST a booking with sensible defaults (SRG, Tuesday 09:00); returns the response.

    Messages in English (Accept-Language: en), which the tests assert; `language="id"`
    asks for the default, Bahasa Indonesia."""
    def book(language="en", **fields):
        body = {"office": "SRG", "date": TUESDAY.isoformat(), "hour": 9,
                "nik": PANDEGLANG_MAN, "name": "Budi Santoso", "purpose": "general"}
        body.update(fields)
        return client.post("/api/v1/bookings", json=body, headers={"Accept-Language": language})
    return book
