"""Defect 3: one NIK (or one script) cannot drain a day or jump the queue.

Per NIK: one waiting ticket a lane and a few a day; provisional check-ins capped; the
kiosk's endpoints rate-limited per address; and, where the office wants, a kiosk key.
The per-NIK and provisional limits hold with the rate limits switched off (this
module's default app, like every branch test, runs with RATELIMIT_ENABLED false).
"""
import pytest

from branch import create_app
from branch.db import db, init_db
from branch.models import Outbox, Ticket
from branch_support import nik_for
from branch_support import PASSWORD, closed_port

NIK = "3604011505900001"


def take(client, headers=None, **body):
    return client.post("/api/v1/tickets", headers=headers or {},
                       json={"lane": "general", "nik": NIK, **body})


def form_post(client, url, **form):
    with client.session_transaction() as session:
        token = session.setdefault("csrf", "test-token")
    return client.post(url, data={"csrf_token": token, **form})


def test_one_nik_holds_one_waiting_ticket_per_lane(client):
    assert take(client).status_code == 201
    again = take(client)
    assert again.status_code == 409
    assert again.get_json()["error"] == "nik_waiting" and again.get_json()["ticket"] == "A001"
    assert "A001" in again.get_json()["message"]
    # Another lane is another queue: a person may also hold a booking check-in.
    assert take(client, lane="booking", booking_code="SRG-NEW1").status_code == 201
    assert Ticket.select().count() == 2


def test_a_script_with_one_nik_gets_one_ticket_per_lane(client):
    answers = [take(client).status_code for _ in range(150)]
    answers += [take(client, lane="booking", booking_code=f"SRG-FAKE{n:04d}").status_code
                for n in range(300)]
    assert answers.count(201) == 2
    assert Ticket.select().count() == 2
    assert Outbox.select().where(Outbox.kind == "ticket_issued").count() == 2


def test_a_nik_takes_at_most_the_daily_number_of_tickets(branch_app, client, counter,
                                                         staff_headers):
    for _ in range(3):
        assert take(client).status_code == 201
        called = client.post("/api/v1/counters/1/call", headers=staff_headers).get_json()
        client.post(f"/api/v1/tickets/{called['ticket']['id']}/no-show", headers=staff_headers)
    fourth = take(client)
    assert fourth.status_code == 409 and fourth.get_json()["error"] == "nik_daily_limit"
    assert Ticket.select().count() == 3
    branch_app.config["NIK_TICKETS_PER_DAY"] = 4       # a setting
    assert take(client).status_code == 201


def test_provisional_check_ins_are_capped_and_a_supervisor_may_override(
        branch_app, client, supervisor_headers):
    branch_app.config["CAP_PROVISIONAL"] = 2
    made_up = [take(client, lane="booking", nik=nik_for(n), booking_code=f"SRG-X{n}")
               for n in range(1, 5)]
    assert [r.status_code for r in made_up] == [201, 201, 409, 409]
    assert made_up[2].get_json()["error"] == "provisional_cap_reached"
    assert "bukti booking" in made_up[2].get_json()["message"]
    override = take(client, headers=supervisor_headers, lane="booking", nik=nik_for(3),
                    booking_code="SRG-X3", override=True)
    assert override.status_code == 201
    ticket = Ticket.get(Ticket.booking_code == "SRG-X3")
    assert (ticket.booking_verified, ticket.override_by) == (False, "supervisor")
    assert Ticket.select().where(Ticket.lane == "booking").count() == 3


def test_a_supervisor_may_issue_past_the_per_nik_rule(client, supervisor_headers):
    take(client)
    response = take(client, headers=supervisor_headers, override=True)
    assert response.status_code == 201
    assert Ticket.get(Ticket.number == "A002").override_by == "supervisor"


# --- the kiosk endpoints' rate limit, and the kiosk key ---------------------------------

def branch(db_path, clock, **config):
    app = create_app({"TESTING": True, "OFFICE": "SRG", "DATABASE_URL": f"sqlite:///{db_path}",
                      "CENTRAL_URL": f"http://127.0.0.1:{closed_port()}", "CLOCK": clock,
                      **config})
    init_db()
    return app


