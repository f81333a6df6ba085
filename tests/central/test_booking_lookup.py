"""Looking up a booking needs its code and its NIK, answers the NIK masked, and says the same
for a wrong code as for a wrong NIK, so it cannot be used to test which codes exist."""
from central_support import PANDEGLANG_MAN, nik, statuses
from test_ratelimit import central

MASKED = PANDEGLANG_MAN[:4] + "********" + PANDEGLANG_MAN[12:]


def lookup(client, code, nik_):
    return client.post(f"/api/v1/bookings/{code}/lookup", json={"nik": nik_},
                       headers={"Accept-Language": "en"})


def test_code_and_nik_show_the_booking_with_the_nik_masked(client, book):
    made = book().get_json()
    response = lookup(client, made["code"].lower(), PANDEGLANG_MAN)
    assert response.status_code == 200
    body = response.get_json()
    assert body == {**made, "nik": MASKED}
    assert body["name"] == "Budi Santoso" and body["pass"] == made["pass"]
    assert PANDEGLANG_MAN not in response.get_data(as_text=True)


def test_a_wrong_nik_reads_exactly_as_a_wrong_code(client, book):
    made = book().get_json()
    wrong_nik = lookup(client, made["code"], nik(2))
    wrong_code = lookup(client, "SRG-NOPE2345", PANDEGLANG_MAN)
    assert wrong_nik.status_code == wrong_code.status_code == 404
    assert wrong_nik.get_json() == wrong_code.get_json() == {
        "error": "not_found",
        "message": "There is no booking with this code and NIK; check both and try again."}
    assert lookup(client, made["code"], "12345").status_code == 422     # not a NIK at all


def test_the_code_alone_shows_nothing(client, book):
    made = book().get_json()
    response = client.get(f"/api/v1/bookings/{made['code']}")
    assert response.status_code in (404, 405)
    assert PANDEGLANG_MAN not in response.get_data(as_text=True)
    assert "Budi" not in response.get_data(as_text=True)


def test_cancel_needs_the_nik_and_a_wrong_one_reads_as_a_wrong_code(client, book):
    made = book().get_json()
    url = f"/api/v1/bookings/{made['code']}/cancel"
    wrong_nik = client.post(url, json={"nik": nik(2)}, headers={"Accept-Language": "en"})
    wrong_code = client.post("/api/v1/bookings/SRG-NOPE2345/cancel",
                             json={"nik": PANDEGLANG_MAN}, headers={"Accept-Language": "en"})
    assert wrong_nik.status_code == wrong_code.status_code == 404
    assert wrong_nik.get_json() == wrong_code.get_json()
    assert statuses() == {"booked": 1}
    cancelled = client.post(url, json={"nik": PANDEGLANG_MAN})
    assert (cancelled.status_code, cancelled.get_json()["nik"]) == (200, MASKED)
    assert statuses() == {"cancelled": 1}


def test_lookups_are_rate_limited_per_address(central_db_url):
    client = central(central_db_url, RATELIMIT_LOOKUP="2/minute").test_client()
    answers = [lookup(client, "SRG-NOPE2345", PANDEGLANG_MAN).status_code for _ in range(3)]
    assert answers == [404, 404, 429]
