"""What the public reaches: the kiosk's ticket page, /t/<token> and its API, by token only
(defect 4), and no id in a path can make the server fail (defect 6)."""
import re

import pytest

from branch.models import Outbox, Ticket
from branch_support import nik_for

NIK = "3601014507850003"           # not one of nik_for's
WOMAN = "3602015506900002"
CHILD = "3604012003220003"          # born 20 Mar 2022
BIG = "99999999999999999999999"


def post(client, url, **form):
    with client.session_transaction() as session:
        token = session.setdefault("csrf", "test-token")
    return client.post(url, data={"csrf_token": token, **form})


def text(response):
    return response.get_data(as_text=True)


def test_the_api_answer_carries_the_status_page_and_the_estimated_wait(client, counter):
    for n in range(1, 6):
        client.post("/api/v1/tickets", json={"lane": "general", "nik": nik_for(n)})
    body = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK}).get_json()
    ticket = Ticket.get(Ticket.nik == NIK)
    assert body["status_url"] == f"http://localhost/t/{ticket.token}"
    assert body["people_ahead"] == 5
    # 5 ahead, 4 counters, nobody served yet: (5 - 4 + 0.5) * 8 / 4 = 3 minutes.
    assert body["estimated_wait_minutes"] == 3
    public = client.get(f"/api/v1/t/{ticket.token}").get_json()
    assert public == {"number": "A006", "lane": "general", "status": "waiting",
                      "office": "SRG", "day": "2026-11-27", "issued_at": "2026-11-27T02:30:00Z",
                      "counter": None, "people_ahead": 5, "estimated_wait_minutes": 3}


def test_young_child_over_the_api(client):
    response = client.post("/api/v1/tickets", json={"lane": "priority", "nik": WOMAN,
                                                    "reason": "young_child", "child_nik": CHILD})
    assert response.status_code == 201 and response.get_json()["reason"] == "young_child"
    missing = client.post("/api/v1/tickets", json={"lane": "priority", "nik": NIK,
                                                   "reason": "young_child"})
    assert missing.status_code == 422 and missing.get_json()["field"] == "child_nik"
    man = client.post("/api/v1/tickets", json={"lane": "priority", "nik": "3604011203650001",
                                               "reason": "pregnant"})
    assert man.status_code == 422 and man.get_json()["error"] == "not_a_woman"
    assert Ticket.select().count() == 1


def test_public_reads_never_show_the_nik_or_the_booking_code(client):
    client.post("/api/v1/tickets", json={"lane": "booking", "nik": NIK,
                                         "booking_code": "SRG-SECRET1"})
    ticket = Ticket.get()
    for url in (f"/api/v1/t/{ticket.token}", f"/t/{ticket.token}", f"/t/{ticket.token}/live",
                f"/kiosk/ticket/{ticket.token}"):
        body = text(client.get(url))
        assert "B001" in body, url
        for secret in (NIK, "SRG-SECRET1", NIK[:12]):
            assert secret not in body, (url, secret)
    assert client.get(f"/api/v1/tickets/{ticket.id}").status_code == 401    # ids: staff only
    assert client.get(f"/kiosk/ticket/{ticket.id}").status_code == 404


@pytest.mark.parametrize("token", ["short", "A" * 22, "x" * 65, "bad token!", "%00" * 8])
def test_unknown_or_malformed_tokens_are_not_found(client, token):
    page = client.get(f"/t/{token}")
    assert page.status_code == 404 and "<!doctype html>" in text(page)
    api = client.get(f"/api/v1/t/{token}")
    assert api.status_code in (404, 422) and api.get_json()["error"] in ("not_found", "invalid")


def test_the_kiosk_ticket_page_is_a_printable_ticket_with_a_qr_code(client):
    response = post(client, "/kiosk/ticket", nik=NIK, choice="general")
    assert response.status_code == 303
    location = response.headers["Location"]
    token = Ticket.get().token
    assert location.endswith(f"/kiosk/ticket/{token}")
    page = text(client.get(location))
    assert 'id="ticket-number">A001<' in page
    assert re.search(r'<img class="qr" src="data:image/svg\+xml', page)
    assert f"http://localhost/t/{token}" in page
    assert 'media="print"' in page and "ticket_print.css" in page
    assert 'id="ticket-ahead">0<' in page
    assert "Jumat, 27 November 2026, 09.30 WIB" in page      # the shared day and clock filters


def test_public_url_names_the_address_phones_reach(branch_app, client):
    branch_app.config["PUBLIC_URL"] = "http://192.168.1.10:8080/"
    body = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK}).get_json()
    assert body["status_url"].startswith("http://192.168.1.10:8080/t/")


def test_the_status_page_follows_the_ticket(client, counter, staff_headers):
    client.post("/api/v1/tickets", json={"lane": "general", "nik": nik_for(1)})
    client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK})
    token = Ticket.get(Ticket.nik == NIK).token
    assert "Orang di depan Anda" in text(client.get(f"/t/{token}"))
    assert 'id="ticket-ahead">1<' in text(client.get(f"/t/{token}/live"))
    client.post("/api/v1/counters/1/call", headers=staff_headers)
    client.post("/api/v1/counters/2/call", headers=staff_headers)
    assert "silakan ke loket 2" in text(client.get(f"/t/{token}/live"))
    assert client.get(f"/api/v1/t/{token}").get_json()["counter"] == "2"


# --- defect 6: ids beyond 64 bits in paths ------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", f"/api/v1/tickets/{BIG}"), ("post", f"/api/v1/tickets/{BIG}/recall"),
    ("post", f"/api/v1/tickets/{BIG}/no-show"), ("post", f"/api/v1/tickets/{BIG}/transfer"),
    ("post", f"/api/v1/tickets/{BIG}/finish"), ("get", f"/api/v1/tickets/{2 ** 63}"),
    ("get", "/api/v1/tickets/0"), ("get", f"/api/v1/t/{BIG}"),
])
def test_huge_ids_in_api_paths_are_a_clear_404(client, staff_headers, method, path):
    response = getattr(client, method)(path, headers=staff_headers, json={"lane": "general"})
    assert response.status_code in (404, 422), response.get_data(as_text=True)
    assert response.get_json()["error"] in ("not_found", "invalid")


@pytest.mark.parametrize("path", [f"/kiosk/ticket/{BIG}", f"/t/{BIG}",
                                  f"/counter/tickets/{BIG}/recall",
                                  f"/counter/tickets/{BIG}/no-show",
                                  f"/counter/tickets/{BIG}/transfer",
                                  f"/counter/tickets/{BIG}/finish"])
def test_huge_ids_in_page_paths_are_a_clear_404(client, staff, path):
    post(client, "/login", username="staff", password="test-password", next="/counter")
    post(client, "/counter/choose", counter="1")
    response = post(client, path) if "/counter/" in path else client.get(path)
    assert response.status_code == 404
    assert "<!doctype html>" in text(response)


def test_the_largest_row_id_is_still_a_route(client, staff_headers):
    response = client.get(f"/api/v1/tickets/{2 ** 63 - 1}", headers=staff_headers)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert "Tidak ada karcis" in response.get_json()["message"]
    assert Outbox.select().count() == 0
