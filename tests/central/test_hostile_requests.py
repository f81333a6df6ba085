"""Hostile input to central's API answers a clear 4xx, on SQLite and PostgreSQL: NUL bytes
in a path, a query or a string (PostgreSQL cannot store them), JSON nested a thousand
deep. Nothing is stored."""
import pytest
from central_support import PANDEGLANG_MAN, TUESDAY, statuses

DEEP = b"[" * 1000 + b"]" * 1000


def test_a_nul_in_a_path_or_a_query_is_a_clear_4xx(client):
    for path, status, code in (
            ("/api/v1/bookings/SRG%00/lookup", 404, "not_found"),
            ("/api/v1/offices/SRG%00/slots?date=2026-12-01", 404, "not_found"),
            ("/api/v1/offices/SRG/slots?date=2026-12-01%00", 400, "bad_request")):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == status, path
        assert response.json == {"error": code, "message": "The address holds a control "
                                 "character; check what was typed."}


def test_a_nul_in_a_json_string_is_refused_naming_the_field(book, client):
    for fields, where in (({"name": "Budi\u0000Santoso"}, "name"),
                          ({"phone": "0812\u00003456"}, "phone"),
                          ({"purpose": "general", "note\u0000": "x"}, "note?")):
        response = book(**fields)
        assert response.status_code == 422, fields
        assert response.json["error"] == "invalid"
        assert list(response.json["fields"]) == [where]
    response = client.post("/api/v1/bookings/SRG-AAAA1111/cancel",
                           json={"nik": PANDEGLANG_MAN + "\u0000"})
    assert response.status_code == 422 and list(response.json["fields"]) == ["nik"]
    assert statuses() == {}


def test_a_name_holds_no_control_character_and_fits_on_one_line(book):
    assert book(name="Budi\u0007").status_code == 422      # a bell is never a name
    refused = book(name="Budi\nSantoso", language="id")    # the schema: one line
    assert refused.status_code == 422
    assert refused.json["fields"] == {"name": "Ketik nama dalam satu baris, tanpa karakter "
                                              "khusus."}
    assert statuses() == {}


@pytest.mark.parametrize("path", ["/api/v1/bookings", "/api/v1/bookings/SRG-AAAA1111/cancel"])
def test_json_nested_a_thousand_deep_is_a_400(client, path):
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert statuses() == {}


def test_a_well_formed_booking_still_books(book):
    response = book(date=TUESDAY.isoformat())
    assert response.status_code == 201, response.json


def test_json_types_are_taken_strictly(book):
    """"hour": true must not book 01:00, nor "9" 09:00; a date is its ISO text."""
    for hour in (True, "9", 9.0):
        response = book(hour=hour)
        assert response.status_code == 422, hour
        assert list(response.json["fields"]) == ["hour"]
    for nik_ in (3601011708600001, None):
        assert book(nik=nik_).status_code == 422
    assert statuses() == {}
    assert book(hour=9, date=TUESDAY.isoformat()).status_code == 201
