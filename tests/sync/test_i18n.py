"""Languages: Indonesian by default, English as a switch; catalogues complete; dates and
hours as Indonesians write them (sync.i18n, sync.catalogues)."""
from datetime import date, datetime, timezone

import pytest

from branch import create_app as create_branch
from sync.catalogues import missing
from sync.i18n import format_clock, format_day, format_hour


@pytest.fixture
def app(tmp_path):
    app = create_branch({"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", "TESTING": True})
    with app.app_context():
        from branch.db import init_db
        init_db()
    return app


def test_every_string_in_the_code_has_an_indonesian_translation():
    """Fails naming each page or message string that lacks one (run `make messages`)."""
    assert missing() == []


def test_api_messages_follow_accept_language_and_default_to_indonesian(app):
    client = app.test_client()
    body = {"lane": "general", "nik": "3604011505900001"}
    default = client.post("/api/v1/counters/1/call", json=body)
    english = client.post("/api/v1/counters/1/call", json=body,
                          headers={"Accept-Language": "en-US,en;q=0.9"})
    assert default.get_json()["error"] == english.get_json()["error"] == "unauthorized"
    assert default.get_json()["message"] == "Silakan masuk sebagai petugas (HTTP Basic atau sesi)."
    assert english.get_json()["message"] == "Please log in as staff (HTTP Basic or session)."


def test_pages_are_indonesian_until_the_person_switches(app):
    client = app.test_client()
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert '<html lang="id">' in client.get("/login", headers=english_browser).get_data(True)
    switched = client.get("/lang/en?next=/login")
    assert switched.status_code == 303 and switched.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login").get_data(True)
    client.get("/lang/id?next=//evil.example")
    assert '<html lang="id">' in client.get("/login").get_data(True)


def test_dates_and_hours_as_indonesians_write_them(app):
    with app.test_request_context("/"):
        assert format_day(date(2026, 12, 7)) == "Senin, 7 Desember 2026"
        assert format_hour(9) == "09.00 WIB"
        assert format_hour(14, "Asia/Makassar") == "14.00 WITA"
        assert format_hour(8, "Asia/Jayapura") == "08.00 WIT"
        moment = datetime(2026, 12, 7, 2, 12, tzinfo=timezone.utc)
        assert format_clock(moment) == "09.12 WIB"
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        assert format_day(date(2026, 12, 7)) == "Monday, 7 December 2026"
        assert format_hour(9) == "09:00 WIB"
