"""Trust without a connection, across the real sync: a check-in by pass for a booking the branch
never pulled, and the signed suspension list (valid, tampered, replayed, edited behind our back)."""
import base64
import sqlite3
from datetime import date, datetime, timezone

import pytest
from sync_support import NIKS, quick_sleep
from test_job import assert_same_everywhere

from branch import create_app as create_branch_app
from branch import suspension_list
from branch.auth import create_staff
from branch.cli import add_counters
from branch.models import LocalBooking, LocalSuspension, SuspensionList, Ticket
from central.booking import create_booking
from central.db import db as central_db
from central.merged import Conflict, MergedTicket
from central.models import Booking
from central.schemas import BookingRequest
from central.suspensions import issue_suspension
from sync.client import CentralClient, retry_policy
from sync.job import OK, run_once

FRIDAY = date(2026, 11, 27)
THURSDAY_NOON = datetime(2026, 11, 26, 5, 0, tzinfo=timezone.utc)
TEN_FIFTEEN_IN_SERANG = datetime(2026, 11, 27, 3, 15, tzinfo=timezone.utc)


def branch_client(cfg):
    app = create_branch_app({**cfg, "TESTING": True, "SECRET_KEY": "test",
                             "CLOCK": lambda: TEN_FIFTEEN_IN_SERANG,
                             "SUSPENSION_CHECK_SECONDS": 0, "RATELIMIT_ENABLED": False})
    return app, app.test_client()


def central_booking(nik=NIKS[0], hour=10):
    request = BookingRequest(office="SRG", date=FRIDAY, hour=hour, nik=nik, name="Siti Aminah",
                             purpose="general")
    with central.app.test_request_context(), central_db.connection_context():
        return create_booking(request, THURSDAY_NOON)


def suspend(nik, reason="falsified manifest"):
    with central.app.app_context(), central_db.connection_context():
        return issue_suspension(nik, 12, reason, date(2026, 11, 1), THURSDAY_NOON)


@pytest.fixture(autouse=True)
def _central(request):
    global central
    central = request.getfixturevalue("central")


def sync(cfg):
    status, line = run_once(cfg, sleep=quick_sleep)
    assert status == OK, line
    return line


def test_a_pass_checks_in_a_booking_the_branch_never_pulled_and_central_counts_it_once(branch):
    sync(branch)                                  # pins central's key; no booking yet
    booking = central_booking(hour=10)
    app, client = branch_client(branch)
    answer = client.post("/api/v1/tickets", json={"lane": "booking", "nik": NIKS[0],
                                                  "pass": booking.pass_token})
    assert answer.status_code == 201, answer.json
    assert (answer.json["verified"], answer.json["verified_by"], answer.json["slot_hour"]) == (
        True, "pass", 10)
    assert LocalBooking.select().count() == 0     # proven by the pass alone
    sync(branch)
    with central_db.connection_context():
        stored = list(Booking.select())
        merged = list(MergedTicket.select())
        conflicts = Conflict.select().count()
    assert [(b.code, b.status, b.ticket) for b in stored] == [
        (booking.code, "checked_in", answer.json["number"])]
    assert [(m.number, m.booking_code, m.booking_verified) for m in merged] == [
        (answer.json["number"], booking.code, True)]
    assert conflicts == 0
    assert LocalBooking.get().status == "checked_in"       # pulled after the check-in
    again = client.post("/api/v1/tickets", json={"lane": "booking", "nik": NIKS[0],
                                                 "pass": booking.pass_token})
    assert (again.status_code, again.json["error"]) == (409, "already_checked_in")
    assert Ticket.select().count() == 1
    assert_same_everywhere()


def fetch_list(branch, have=None):
    client = CentralClient(branch["CENTRAL_URL"], branch["TOKEN"], "SRG", retry_policy(5))
    return client.suspension_list(have)


def held():
    return SuspensionList.get_or_none(SuspensionList.id == 1)


