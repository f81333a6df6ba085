"""GET /api/v1/offices, an office's slots, and the OpenAPI document."""
from datetime import datetime, timezone

from central_support import SATURDAY, TUESDAY, nik

from central.db import db
from central.offices import save_office


def test_offices_are_listed_with_their_settings(client):
    offices = client.get("/api/v1/offices").get_json()
    assert [o["code"] for o in offices] == ["CLG", "SRG"]
    srg = offices[1]
    assert srg == {"code": "SRG", "name": "Kantor Imigrasi Serang", "timezone": "Asia/Jakarta",
                   "open_days": [1, 2, 3, 4, 5], "daily_quota": 140,
                   "slot_hours": [8, 9, 10, 11, 12, 13, 14], "slot_capacity": 20,
                   "booking_window_days": 30, "hajj_regencies": ["3601", "3602"],
                   "address": "Jl. Bhayangkara No. 1, Cipocok Jaya, Kota Serang, Banten",
                   "closed_dates": []}
    assert offices[0]["hajj_regencies"] == ["3604", "3672", "3673"]


def test_slots_show_places_taken_and_left(client, book):
    book(nik=nik(1), hour=9)
    book(nik=nik(2), hour=9)
    body = client.get(f"/api/v1/offices/SRG/slots?date={TUESDAY}").get_json()
    assert (body["office"], body["date"], body["quota"], body["booked"]) == \
        ("SRG", "2026-12-01", 140, 2)
    assert body["bookable"] is True
    assert len(body["slots"]) == 7
    assert body["slots"][1] == {"hour": 9, "capacity": 20, "begun": False, "booked": 2,
                                "available": 18}
    assert body["slots"][0] == {"hour": 8, "capacity": 20, "begun": False, "booked": 0,
                                "available": 20}
    assert (body["available"], body["closed_reason"]) == (138, None)


def test_a_closed_day_has_no_places(client):
    body = client.get(f"/api/v1/offices/SRG/slots?date={SATURDAY}").get_json()
    assert body["bookable"] is False
    assert {slot["available"] for slot in body["slots"]} == {0}


def test_slots_errors(client):
    response = client.get("/api/v1/offices/XYZ/slots?date=2026-12-01")
    assert (response.status_code, response.get_json()["error"]) == (404, "not_found")
    response = client.get("/api/v1/offices/SRG/slots?date=tomorrow")
    assert response.status_code == 422
    assert "date" in response.get_json()["fields"]
    assert client.get("/api/v1/offices/SRG/slots").status_code == 422


def test_today_is_the_offices_own_date(client, clock):
    with db.connection_context():
        save_office("DJJ", name="Kantor Imigrasi Jayapura", timezone="Asia/Jayapura")
    clock.now = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)   # 23:00 Mon in Serang
    monday = "2026-11-30"                                             # 01:00 Tue in Jayapura
    assert client.get(f"/api/v1/offices/SRG/slots?date={monday}").get_json()["bookable"]
    assert not client.get(f"/api/v1/offices/DJJ/slots?date={monday}").get_json()["bookable"]


def test_openapi_lists_the_booking_paths_with_the_request_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    for path in ("/api/v1/offices", "/api/v1/offices/{code}/slots", "/api/v1/bookings",
                 "/api/v1/bookings/{code}/lookup", "/api/v1/bookings/{code}/cancel"):
        assert path in paths, path
    post = paths["/api/v1/bookings"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(schema["properties"]) == {"office", "date", "hour", "nik", "name", "phone",
                                         "purpose"}
    assert set(schema["required"]) == {"office", "date", "hour", "nik", "name", "purpose"}
    assert {"201", "403", "404", "409", "422"} <= set(post["responses"])
    params = paths["/api/v1/offices/{code}/slots"]["get"]["parameters"]
    assert {p["name"] for p in params} == {"code", "date"}
