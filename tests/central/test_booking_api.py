"""POST /api/v1/bookings and friends: every answer the API can give, checked against the rows."""
from datetime import date, datetime, timedelta, timezone

from central_support import (KOTA_SERANG_WOMAN, PANDEGLANG_MAN, SATURDAY, TODAY, TUESDAY,
                             changes, nik, statuses)

from central.db import db
from sync.nik import mask_nik
from central.offices import save_office
from central.suspensions import issue_suspension, lift_suspension

BOOKING_KEYS = {"code", "office", "date", "hour", "nik", "name", "purpose", "status"}


def set_office(code="SRG", **settings):
    with db.connection_context():
        save_office(code, **settings)


def test_a_booking_is_created_shown_and_logged(client, book):
    response = book(phone="+62 812 3456 789")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == BOOKING_KEYS | {"pass"}
    assert body.pop("pass").startswith("AP2.")       # the signed pass: tests/central/test_signing_keys.py
    assert body["code"].startswith("SRG-") and len(body["code"]) == 12
    assert (body["office"], body["date"], body["hour"]) == ("SRG", "2026-12-01", 9)
    assert (body["nik"], body["status"], body["purpose"]) == (PANDEGLANG_MAN, "booked", "general")
    found = client.post(f"/api/v1/bookings/{body['code'].lower()}/lookup",
                        json={"nik": body["nik"]})
    assert found.get_json() == {**body, "nik": mask_nik(body["nik"]), "pass": found.json["pass"]}
    assert changes("booking") == [("booking", body["code"], "SRG", body)]


def test_invalid_input_gives_a_reason_per_field(book):
    response = book(name="", purpose="tourism", hour="nine", phone="call me")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid"
    assert set(body["fields"]) == {"name", "purpose", "hour", "phone"}
    assert "general" in body["fields"]["purpose"]
    assert statuses() == {}