@pytest.fixture
def limited(db_path, clock):
    app = branch(db_path, clock, RATELIMIT_KIOSK="3/minute")
    with app.app_context():
        db.connect(reuse_if_open=True)
        yield app


def test_the_kiosk_form_and_api_share_a_per_address_limit(limited):
    client = limited.test_client()
    assert take(client, nik=nik_for(1)).status_code == 201
    assert form_post(client, "/kiosk/ticket", nik=nik_for(2), choice="general").status_code == 303
    assert form_post(client, "/kiosk/check-in", nik=nik_for(3),
                     booking_code="SRG-Q1").status_code == 303
    refused = take(client, nik=nik_for(4))
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert "Retry-After" in refused.headers
    page = form_post(client, "/kiosk/ticket", nik=nik_for(5), choice="general")
    assert page.status_code == 429 and "<!doctype html>" in page.get_data(as_text=True)
    assert Ticket.select().count() == 3
    elsewhere = limited.test_client().post(
        "/api/v1/tickets", json={"lane": "general", "nik": nik_for(7)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 201


@pytest.fixture
def keyed(db_path, clock):
    app = branch(db_path, clock, RATELIMIT_KIOSK="3/minute", KIOSK_KEY="kiosk-key-of-serang")
    with app.app_context():
        db.connect(reuse_if_open=True)
        from branch.auth import create_staff
        create_staff("staff", PASSWORD, "staff")
        create_staff("supervisor", PASSWORD, "supervisor")
        yield app


def test_with_a_kiosk_key_only_its_holders_issue_tickets(keyed):
    client = keyed.test_client()
    refused = take(client)
    assert refused.status_code == 403 and refused.get_json()["error"] == "kiosk_key_required"
    assert take(client, headers={"X-Kiosk-Key": "wrong"}).status_code == 403
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0
    key = {"X-Kiosk-Key": "kiosk-key-of-serang"}
    # One kiosk PC serves hundreds of people from one address: past the per-address limit.
    answers = [take(client, headers=key, nik=nik_for(n)).status_code for n in range(1, 8)]
    assert answers == [201] * 7


def test_a_supervisor_enrols_the_kiosk_device(keyed):
    kiosk = keyed.test_client()
    page = form_post(kiosk, "/kiosk/ticket", nik=nik_for(1), choice="general")
    assert page.status_code == 403 and "kios" in page.get_data(as_text=True)
    assert "belum terdaftar" in kiosk.get("/kiosk").get_data(as_text=True)
    assert form_post(kiosk, "/kiosk/enroll").status_code == 302     # a login first
    form_post(kiosk, "/login", username="staff", password=PASSWORD, next="/kiosk/enroll")
    assert kiosk.get("/kiosk/enroll").status_code == 403     # staff is not a supervisor
    form_post(kiosk, "/login", username="supervisor", password=PASSWORD, next="/kiosk/enroll")
    enrolled = form_post(kiosk, "/kiosk/enroll")
    assert enrolled.status_code == 303
    assert "antrean_kiosk=" in enrolled.headers["Set-Cookie"]
    assert "kiosk-key-of-serang" not in enrolled.headers["Set-Cookie"]   # a digest, not the key
    form_post(kiosk, "/logout")
    for n in range(1, 6):       # enrolled: past the per-address limit too
        assert form_post(kiosk, "/kiosk/ticket", nik=nik_for(n),
                         choice="general").status_code == 303
    assert Ticket.select().count() == 5


def test_the_counter_is_told_a_provisional_check_in_needs_the_confirmation(client, counter,
                                                                         staff):
    take(client, lane="booking", booking_code="SRG-UNSEEN1")
    form_post(client, "/login", username="staff", password=PASSWORD, next="/counter")
    form_post(client, "/counter/choose", counter="1")
    form_post(client, "/counter/call")
    console = client.get("/counter").get_data(as_text=True)
    assert 'id="provisional"' in console and "Periksa bukti booking" in console
