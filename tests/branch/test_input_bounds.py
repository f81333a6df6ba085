"""What a person types is bounded as the wire is (sync.schema): a clear refusal at the
kiosk, the API or the command line, never an outbox write that fails or an event
central would refuse."""
import pytest
from pydantic import ValidationError
from test_pages import post, text

from branch import auth
from branch.cli import add_counters
from branch.models import Counter, Outbox, Staff, Ticket
from branch.outbox import record_event

NIK = "3601014507850003"
HOSTILE_CODES = ["X" * 10_000, "SRG-\x00ABC", "SRG-\nABC", "S" * 33, "SRG-\u202eCBA",
                 "SRG ABC", "SRG-<b>"]
CODE_IDS = ["10 kB", "NUL", "newline", "33", "RTL override", "space", "markup"]


@pytest.mark.parametrize("code", HOSTILE_CODES, ids=CODE_IDS)
def test_the_kiosk_refuses_a_booking_code_beyond_the_wire_s_bounds(client, code):
    response = post(client, "/kiosk/check-in", booking_code=code, nik=NIK)
    if "\x00" in code:         # sync.textguard, before any view: no NUL in any field
        assert response.status_code == 400
        assert "memuat karakter kontrol" in text(response)
    else:
        assert response.status_code == 422
        assert "paling banyak 32 huruf dan angka" in text(response)  # Indonesian by default
    assert Ticket.select().count() == Outbox.select().count() == 0


@pytest.mark.parametrize("code", HOSTILE_CODES, ids=CODE_IDS)
def test_the_api_refuses_a_booking_code_beyond_the_wire_s_bounds(client, code):
    response = client.post("/api/v1/tickets", json={"lane": "booking", "nik": NIK,
                                                    "booking_code": code})
    assert response.status_code == 422
    assert response.json["error"] in ("invalid", "invalid_nik")
    assert "booking_code" in response.json.get("fields", {})
    assert Ticket.select().count() == Outbox.select().count() == 0


def test_a_booking_code_of_32_is_still_a_provisional_check_in(client):
    response = post(client, "/kiosk/check-in", booking_code="B" * 32, nik=NIK)
    assert response.status_code == 303
    assert Outbox.select().where(Outbox.kind == "booking_checked_in").count() == 1


def test_staff_names_and_counter_names_are_bounded(branch_app):
    import click
    for name in ("x" * 65, "siti\x00"):
        with pytest.raises(auth.errors.Invalid, match="paling banyak 64 karakter"):
            auth.create_staff(name, "a long password", "staff")
    for name in ("9" * 33, "1\t2", ""):
        with pytest.raises(click.ClickException, match="1 sampai 32 karakter"):
            add_counters([name])
    assert Staff.select().count() == Counter.select().count() == 0


def test_the_outbox_refuses_an_envelope_central_would_refuse(branch_app):
    for office, day in (("SRG\x00", "2026-11-23"), ("SERANG-CITY", "2026-11-23"),
                        ("SRG", "0001-01-01")):
        with pytest.raises(ValidationError):
            record_event(office, day, "ticket_called", ticket="A001", counter="1")
    with pytest.raises(ValidationError):
        record_event("SRG", "2026-11-23", "ticket_teleported", ticket="A001")
    assert Outbox.select().count() == 0


def test_no_control_character_in_a_branch_address_or_body(client):
    assert client.get("/api/v1/tickets/1%00").status_code == 404
    assert client.get("/api/v1/board?x=%00").status_code == 400
    response = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK + "\u0000"})
    assert (response.status_code, list(response.json["fields"])) == (422, ["nik"])
    assert Ticket.select().count() == Outbox.select().count() == 0


def test_json_types_are_taken_strictly(client):
    for override in ("true", 1, "yes"):
        response = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIK,
                                                        "override": override})
        assert response.status_code == 422, override
        assert list(response.json["fields"]) == ["override"]
    assert client.post("/api/v1/tickets", json={"lane": "general",
                                                "nik": int(NIK)}).status_code == 422
    assert Ticket.select().count() == 0
