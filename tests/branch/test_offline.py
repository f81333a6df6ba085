"""Every action works with central unreachable, and serving never even tries to reach it."""
import socket
from datetime import date

import pytest

from branch.models import LocalBooking, LocalSuspension, Ticket

NIK = "3601014507850003"


@pytest.fixture
def no_network(monkeypatch):
    """Any outgoing connection attempt fails the test, not just a refused one."""
    attempts = []

    def connect(sock, address):
        attempts.append(address)
        raise AssertionError(f"branch tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    return attempts


def test_whole_day_with_central_unreachable(branch_app, client, counter, staff_headers,
                                           supervisor_headers, no_network):
    assert branch_app.config["CENTRAL_URL"].startswith("http://127.0.0.1:")
    LocalBooking.create(code="SRG-OK", office="SRG", date=date(2026, 11, 27), hour=9, nik=NIK,
                        name="Siti", purpose="hajj", status="booked")
    LocalSuspension.create(central_id=1, nik="3602015506900002", reason="falsified",
                           starts_on=date(2026, 1, 1), ends_on=date(2027, 1, 1))
    branch_app.config["CAP_GENERAL"] = 1
    post = client.post
    assert post("/api/v1/tickets", json={"lane": "general", "nik": NIK}).status_code == 201
    capped = post("/api/v1/tickets", json={"lane": "general", "nik": "3604011505900001"})
    assert capped.status_code == 409 and capped.get_json()["error"] == "cap_reached"
    assert post("/api/v1/tickets", headers=supervisor_headers,
                json={"lane": "general", "nik": NIK, "override": True}).status_code == 201
    assert post("/api/v1/tickets", json={"lane": "priority", "nik": "3602011203500001",
                                         "reason": "elderly"}).status_code == 201
    assert post("/api/v1/tickets", json={"lane": "booking", "nik": NIK,
                                         "booking_code": "SRG-OK"}).status_code == 201
    assert post("/api/v1/tickets", json={"lane": "booking", "nik": "3604011505900001",
                                         "booking_code": "SRG-NEW"}).status_code == 201
    assert post("/api/v1/tickets", json={"lane": "general",
                                         "nik": "3602015506900002"}).status_code == 403
    served = []
    while (called := post("/api/v1/counters/1/call", headers=staff_headers)
           .get_json()["ticket"]) is not None:
        url = f"/api/v1/tickets/{called['id']}"
        assert post(f"{url}/recall", headers=staff_headers).status_code == 200
        if called["number"] == "A002":
            assert post(f"{url}/no-show", headers=staff_headers).status_code == 200
        elif called["number"] == "A001" and called["lane"] == "general":
            assert post(f"{url}/transfer", headers=staff_headers,
                        json={"lane": "priority", "reason": "disability"}).status_code == 200
            continue
        else:
            assert post(f"{url}/finish", headers=staff_headers,
                        json={"outcome": "passport_issued"}).status_code == 200
        served.append(called["number"])
    assert sorted(served) == ["A001", "A002", "B001", "B002", "P001"]
    assert client.get("/api/v1/board").status_code == 200
    assert client.get("/api/v1/status", headers=staff_headers).status_code == 200
    assert Ticket.select().where(Ticket.status == "waiting").count() == 0
    assert no_network == []