def test_missing_fields_and_a_non_json_body_are_refused(client):
    response = client.post("/api/v1/bookings", json={"office": "SRG"})
    assert response.status_code == 422
    assert {"date", "hour", "nik", "name", "purpose"} <= set(response.get_json()["fields"])
    response = client.post("/api/v1/bookings", data="not json", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"
    response = client.post("/api/v1/bookings", data='{"office": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    assert statuses() == {}


def test_invalid_nik_is_explained_with_parse_niks_words(book):
    response = book(nik="36010117086")
    assert response.status_code == 422
    assert response.get_json()["fields"]["nik"] == "A NIK has 16 digits; this one has 11."
    response = book(nik="3601017202900001")  # a woman born 32 February: 72 - 40
    assert response.status_code == 422
    assert "not a real date" in response.get_json()["fields"]["nik"]
    response = book(nik="36010117086", language="id")             # the default language
    assert response.get_json()["fields"]["nik"] == ("NIK terdiri dari 16 angka; NIK ini berisi "
                                                    "11 angka.")


def test_past_day_is_refused(book):
    response = book(date=(TODAY - timedelta(days=1)).isoformat())
    assert response.status_code == 422
    assert "in the past" in response.get_json()["fields"]["date"]


def test_the_window_ends_thirty_days_ahead(book):
    last = TODAY + timedelta(days=30)            # a Wednesday
    response = book(date=(last + timedelta(days=1)).isoformat())
    assert response.status_code == 422
    assert ("the last day you can book now is Wednesday, 30 December 2026"
            in response.get_json()["fields"]["date"])
    assert book(date=last.isoformat()).status_code == 201


def test_closed_day_is_refused(book):
    response = book(date=SATURDAY.isoformat())
    assert response.status_code == 422
    assert response.get_json()["fields"]["date"] == "Kantor Imigrasi Serang is closed on Saturday."
    indonesian = book(date=SATURDAY.isoformat(), language="id").get_json()
    assert indonesian["fields"]["date"] == "Kantor Imigrasi Serang tutup pada hari Sabtu."


def test_an_hour_that_is_not_a_slot_is_refused(book):
    response = book(hour=15)
    assert response.status_code == 422
    assert "slots start at 08:00 WIB, 09:00 WIB" in response.get_json()["fields"]["hour"]


def test_todays_slot_that_started_is_refused(book, clock):
    clock.now = datetime(2026, 11, 30, 2, 30, tzinfo=timezone.utc)   # 09:30 in Serang
    response = book(date=TODAY.isoformat(), hour=9)
    assert response.status_code == 422
    assert "already started" in response.get_json()["fields"]["hour"]
    assert book(date=TODAY.isoformat(), hour=10).status_code == 201


def test_unknown_office_and_booking_are_404(client, book):
    response = book(office="XYZ")
    assert (response.status_code, response.get_json()["error"]) == (404, "not_found")
    assert client.post("/api/v1/bookings/SRG-NOPE2345/lookup",
                       json={"nik": PANDEGLANG_MAN}).status_code == 404
    response = client.post("/api/v1/bookings/SRG-NOPE2345/cancel", json={"nik": PANDEGLANG_MAN})
    assert response.status_code == 404


def test_a_slot_fills_then_slot_full(book):
    set_office(slot_capacity=3)
    assert [book(nik=nik(i)).status_code for i in range(1, 4)] == [201, 201, 201]
    response = book(nik=nik(4))
    assert (response.status_code, response.get_json()["error"]) == (409, "slot_full")
    assert book(nik=nik(4), hour=10).status_code == 201
    assert statuses() == {"booked": 4}


def test_the_day_fills_exactly_to_quota_then_quota_full(client, book):
    set_office(daily_quota=5, slot_capacity=3)
    codes = [book(nik=nik(i), hour=8 + i % 3).status_code for i in range(1, 6)]
    assert codes == [201] * 5
    response = book(nik=nik(6), hour=13)
    assert (response.status_code, response.get_json()["error"]) == (409, "quota_full")
    assert statuses() == {"booked": 5}
    slots = client.get(f"/api/v1/offices/SRG/slots?date={TUESDAY}").get_json()
    assert (slots["quota"], slots["booked"]) == (5, 5)
    assert all(slot["available"] == 0 for slot in slots["slots"])
    assert book(nik=nik(7), date="2026-12-02").status_code == 201   # the next day is open


def test_cancel_needs_the_nik_and_frees_the_place(client, book):
    set_office(slot_capacity=1)
    first = book(nik=nik(1)).get_json()
    assert book(nik=nik(2)).get_json()["error"] == "slot_full"
    url = f"/api/v1/bookings/{first['code']}/cancel"
    response = client.post(url, json={"nik": nik(2)})
    assert (response.status_code, response.get_json()["error"]) == (404, "not_found")
    assert statuses() == {"booked": 1}
    response = client.post(url, json={"nik": nik(1)})
    assert response.status_code == 200
    first.pop("pass")
    assert response.get_json() == {**first, "status": "cancelled", "nik": mask_nik(first["nik"])}
    assert client.post(url, json={"nik": nik(1)}).status_code == 200   # a retry is harmless
    assert book(nik=nik(2)).status_code == 201
    assert statuses() == {"cancelled": 1, "booked": 1}
    assert [c[3]["status"] for c in changes("booking")] == ["booked", "cancelled", "booked"]


def test_one_active_booking_per_nik(client, book):
    first = book().get_json()
    response = book(date="2026-12-02", hour=10)
    assert (response.status_code, response.get_json()["error"]) == (409, "duplicate_booking")
    # A NIK proves nothing: the refusal must not hand out the booking's code (with it the
    # NIK opens, moves and cancels the booking), nor say where and when it is.
    assert response.get_json() == {
        "error": "duplicate_booking",
        "message": "This NIK already has an active booking. Open it with its code (on the "
                   "confirmation or the pass) to move or cancel it, or ask at the office."}
    assert first["code"] not in response.get_data(as_text=True)
    assert book(office="CLG").get_json()["error"] == "duplicate_booking"
    client.post(f"/api/v1/bookings/{first['code']}/cancel", json={"nik": PANDEGLANG_MAN})
    assert book(office="CLG").status_code == 201


def test_a_past_unused_booking_expires_instead_of_blocking(client, book, clock):
    old = book().get_json()
    clock.now = datetime(2026, 12, 2, 0, 0, tzinfo=timezone.utc)   # Wednesday 07:00
    response = book(date="2026-12-03")
    assert response.status_code == 201
    assert client.post(f"/api/v1/bookings/{old['code']}/lookup",
                       json={"nik": PANDEGLANG_MAN}).get_json()["status"] == "expired"
    logged = [(c[1], c[3]["status"]) for c in changes("booking")]
    assert logged == [(old["code"], "booked"), (old["code"], "expired"),
                      (response.get_json()["code"], "booked")]
    cancel = client.post(f"/api/v1/bookings/{old['code']}/cancel", json={"nik": PANDEGLANG_MAN})
    assert (cancel.status_code, cancel.get_json()["error"]) == (409, "not_cancellable")


def test_a_suspension_blocks_with_its_end_date(book):
    with db.connection_context():
        issue_suspension(PANDEGLANG_MAN, 6, "forged birth certificate", date(2026, 11, 1),
                         datetime(2026, 11, 1, tzinfo=timezone.utc))
    response = book()
    assert response.status_code == 403
    body = response.get_json()
    assert (body["error"], body["ends_on"]) == ("suspended", "2027-05-01")
    assert "until Saturday, 1 May 2027" in body["message"]
    assert "sampai Sabtu, 1 Mei 2027" in book(language="id").get_json()["message"]
    assert statuses() == {}


def test_expired_lifted_and_future_suspensions(book):
    moment = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with db.connection_context():
        issue_suspension(nik(1), 6, "old case", date(2025, 1, 1), moment)      # ended 2025-07-01
        lifted = issue_suspension(nik(2), 24, "overturned", date(2026, 1, 1), moment)
        lift_suspension(lifted.id, moment)
        issue_suspension(nik(3), 6, "starts on the booked day", TUESDAY, moment)
    assert book(nik=nik(1)).status_code == 201
    assert book(nik=nik(2)).status_code == 201
    assert book(nik=nik(3)).get_json()["error"] == "suspended"


def test_hajj_applicants_are_sent_to_the_office_of_their_regency(book):
    response = book(nik=KOTA_SERANG_WOMAN, purpose="hajj")
    assert response.status_code == 409
    body = response.get_json()
    assert (body["error"], body["office"]) == ("wrong_office", "CLG")
    assert "Kota Serang are served by Kantor Imigrasi Cilegon (CLG)" in body["message"]
    assert body["office_name"] == "Kantor Imigrasi Cilegon"
    assert book(nik=KOTA_SERANG_WOMAN, purpose="general").status_code == 201


def test_hajj_at_the_right_office_or_from_an_unassigned_regency(book):
    assert book(nik=KOTA_SERANG_WOMAN, purpose="hajj", office="CLG").status_code == 201
    assert book(nik=PANDEGLANG_MAN, purpose="hajj").status_code == 201
    assert book(nik=nik(1, regency="3603"), purpose="hajj").status_code == 201


def test_booking_codes_carry_40_random_bits_without_confusable_characters(book):
    import math
    from central.booking import CODE_ALPHABET, CODE_LENGTH
    assert CODE_LENGTH * math.log2(len(set(CODE_ALPHABET))) >= 40
    assert not set("0O1I") & set(CODE_ALPHABET)
    codes = [book(nik=nik(n)).get_json()["code"] for n in range(1, 6)]
    assert len(set(codes)) == 5
    assert all(set(code[4:]) <= set(CODE_ALPHABET) and len(code[4:]) == CODE_LENGTH
               for code in codes)