def test_a_signed_list_is_applied_enforced_and_then_only_confirmed(branch):
    first = suspend(NIKS[2])
    sync(branch)
    assert [(s.central_id, s.nik) for s in LocalSuspension.select()] == [(first.id, NIKS[2])]
    version = held().version
    assert version > 0 and suspension_list.copy_problem() is None
    app, client = branch_client(branch)
    refused = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIKS[2]})
    assert (refused.status_code, refused.json["error"]) == (403, "suspended")
    assert "suspension list confirmed" in sync(branch)      # nothing new: entries left out
    assert fetch_list(branch, have=version)["suspensions"] is None
    assert held().version == version
    with app.app_context():
        create_staff("supervisor", "pw-for-tests", "supervisor")
    auth = {"Authorization": "Basic " + base64.b64encode(b"supervisor:pw-for-tests").decode()}
    page = client.get("/status", headers=auth).get_data(as_text=True)
    assert 'id="suspension-list-version">' + str(version) in page
    assert "suspension-list-problem" not in page


def test_a_tampered_list_is_refused_and_changes_nothing(branch):
    suspend(NIKS[2])
    suspend(NIKS[3])
    sync(branch)
    before = held().version
    document = fetch_list(branch)
    dropped = {**document, "suspensions": document["suspensions"][:1]}
    with pytest.raises(suspension_list.ListRefused, match="tampered"):
        suspension_list.apply_list(dropped)
    altered = {**document, "suspensions": [dict(document["suspensions"][0], nik=NIKS[0]),
                                           document["suspensions"][1]]}
    with pytest.raises(suspension_list.ListRefused, match="tampered"):
        suspension_list.apply_list(altered)
    newer = {**document, "version": document["version"] + 1}        # the header is signed
    with pytest.raises(suspension_list.ListRefused, match="tampered"):
        suspension_list.apply_list(newer)
    assert held().version == before
    assert sorted(s.nik for s in LocalSuspension.select()) == sorted([NIKS[2], NIKS[3]])


def test_an_older_list_replayed_is_refused(branch):
    suspend(NIKS[2])
    sync(branch)
    old = fetch_list(branch)
    suspend(NIKS[3])
    sync(branch)
    newest = held().version
    assert old["version"] < newest
    with pytest.raises(suspension_list.ListRefused, match="older than version"):
        suspension_list.apply_list(old)
    assert held().version == newest
    assert LocalSuspension.select().count() == 2


def test_a_copy_edited_behind_antreans_back_is_not_served_from_until_sync_restores_it(
        branch, tmp_path):
    suspend(NIKS[2])
    sync(branch)
    app, client = branch_client(branch)
    with sqlite3.connect(tmp_path / "branch.db") as raw:           # someone with the file
        raw.execute("DELETE FROM local_suspension WHERE nik = ?", (NIKS[2],))
    assert suspension_list.copy_problem() == "rows"
    refused = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIKS[2]})
    assert (refused.status_code, refused.json["error"]) == (503, "suspension_list_untrusted")
    assert refused.json["message"].startswith("Daftar penangguhan di komputer ini berbeda")
    assert Ticket.select().count() == 0
    with app.app_context():
        create_staff("supervisor", "pw-for-tests", "supervisor")
    auth = {"Authorization": "Basic " + base64.b64encode(b"supervisor:pw-for-tests").decode()}
    page = client.get("/status", headers=auth).get_data(as_text=True)
    assert 'id="suspension-list-problem"' in page and "diubah di luar Antrean" in page
    assert "suspension list applied" in sync(branch)          # the whole list asked for again
    assert suspension_list.copy_problem() is None
    again = client.post("/api/v1/tickets", json={"lane": "general", "nik": NIKS[2]})
    assert (again.status_code, again.json["error"]) == (403, "suspended")
    with sqlite3.connect(tmp_path / "branch.db") as raw:           # the header, this time
        raw.execute("UPDATE suspension_list SET version = version + 100")
    assert suspension_list.copy_problem() == "header"
    assert client.post("/api/v1/tickets", json={"lane": "general",
                                                "nik": NIKS[0]}).status_code == 503
