"""Central's /metrics: booking outcomes, access; one JSON log line per request.
(Pushed events and sync health: tests/sync/test_sync_metrics.py.)"""
import json

from central_support import nik
from metrics_support import scrape, value


def test_booking_outcomes_are_counted_by_error_code(client, book):
    before = scrape(client)
    assert book(nik=nik(1)).status_code == 201
    assert book(nik=nik(1)).status_code == 409           # duplicate_booking
    assert book(nik="123").status_code == 422            # invalid
    after = scrape(client)
    for outcome in ("created", "duplicate_booking", "invalid"):
        assert (value(after, "antrean_bookings_total", outcome=outcome)
                - value(before, "antrean_bookings_total", outcome=outcome)) == 1, outcome


def test_metrics_can_be_turned_off_or_require_a_token(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret-0123456789"
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.json["error"] == "unauthorized"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scrape(client, Authorization="Bearer scrape-secret-0123456789")
    app.config["METRICS_ENABLED"] = False
    assert client.get("/metrics").status_code == 404


def test_each_request_is_one_json_line_with_its_id(client, book, capsys):
    capsys.readouterr()
    response = book(nik=nik(2))
    sent = client.get("/api/v1/offices", headers={"X-Request-ID": "trace-42"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    booked, offices = [line for line in lines if line["logger"] == "antrean.request"]
    assert booked["status"] == 201 and booked["method"] == "POST"
    assert booked["path"] == "/api/v1/bookings" and booked["app"] == "central"
    assert booked["request_id"] == response.headers["X-Request-ID"]
    assert booked["duration_ms"] > 0 and booked["level"] == "info"
    assert offices["request_id"] == "trace-42" == sent.headers["X-Request-ID"]
