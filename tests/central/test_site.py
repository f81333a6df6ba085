"""The booking site's pages through the test client: every step and every refusal, in Bahasa
Indonesia, checked against the rows (tests/central/test_site_browser.py drives Chromium)."""
import re
from datetime import date, datetime, timezone

import pytest
from central_support import (KOTA_SERANG_WOMAN, PANDEGLANG_MAN, TODAY, TUESDAY, changes, nik,
                             statuses)

from central.db import db
from central.models import Booking
from central.offices import save_office
from central.suspensions import issue_suspension

FORM = f"/pesan/SRG/{TUESDAY}/9"


def token(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def text(page):
    return page.get_data(as_text=True)


def field_errors(page):
    return dict(re.findall(r'<p class="field-error" id="(\w+)-error">([^<]+)</p>', text(page)))


def submit(client, url=FORM, purpose="general", **fields):
    data = {"csrf_token": token(client.get(url)), "nik": PANDEGLANG_MAN, "name": "Budi Santoso",
            "phone": ""}
    data.update(fields)
    return client.post(f"{url}?purpose={purpose}", data=data)


def booked_code(response):
    assert response.status_code == 303, text(response)
    return re.search(r"/booking/([A-Z0-9-]+)", response.headers["Location"]).group(1)


def test_the_pages_are_indonesian_and_switch_to_english(client):
    home = client.get("/")
    assert home.status_code == 200 and '<html lang="id">' in text(home)
    assert "Kantor Imigrasi Serang" in text(home) and "Ibadah haji" in text(home)
    client.get("/lang/en?next=/")
    assert '<html lang="en">' in text(client.get("/"))
    assert "Hajj pilgrimage" in text(client.get("/"))


def test_the_calendar_marks_closed_days_and_links_open_ones(client):
    page = text(client.get("/pesan/SRG?purpose=hajj"))
    assert f'href="/pesan/SRG/{TUESDAY}?purpose=hajj"' in page
    assert 'title="Kantor Imigrasi Serang tutup pada hari Sabtu."' in page
    assert "<th scope=\"col\">Sen</th>" in page
    day = text(client.get(f"/pesan/SRG/{TUESDAY}?purpose=hajj"))
    assert "09.00 WIB" in day and "sisa 20 tempat" in day
    assert client.get("/pesan/XYZ").status_code == 404
    assert client.get("/pesan/SRG/not-a-day").status_code == 404


def test_a_slot_that_has_begun_is_not_offered(client, clock):
    clock.now = datetime(2026, 11, 30, 2, 30, tzinfo=timezone.utc)   # 09:30 in Serang
    day = text(client.get(f"/pesan/SRG/{TODAY}"))
    assert day.count("Sudah dimulai") == 2                          # 08.00 and 09.00
    assert f'href="/pesan/SRG/{TODAY}/9' not in day and f'href="/pesan/SRG/{TODAY}/10' in day


def test_booking_shows_code_pass_documents_and_calendar_file(client):
    code = booked_code(submit(client, purpose="hajj", nik="3601 0117-0860 0001"))
    page = text(client.get(f"/booking/{code}?new=1"))
    assert f'id="booking-code">{code}<' in page and "Selasa, 1 Desember 2026" in page
    assert "09.00 WIB" in page and "Jl. Bhayangkara No. 1" in page
    assert "Kantor Kementerian Agama" in page and "3601********0001" in page
    assert 'src="data:image/svg+xml' in page and PANDEGLANG_MAN not in page
    with db.connection_context():
        booking = Booking.get(Booking.code == code)
    assert booking.pass_token in page and booking.purpose == "hajj"
    ics = client.get(f"/booking/{code}/kalender.ics")
    assert ics.mimetype == "text/calendar"
    assert "DTSTART;TZID=Asia/Jakarta:20261201T090000" in text(ics)


@pytest.mark.parametrize("fields, where, says", [
    ({"nik": "36010117086"}, "nik", "NIK terdiri dari 16 angka; NIK ini berisi 11 angka."),
    ({"nik": "3601017202900001"}, "nik", "bukan tanggal yang benar"),
    ({"name": " "}, "name", "Mohon tulis nama lengkap Anda sesuai KTP."),
    ({"phone": "call me"}, "phone", "Tulis nomor telepon 6 sampai 20 angka"),
])
def test_a_typing_mistake_is_named_next_to_its_field(client, fields, where, says):
    page = submit(client, **fields)
    assert page.status_code == 422
    assert says in field_errors(page)[where]
    assert 'value="Budi Santoso"' in text(page) or where == "name"      # kept as typed
    assert statuses() == {}


def test_a_full_slot_and_a_full_day_are_said_above_the_form(client):
    with db.connection_context():
        save_office("SRG", slot_capacity=1, daily_quota=2)
    booked_code(submit(client, nik=nik(1)))
    full = submit(client, nik=nik(2))
    assert full.status_code == 409
    assert "Jam 09.00 WIB di Kantor Imigrasi Serang pada Selasa, 1 Desember 2026 sudah penuh" in \
        text(full)
    booked_code(submit(client, url=f"/pesan/SRG/{TUESDAY}/10", nik=nik(2)))
    quota = submit(client, url=f"/pesan/SRG/{TUESDAY}/11", nik=nik(3))
    assert quota.status_code == 409 and "Semua 2 kuota online" in text(quota)
    assert statuses() == {"booked": 2}


def test_a_duplicate_is_refused_without_naming_the_booking(client):
    # Whoever types a NIK learns only that it has a booking: its code would let them
    # open, move and cancel it.
    code = booked_code(submit(client))
    again = submit(client, url=f"/pesan/SRG/{TUESDAY}/10")
    assert again.status_code == 409
    assert "NIK ini sudah memiliki booking aktif" in field_errors(again)["nik"]
    assert 'href="/booking-saya"' in text(again) and code not in text(again)


def test_a_suspension_is_said_with_its_end_date(client):
    with db.connection_context():
        issue_suspension(PANDEGLANG_MAN, 6, "forged letter", date(2026, 11, 1),
                         datetime(2026, 11, 1, tzinfo=timezone.utc))
    page = submit(client)
    assert page.status_code == 403
    assert "ditangguhkan dari layanan paspor sampai Sabtu, 1 Mei 2027" in field_errors(page)["nik"]


def test_a_hajj_applicant_is_offered_the_office_that_serves_the_regency(client):
    page = submit(client, purpose="hajj", nik=KOTA_SERANG_WOMAN)
    assert page.status_code == 409
    assert "dilayani oleh Kantor Imigrasi Cilegon (CLG)" in field_errors(page)["nik"]
    assert 'href="/pesan/CLG?purpose=hajj">Booking di Kantor Imigrasi Cilegon' in text(page)
    assert booked_code(submit(client, url=f"/pesan/CLG/{TUESDAY}/9", purpose="hajj",
                              nik=KOTA_SERANG_WOMAN))


def test_another_browser_must_know_the_nik(app, client):
    code = booked_code(submit(client))
    other = app.test_client()
    assert other.get(f"/booking/{code}").headers["Location"] == f"/booking-saya?code={code}"
    lookup = other.get(f"/booking-saya?code={code}")
    wrong = other.post("/booking-saya", data={"csrf_token": token(lookup), "code": code,
                                              "nik": nik(7)})
    assert wrong.status_code == 404 and "Tidak ada booking dengan kode dan NIK ini" in text(wrong)
    unknown = other.post("/booking-saya", data={"csrf_token": token(lookup),
                                                "code": "SRG-2345ABCD", "nik": PANDEGLANG_MAN})
    assert text(unknown).count("Tidak ada booking dengan kode dan NIK ini") == 1   # same answer
    right = other.post("/booking-saya", data={"csrf_token": token(lookup), "code": code.lower(),
                                              "nik": PANDEGLANG_MAN})
    assert right.headers["Location"] == f"/booking/{code}"
    assert f'id="booking-code">{code}<' in text(other.get(f"/booking/{code}"))


def test_cancel_needs_the_tick_and_frees_the_place(client):
    code = booked_code(submit(client))
    page = client.get(f"/booking/{code}")
    unticked = client.post(f"/booking/{code}/batal", data={"csrf_token": token(page)})
    assert unticked.status_code == 422 and "Centang kotak" in text(unticked)
    assert statuses() == {"booked": 1}
    done = client.post(f"/booking/{code}/batal", data={"csrf_token": token(page),
                                                       "confirm": "yes"})
    assert done.status_code == 303
    after = text(client.get(f"/booking/{code}"))
    assert "Status: dibatalkan" in after and "data:image/svg+xml" not in after
    assert statuses() == {"cancelled": 1}


def test_move_to_another_slot_from_the_site(client):
    code = booked_code(submit(client))
    calendar = text(client.get(f"/booking/{code}/ubah"))
    assert f'href="/booking/{code}/ubah/2026-12-02"' in calendar
    day = client.get(f"/booking/{code}/ubah/2026-12-02")
    moved = client.post(f"/booking/{code}/ubah", data={"csrf_token": token(day),
                                                       "day": "2026-12-02", "hour": "13"})
    assert moved.headers["Location"] == f"/booking/{code}?moved=1"
    with db.connection_context():
        booking = Booking.get(Booking.code == code)
    assert (booking.date, booking.hour, booking.status) == (date(2026, 12, 2), 13, "booked")
    assert "Rabu, 2 Desember 2026" in text(client.get(f"/booking/{code}"))
    closed = client.post(f"/booking/{code}/ubah", data={"csrf_token": token(day),
                                                        "day": "2026-12-05", "hour": "9"})
    assert closed.status_code == 422 and "tutup pada hari Sabtu" in text(closed)
    assert [c[3]["hour"] for c in changes("booking")] == [9, 13]


def test_a_form_without_its_token_is_refused_as_expired(client):
    page = client.post(FORM, data={"nik": PANDEGLANG_MAN, "name": "Budi"})
    assert page.status_code == 400 and "Formulir ini sudah kedaluwarsa" in text(page)
    assert statuses() == {}


def test_an_unknown_page_is_a_page_not_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and '<html lang="id">' in text(page)
    assert client.get("/api/v1/nothing").get_json()["error"] == "not_found"
