"""JSON API v1: status codes, bodies and the database behind them."""
from datetime import date, datetime

import pytest

from branch.models import LocalBooking, LocalSuspension, Outbox, Refusal, SyncState, Ticket
from branch_support import nik_for

NIK = "3601014507850003"
ELDER = "3602011203500001"
YOUNG = "3602015506900002"


def take(client, **body):
    return client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK, **body})


def test_issue_a_general_ticket(client):
    response = take(client)
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("number", "lane", "status", "day", "office", "nik",
                                 "beyond_quota")} == {
        "number": "A001", "lane": "general", "status": "waiting", "day": "2026-11-27",
        "office": "SRG", "nik": "3601********0003", "beyond_quota": False}
    assert Ticket.get_by_id(body["id"]).nik == NIK


def test_get_ticket_by_id_is_for_staff_only(client, staff_headers):
    ticket_id = take(client).get_json()["id"]
    anonymous = client.get(f"/api/v1/tickets/{ticket_id}")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    assert "nik" not in anonymous.get_json()
    assert client.get(f"/api/v1/tickets/{ticket_id}",
                      headers=staff_headers).get_json()["nik"] == NIK
    assert client.get("/api/v1/tickets/999", headers=staff_headers).status_code == 404


@pytest.mark.parametrize("body, status, error", [
    ({"nik": "123"}, 422, "invalid_nik"),
    ({"lane": "vip"}, 422, "invalid"),
    ({"lane": "priority", "nik": YOUNG, "reason": "elderly"}, 422, "not_elderly"),
    ({"lane": "priority", "nik": YOUNG, "reason": "tired"}, 422, "invalid"),
    ({"lane": "priority", "nik": YOUNG}, 422, "invalid"),
    ({"surprise": 1}, 422, "invalid"),
])
def test_refusals_are_json_with_the_right_status(client, body, status, error):
    response = take(client, **body)
    assert response.status_code == status
    assert response.get_json()["error"] == error and response.get_json()["message"]
    assert Ticket.select().count() == 0


def test_elderly_priority_ticket(client):
    response = take(client, lane="priority", nik=ELDER, reason="elderly")
    assert response.status_code == 201
    assert response.get_json()["number"] == "P001"


def test_suspended_nik_is_refused_with_the_end_date(client):
    LocalSuspension.create(central_id=1, nik=NIK, reason="falsified", starts_on=date(2026, 1, 1),
                           ends_on=date(2027, 6, 30))
    response = take(client)
    assert response.status_code == 403
    assert response.get_json()["error"] == "suspended"
    assert response.get_json()["ends_on"] == "2027-06-30"
    assert Refusal.select().count() == 1 and Ticket.select().count() == 0
    assert [e.kind for e in Outbox.select()] == ["suspended_refused"]


def test_cap_and_supervisor_override(branch_app, client, staff_headers, supervisor_headers):
    branch_app.config["CAP_GENERAL"] = 1
    assert take(client).status_code == 201
    refused = take(client, nik=nik_for(2))
    assert refused.status_code == 409 and refused.get_json()["error"] == "cap_reached"
    assert take(client, override=True).status_code == 401
    response = client.post("/api/v1/tickets", headers=staff_headers,
                           json={"lane": "general", "nik": NIK, "override": True})
    assert response.status_code == 403
    response = client.post("/api/v1/tickets", headers=supervisor_headers,
                           json={"lane": "general", "nik": NIK, "override": True})
    assert response.status_code == 201
    assert response.get_json()["beyond_quota"] is True
    assert Ticket.select().where(Ticket.beyond_quota == True).count() == 1  # noqa: E712


def test_wrong_password_is_401(client, counter, staff):
    import base64
    bad = {"Authorization": "Basic " + base64.b64encode(b"staff:nope").decode()}
    response = client.post("/api/v1/counters/1/call", headers=bad)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_booking_check_in_paths(client):
    LocalBooking.create(code="SRG-OK", office="SRG", date=date(2026, 11, 27), hour=9, nik=NIK,
                        name="Siti", purpose="hajj", status="booked")
    LocalBooking.create(code="SRG-LATER", office="SRG", date=date(2026, 12, 2), hour=9,
                        nik=NIK, name="Siti", purpose="hajj", status="booked")
    ok = take(client, lane="booking", booking_code="SRG-OK")
    assert ok.status_code == 201
    assert (ok.get_json()["number"], ok.get_json()["booking_verified"]) == ("B001", True)
    again = take(client, lane="booking", booking_code="SRG-OK")
    assert again.status_code == 409 and again.get_json()["ticket"] == "B001"
    later = take(client, lane="booking", booking_code="SRG-LATER")
    assert later.status_code == 409 and later.get_json()["error"] == "wrong_day"
    provisional = take(client, lane="booking", booking_code="SRG-UNKNOWN", nik=nik_for(2))
    assert provisional.status_code == 201
    assert provisional.get_json()["booking_verified"] is False


