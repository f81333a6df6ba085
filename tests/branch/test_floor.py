"""The live pages staff and the waiting room read: the board's and the counter's live answers,
the sync status turning within one attempt, the supervisor's view and the day's summary."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from branch import counters
from branch.auth import create_staff
from branch.announce import spoken_call, spoken_counter, spoken_number
from branch.models import LocalSuspension, SyncState, Ticket
from branch.tickets import issue_ticket
from branch_support import nik_for
from branch_support import PASSWORD, closed_port
from sync import job


def post(client, url, **form):
    with client.session_transaction() as session:
        token = session.setdefault("csrf", "test-token")
    return client.post(url, data={"csrf_token": token, **form})


def log_in(client, username="staff", counter_name="1"):
    post(client, "/login", username=username, password=PASSWORD, next="/counter")
    post(client, "/counter/choose", counter=counter_name)


def test_the_board_announces_in_indonesian():
    assert spoken_number("A001") == "A nol nol satu"
    assert spoken_number("P012", "id") == "Pe nol satu dua"
    assert [spoken_counter(n) for n in (2, 10, 11, 12, 19, 20, 21, 99)] == [
        "dua", "sepuluh", "sebelas", "dua belas", "sembilan belas", "dua puluh",
        "dua puluh satu", "sembilan puluh sembilan"]
    assert spoken_counter("VIP") == "VIP"


def test_the_board_live_answer_highlights_and_announces_the_latest_call(client, counter, staff):
    assert client.get("/board/live").get_json()["latest"] is None
    for n in (1, 2):
        issue_ticket("general", nik_for(n))
    counters.call_next("2", staff)
    live = client.get("/board/live").get_json()
    assert live["latest"]["number"] == "A001" and live["latest"]["counter"] == "2"
    assert live["latest"]["announcement"] == "Nomor antrean A nol nol satu, silakan ke loket dua"
    assert 'class="latest" id="row-2"' in live["counters"]
    assert 'id="waiting-general">1<' in live["lanes"]
    first = live["latest"]["key"]
    counters.recall(Ticket.get(Ticket.number == "A001").id, staff)   # a recall is announced too
    assert client.get("/board/live").get_json()["latest"]["key"] != first
    api = client.get("/api/v1/board").get_json()
    assert api["latest"]["number"] == "A001" and set(api["estimated_wait_minutes"]) == {
        "general", "priority", "booking"}


def test_the_board_speaks_english_after_the_switch(client, counter, staff):
    issue_ticket("general", nik_for(1))
    counters.call_next("3", staff)
    client.get("/lang/en?next=/board")
    assert client.get("/board/live").get_json()["latest"]["announcement"] == (
        "Queue number A zero zero one, please go to counter three")
    assert spoken_call("B007", "12")


def test_the_counter_live_answer_has_the_queue_and_its_own_ticket(client, counter, staff):
    for n in (1, 2, 3):
        issue_ticket("general", nik_for(n))
    log_in(client)
    live = client.get("/counter/live").get_json()
    assert live["current_key"] == ""
    assert "berikutnya: A001, A002, A003" in live["queue"]
    post(client, "/counter/call")
    live = client.get("/counter/live").get_json()
    assert live["current_key"].startswith("A001:called")
    assert 'id="current-number">A001<' in live["current"]
    assert "berikutnya: A002, A003" in live["queue"]
    assert client.get("/counter/live", headers={}).status_code == 200


def test_the_counter_live_answer_needs_a_login(client, counter):
    assert client.get("/counter/live").status_code == 302


def test_status_and_counter_turn_within_one_sync_attempt(branch_app, client, counter, staff,
                                                        clock, db_path):
    """Central dies: the first failed call already says so, long before the run gives up."""
    # sync's stamps use the real clock: the pages' clock a minute on, so the outage has begun
    clock.now = datetime.now(timezone.utc) + timedelta(minutes=1)
    branch_app.config["BANNER_AFTER_MINUTES"] = 0
    SyncState.create(id=1, central_reachable=True, last_success=datetime.utcnow())
    issue_ticket("general", nik_for(1))
    log_in(client)
    assert "Terhubung ke server pusat" in client.get("/status").get_data(as_text=True)
    seen = {}

    def pages():
        seen["status"] = client.get("/status").get_data(as_text=True)
        seen["live"] = client.get("/counter/live").get_json()

    class Stop(BaseException):
        """Ends the run at its first back-off, before any retry."""

    def first_backoff(seconds):
        reader = threading.Thread(target=pages)     # a request of its own, like a browser's
        reader.start()
        reader.join()
        raise Stop()

    cfg = job.load_settings({"OFFICE": "SRG", "DATABASE_URL": f"sqlite:///{db_path}",
                             "CENTRAL_URL": f"http://127.0.0.1:{closed_port()}",
                             "TOKEN": "t" * 20, "SYNC_MAX_SECONDS": 300})
    with pytest.raises(Stop):
        job.run_once(cfg, sleep=first_backoff)
    assert "Server pusat tidak dapat dihubungi sejak" in seen["status"]
    assert "1 data menunggu dikirim" in seen["status"]
    assert "Pelayanan tetap berjalan" in seen["status"]
    assert "ConnectionError" not in seen["status"]      # no raw exception text for staff
    assert "tidak dapat dihubungi" in seen["live"]["banner"]
    assert seen["live"]["sync_kind"] == "trouble"


def test_only_a_supervisor_sees_the_last_error(client, supervisor):
    SyncState.create(central_reachable=False, unreachable_since=datetime.utcnow(),
                     last_error="central unreachable: ConnectionError: refused")
    create_staff("staff", PASSWORD, "staff")
    post(client, "/login", username="staff", password=PASSWORD, next="/status")
    assert "ConnectionError" not in client.get("/status").get_data(as_text=True)
    post(client, "/logout")
    post(client, "/login", username="supervisor", password=PASSWORD, next="/status")
    page = client.get("/status").get_data(as_text=True)
    assert "ConnectionError: refused" in page, page[:page.index("<main>")]


def test_the_supervisor_sees_the_floor(client, counter, staff, supervisor, clock):
    LocalSuspension.create(central_id=1, nik=nik_for(9), reason="falsified",
                           starts_on=datetime(2026, 1, 1).date(), ends_on=datetime(2027, 6, 30).date())
    for n in (1, 2, 3):
        issue_ticket("general", nik_for(n))
    with pytest.raises(Exception):
        issue_ticket("general", nik_for(9))
    issue_ticket("booking", nik_for(4), booking_code="SRG-UNSEEN")
    clock.advance(minutes=12)
    ticket = counters.call_next("1", staff)       # the provisional check-in goes first
    clock.advance(minutes=6)
    counters.finish(ticket.id, "passport_issued", staff)
    counters.call_next("1", staff)
    post(client, "/login", username="staff", password=PASSWORD, next="/supervisor")
    assert client.get("/supervisor").status_code == 403
    post(client, "/logout")
    post(client, "/login", username="supervisor", password=PASSWORD, next="/supervisor")
    page = client.get("/supervisor").get_data(as_text=True)
    assert client.get("/supervisor/live").status_code == 200
    lanes = page[page.index('id="floor-lanes"'):page.index('id="floor-counters"')]
    assert '<td class="n">2</td>' in lanes and "18 menit" in lanes    # A002, A003 since 09.30
    counters_ = page[page.index('id="floor-counters"'):page.index('id="floor-caps"')]
    assert "<td>staff</td><td>A001</td>" in counters_ and "6.0 menit" in counters_
    assert "3 / 150" in page and "1 / 30" in page           # general, unconfirmed check-ins
    assert "3604********0009" in page and nik_for(9) not in page


def test_the_day_summary_prints_the_figures_for_the_head_office(client, counter, staff,
                                                               supervisor):
    for n in (1, 2, 3):
        issue_ticket("general", nik_for(n, regency="3601"))
    issue_ticket("priority", nik_for(4, regency="3602", born="120350"), reason="elderly")
    for outcome in ("passport_issued", "passport_issued"):
        ticket = counters.call_next("1", staff)
        counters.finish(ticket.id, outcome, staff)
    ticket = counters.call_next("1", staff)
    counters.no_show(ticket.id, staff)
    post(client, "/login", username="supervisor", password=PASSWORD, next="/supervisor/day")
    page = client.get("/supervisor/day").get_data(as_text=True)
    assert "Jumat, 27 November 2026" in page
    general = page[page.index('data-lane="general"'):page.index('data-lane="total"')]
    assert general.count('<td class="n">') == 6
    assert 'id="no-shows">1<' in page
    assert 'data-regency="3601"><td>3601</td><td>Kab. Pandeglang</td><td class="n">1<' in page
    assert 'data-regency="3602"><td>3602</td><td>Kab. Lebak</td><td class="n">1<' in page
    assert client.get("/supervisor/day?day=nonsense").status_code == 200


def test_every_page_is_indonesian_with_an_english_switch(client, counter, staff, supervisor):
    issue_ticket("general", nik_for(1))
    token = Ticket.get().token
    post(client, "/login", username="supervisor", password=PASSWORD, next="/counter")
    post(client, "/counter/choose", counter="1")
    for path in ("/kiosk", "/board", "/login", f"/t/{token}", f"/kiosk/ticket/{token}",
                 "/counter", "/status", "/supervisor", "/supervisor/day", "/kiosk/enroll",
                 "/no-such-page"):
        body = client.get(path).get_data(as_text=True)
        assert '<html lang="id">' in body, path
        assert "/lang/en?next=" in body, path
    client.get("/lang/en?next=/kiosk")
    english = client.get("/kiosk").get_data(as_text=True)
    assert '<html lang="en">' in english and "Take my number" in english
    assert "/lang/id?next=" in english
