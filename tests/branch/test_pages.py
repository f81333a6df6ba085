"""The branch's pages through the Flask test client: kiosk, counter, board, status, login."""
import re
import uuid
from datetime import timedelta

import pytest

from branch.models import Outbox, Setting, SyncState, Ticket
from branch.tickets import today
from branch_support import nik_for

NIK = "3604011505900001"          # Kab. Serang, born 15 May 1990
ELDER_NIK = "3602014107500002"    # Kab. Lebak, a woman born 1 July 1950
PASSWORD = "test-password"         # conftest's staff and supervisor accounts


@pytest.fixture(autouse=True)
def office(staff, supervisor, counter):
    """Accounts staff and supervisor, counters 1-4 (conftest's fixtures)."""


def post(client, url, **form):
    """POST a page form with this session's CSRF token, as the browser would."""
    with client.session_transaction() as session:
        session.setdefault("csrf", "test-token")
        form.setdefault("csrf_token", session["csrf"])
    return client.post(url, data=form)


def log_in(client, username="staff"):
    response = post(client, "/login", username=username, password=PASSWORD, next="/counter")
    assert response.status_code == 303
    return response


def text(response):
    return response.get_data(as_text=True)


# --- pages render -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/kiosk", "/board", "/login"])
def test_public_pages_render(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "<!doctype html>" in text(response)
    assert "antrean.css" in text(response)


def test_root_goes_to_the_kiosk(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/kiosk")


def test_pages_load_nothing_from_the_internet(client):
    log_in(client)
    for path in ("/kiosk", "/board", "/counter", "/status", "/static/antrean.css"):
        body = text(client.get(path))
        assert "http://" not in body and "https://" not in body, path


def test_staff_pages_render_after_login(client):
    log_in(client)
    assert client.get("/status").status_code == 200
    chooser = client.get("/counter")
    assert chooser.status_code == 200 and "Loket 2" in text(chooser)
    assert post(client, "/counter/choose", counter="1").status_code == 303
    console = client.get("/counter")
    assert console.status_code == 200
    assert "Panggil berikutnya" in text(console)


# --- kiosk --------------------------------------------------------------------------

def test_kiosk_issues_a_ticket_and_shows_its_number(client):
    response = post(client, "/kiosk/ticket", nik=NIK, choice="general")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert 'id="ticket-number">A001<' in text(page)
    ticket = Ticket.get()
    assert (ticket.number, ticket.lane, ticket.nik) == ("A001", "general", NIK)
    assert NIK not in text(page)     # the ticket screen never shows the NIK


def test_kiosk_accepts_a_nik_typed_in_groups(client):
    response = post(client, "/kiosk/ticket", nik="3604 0115-0590 0001", choice="general")
    assert response.status_code == 303
    assert Ticket.get().nik == NIK


def test_kiosk_priority_ticket_carries_the_reason(client):
    response = post(client, "/kiosk/ticket", nik=ELDER_NIK, choice="priority:elderly")
    assert response.status_code == 303
    assert "P001" in text(client.get(response.headers["Location"]))
    assert Ticket.get().reason == "elderly"


def test_kiosk_refusal_shows_the_message_and_keeps_the_input(client):
    response = post(client, "/kiosk/ticket", nik=NIK, choice="priority:elderly")
    assert response.status_code == 422
    body = text(response)
    assert "60 tahun ke atas" in body and 'class="message error"' in body
    assert f'value="{NIK}"' in body
    assert Ticket.select().count() == 0


def test_kiosk_invalid_nik_says_what_to_fix(client):
    response = post(client, "/kiosk/ticket", nik="12345", choice="general")
    assert response.status_code == 422
    assert "16 angka" in text(response)
    assert 'value="12345"' in text(response)


def test_kiosk_provisional_check_in_of_an_unknown_booking(client):
    response = post(client, "/kiosk/check-in", booking_code="bk-777", nik=NIK)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "B001" in page and "akan dipastikan di loket" in page
    ticket = Ticket.get()
    assert (ticket.booking_code, ticket.booking_verified) == ("BK-777", False)


def test_kiosk_second_check_in_names_the_first_ticket(client):
    post(client, "/kiosk/check-in", booking_code="BK-1", nik=NIK)
    response = post(client, "/kiosk/check-in", booking_code="BK-1", nik=NIK)
    assert response.status_code == 409
    assert "B001" in text(response)
    assert 'value="BK-1"' in text(response)


def test_post_without_csrf_token_is_refused(client):
    log_in(client)
    response = client.post("/counter/choose", data={"counter": "1"})
    assert response.status_code == 400
    assert "kedaluwarsa" in text(response)
    with client.session_transaction() as session:
        assert "counter" not in session


def test_kiosk_with_a_stale_token_asks_to_press_again(client):
    client.get("/kiosk")     # the session has a token; this form does not send it
    response = client.post("/kiosk/ticket", data={"nik": NIK, "choice": "general",
                                                  "csrf_token": "from-before-a-restart"})
    assert response.status_code == 400
    assert "tekan pilihan Anda sekali lagi" in text(response)
    assert f'value="{NIK}"' in text(response)
    assert Ticket.select().count() == 0


def test_kiosk_form_carries_the_session_token(client):
    body = text(client.get("/kiosk"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    with client.session_transaction() as session:
        assert session["csrf"] == token


def test_session_cookie_is_samesite_lax(branch_app, client):
    assert branch_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    # The first page sets the session (its CSRF token): the cookie must carry SameSite.
    assert "SameSite=Lax" in client.get("/kiosk").headers["Set-Cookie"]


# --- login --------------------------------------------------------------------------

def test_counter_requires_login(client):
    response = client.get("/counter")
    assert response.status_code == 302
    assert "/login?next=/counter" in response.headers["Location"]
    assert client.get("/status").status_code == 302


def test_login_works_and_returns_to_next(client):
    response = post(client, "/login", username="staff", password=PASSWORD, next="/status")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/status")
    assert "staff (petugas)" in text(client.get("/status"))


def test_login_failure_says_so(client):
    response = post(client, "/login", username="staff", password="wrong", next="/counter")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in text(response)
    assert 'value="staff"' in text(response)
    assert client.get("/counter").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/",
                                    "https://evil.example/"])
def test_login_never_redirects_off_site(client, target):
    response = post(client, "/login", username="staff", password=PASSWORD, next=target)
    assert response.headers["Location"].endswith("/counter")


def test_logout_ends_the_session(client):
    log_in(client)
    assert post(client, "/logout").status_code == 303
    assert client.get("/counter").status_code == 302


# --- counter console ----------------------------------------------------------------

def choose_counter(client, name="1", username="staff"):
    log_in(client, username)
    assert post(client, "/counter/choose", counter=name).status_code == 303


def test_counter_calls_and_finishes_a_ticket(client):
    post(client, "/kiosk/ticket", nik=NIK, choice="general")
    choose_counter(client)
    response = post(client, "/counter/call")
    assert response.status_code == 303
    console = text(client.get("/counter"))
    assert "Memanggil A001." in console and 'id="current-number">A001<' in console
    board = text(client.get("/board"))
    assert 'id="counter-1">A001<' in board
    ticket = Ticket.get()
    assert post(client, f"/counter/tickets/{ticket.id}/finish",
                outcome="passport_issued").status_code == 303
    ticket = Ticket.get()
    assert (ticket.status, ticket.outcome) == ("done", "passport_issued")
    assert Outbox.select().where(Outbox.kind == "ticket_finished").count() == 1


def test_counter_recall_no_show_and_transfer(client):
    for n in (1, 2):
        post(client, "/kiosk/ticket", nik=nik_for(n), choice="general")
    choose_counter(client)
    post(client, "/counter/call")
    first = Ticket.get(Ticket.number == "A001")
    assert post(client, f"/counter/tickets/{first.id}/recall").status_code == 303
    assert Ticket.get_by_id(first.id).recalls == 1
    assert post(client, f"/counter/tickets/{first.id}/no-show").status_code == 303
    assert Ticket.get_by_id(first.id).status == "no_show"
    post(client, "/counter/call")
    second = Ticket.get(Ticket.number == "A002")
    response = post(client, f"/counter/tickets/{second.id}/transfer", to_lane="priority",
                    reason="disability")
    assert response.status_code == 303
    moved = Ticket.get_by_id(second.id)
    assert (moved.lane, moved.status, moved.reason) == ("priority", "waiting", "disability")


def test_counter_shows_waiting_counts_per_lane(client):
    post(client, "/kiosk/ticket", nik=NIK, choice="general")
    post(client, "/kiosk/ticket", nik=ELDER_NIK, choice="priority:elderly")
    post(client, "/kiosk/check-in", booking_code="BK-9", nik=NIK)
    choose_counter(client)
    body = text(client.get("/counter"))
    for lane in ("general", "priority", "booking"):
        assert f'<b data-lane="{lane}">1</b>' in body


def test_counter_refusal_is_shown_with_its_status(client):
    post(client, "/kiosk/ticket", nik=NIK, choice="general")
    choose_counter(client)
    post(client, "/counter/call")
    ticket = Ticket.get()
    response = post(client, f"/counter/tickets/{ticket.id}/finish", outcome="lost")
    assert response.status_code == 422
    assert "Hasil layanan harus salah satu dari" in text(response)
    assert Ticket.get().status == "called"


def test_staff_cannot_override_the_cap(client):
    choose_counter(client)
    response = post(client, "/counter/override", nik=NIK, lane="general")
    assert response.status_code == 403
    assert "supervisor" in text(response)


def test_supervisor_overrides_the_cap(branch_app, client):
    branch_app.config["CAP_GENERAL"] = 1
    post(client, "/kiosk/ticket", nik=NIK, choice="general")
    refused = post(client, "/kiosk/ticket", nik=nik_for(2), choice="general")
    assert refused.status_code == 409 and "supervisor dapat menerbitkan" in text(refused)
    choose_counter(client, username="supervisor")
    assert "di atas batas harian" in text(client.get("/counter"))
    response = post(client, "/counter/override", nik=nik_for(2), lane="general")
    assert response.status_code == 303
    assert "Karcis A002 diterbitkan di atas batas harian." in text(client.get("/counter"))
    assert Ticket.get(Ticket.number == "A002").beyond_quota is True


# --- banner and status ----------------------------------------------------------------

@pytest.fixture
def now(clock):
    """09:30 office time, as the naive UTC the tables store."""
    clock.set_local(9, 30)
    return clock.now.replace(tzinfo=None)


def add_outbox(n, state="pending", error=None):
    for _ in range(n):
        Outbox.create(uuid=str(uuid.uuid4()), office="SRG", day=today(), kind="ticket_issued",
                      payload='{"ticket": "A001"}', state=state, error=error)


def test_banner_when_central_unreachable_longer_than_configured(client, now):
    since = now - timedelta(minutes=25)
    SyncState.create(central_reachable=False, unreachable_since=since,
                     last_success=since - timedelta(minutes=1), last_attempt=now)
    add_outbox(7)
    expected = ("Server pusat tidak dapat dihubungi sejak 09.05 WIB; 7 data menunggu dikirim. "
                "Pelayanan tetap berjalan seperti biasa")
    log_in(client)
    assert expected in text(client.get("/status"))
    post(client, "/counter/choose", counter="1")
    assert expected in text(client.get("/counter"))
    assert "dihubungi" not in text(client.get("/kiosk"))   # not shown to the public


def test_no_banner_for_a_short_outage(client, now):
    since = now - timedelta(minutes=5)
    SyncState.create(central_reachable=False, unreachable_since=since, last_success=since)
    add_outbox(3)
    log_in(client)
    assert 'class="banner"' not in text(client.get("/status"))


def test_no_banner_while_central_is_reachable(client, now):
    SyncState.create(central_reachable=True, last_success=now - timedelta(minutes=1))
    add_outbox(2)
    log_in(client)
    assert 'class="banner"' not in text(client.get("/status"))


def test_banner_when_central_never_reached_and_records_wait(client, now):
    add_outbox(2)
    Outbox.update(created_at=now - timedelta(minutes=30)).execute()
    log_in(client)
    assert "Server pusat tidak dapat dihubungi sejak" in text(client.get("/status"))
    assert "2 data menunggu dikirim" in text(client.get("/status"))


def test_no_banner_when_never_reached_but_nothing_waits(client, now):
    log_in(client)
    assert 'class="banner"' not in text(client.get("/status"))


def test_status_lists_quarantined_records_with_central_reason(client, now):
    SyncState.create(central_reachable=True, last_success=now, last_error=None,
                     clock_drift_seconds=2.0)
    add_outbox(2)
    add_outbox(1, state="quarantined", error="regency 9999 is not a regency")
    log_in(client)
    body = text(client.get("/status"))
    assert '<dd id="pending">2' in body
    assert '<dd id="quarantined">1<' in body
    assert "regency 9999 is not a regency" in body
    assert "ticket_issued" in body


def test_page_404_is_html_api_404_is_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "<!doctype html>" in text(page)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_banner_names_the_day_of_an_outage_that_began_earlier(client, now):
    since = now - timedelta(days=1, minutes=25)
    SyncState.create(central_reachable=False, unreachable_since=since, last_success=since)
    add_outbox(1)
    log_in(client)
    expected = "tidak dapat dihubungi sejak 26 Nov 2026 09.05 WIB; 1 data menunggu dikirim"
    assert expected in text(client.get("/status"))


def test_pages_name_the_office_as_central_does_once_synced(client):
    assert "Antrean · SRG" in text(client.get("/board"))
    Setting.create(key="name", value='"Kantor Imigrasi Serang"')   # as sync's pull stores it
    assert "Antrean · Kantor Imigrasi Serang" in text(client.get("/board"))
    assert "Antrean · Kantor Imigrasi Serang" in text(client.get("/kiosk"))


def test_board_refreshes_itself_without_javascript(client):
    body = text(client.get("/board"))
    # Without JavaScript the page reloads itself; with it, board.js polls and never reloads.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in body
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/board.js" defer>']
    assert "</script>" in body and not re.search(r"<script[^>]*>[^<]+</script>", body)


def test_banner_when_records_pile_up_although_central_was_reachable(client, now):
    SyncState.create(central_reachable=True, last_success=now - timedelta(hours=2))
    add_outbox(4)
    log_in(client)
    assert ("Belum ada sinkronisasi lengkap dengan server pusat sejak 07.30 WIB; "
            "4 data menunggu dikirim" in text(client.get("/status")))