def test_counter_operations_need_a_login(client, counter):
    take(client)
    response = client.post("/api/v1/counters/1/call")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert client.post("/api/v1/tickets/1/finish", json={"outcome": "rejected"}).status_code == 401
    assert Ticket.get().status == "waiting"


def test_counter_operations_over_http_basic(client, counter, staff_headers):
    take(client)
    take(client, nik=nik_for(2))
    called = client.post("/api/v1/counters/1/call", headers=staff_headers)
    assert called.status_code == 200
    ticket = called.get_json()["ticket"]
    assert (ticket["number"], ticket["status"], ticket["counter"]) == ("A001", "called", "1")
    url = f"/api/v1/tickets/{ticket['id']}"
    assert client.post(f"{url}/recall", headers=staff_headers).get_json()["recalls"] == 1
    finished = client.post(f"{url}/finish", headers=staff_headers,
                           json={"outcome": "passport_issued"})
    assert finished.status_code == 200 and finished.get_json()["outcome"] == "passport_issued"
    bad = client.post(f"{url}/finish", headers=staff_headers, json={"outcome": "passport_issued"})
    assert bad.status_code == 409 and bad.get_json()["error"] == "invalid_state"
    second = client.post("/api/v1/counters/1/call", headers=staff_headers).get_json()["ticket"]
    moved = client.post(f"/api/v1/tickets/{second['id']}/transfer", headers=staff_headers,
                        json={"lane": "priority", "reason": "disability"})
    assert moved.get_json()["lane"] == "priority" and moved.get_json()["status"] == "waiting"
    again = client.post("/api/v1/counters/1/call", headers=staff_headers).get_json()["ticket"]
    gone = client.post(f"/api/v1/tickets/{again['id']}/no-show", headers=staff_headers)
    assert gone.get_json()["status"] == "no_show"
    empty = client.post("/api/v1/counters/1/call", headers=staff_headers)
    assert empty.status_code == 200 and empty.get_json() == {"ticket": None}
    assert [e.kind for e in Outbox.select().order_by(Outbox.seq)][2:] == [
        "ticket_called", "ticket_recalled", "ticket_finished", "ticket_called",
        "ticket_transferred", "ticket_called", "ticket_no_show"]


def test_counter_operations_over_the_session_cookie(client, counter, staff):
    take(client)
    with client.session_transaction() as session:
        session["staff_id"], session["csrf"] = staff.id, "the-session-token"
        session["staff_id_version"] = staff.session_version
    response = client.post("/api/v1/counters/1/call",
                           headers={"X-CSRF-Token": "the-session-token"})
    assert response.status_code == 200 and response.get_json()["ticket"]["number"] == "A001"


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-Token": "guessed"}])
def test_a_session_cookie_alone_cannot_write_through_the_api(client, counter, staff, headers):
    # What another site's page could make a logged-in browser send (an old browser
    # ignores SameSite): the cookie, but not the session's token.
    take(client)
    with client.session_transaction() as session:
        session["staff_id"], session["csrf"] = staff.id, "the-session-token"
        session["staff_id_version"] = staff.session_version
    response = client.post("/api/v1/counters/1/call", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "csrf_required"
    assert "X-CSRF-Token" in response.get_json()["message"]
    assert client.get("/api/v1/tickets/1").get_json()["status"] == "waiting"
    assert [e.kind for e in Outbox.select()] == ["ticket_issued"]


def test_board(client, counter, staff_headers):
    take(client)
    take(client, nik=nik_for(2))
    client.post("/api/v1/counters/3/call", headers=staff_headers)
    board = client.get("/api/v1/board").get_json()
    assert board["office"] == "SRG" and board["day"] == "2026-11-27"
    assert board["counters"][2] == {"counter": "3", "ticket_id": 1, "number": "A001",
                                    "status": "called", "recalls": 0}
    assert board["waiting"] == {"booking": 0, "priority": 0, "general": 1}


def test_status_reads_sync_state_and_outbox_counts(client, supervisor_headers, staff_headers):
    take(client)
    take(client, nik=nik_for(2))
    Outbox.update(state="quarantined", error="bad").where(Outbox.seq == 1).execute()
    SyncState.create(central_reachable=False, last_error="connection refused",
                     last_success=datetime(2026, 11, 27, 2, 12))
    body = client.get("/api/v1/status", headers=supervisor_headers).get_json()
    assert body["last_success"] == "2026-11-27T09:12:00+07:00"   # office time, ISO 8601
    assert (body["pending"], body["quarantined"]) == (1, 1)
    assert body["central_reachable"] is False and body["last_error"] == "connection refused"
    assert body["office"] == "SRG"
    staff = client.get("/api/v1/status", headers=staff_headers).get_json()
    assert staff == {**body, "last_error": None}         # plain state for staff
    anonymous = client.get("/api/v1/status")
    assert anonymous.status_code == 401 and "connection refused" not in anonymous.get_data(
        as_text=True)


def test_openapi_document_lists_the_ticket_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/tickets" in paths and "/api/v1/counters/{name}/call" in paths
