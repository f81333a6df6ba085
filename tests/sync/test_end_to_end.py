"""A booking made at central is checked in at the branch, served, and comes back merged."""
import base64
from datetime import date, datetime, timezone

from sync_support import quick_sleep
from sync_support import NIKS
from test_job import assert_same_everywhere

from branch import create_app as create_branch_app
from branch.auth import create_staff
from branch.cli import add_counters
from branch.models import LocalBooking
from central.booking import booking_dict
from central.changes import record_change
from central.db import db as central_db
from central.merged import MergedTicket, PassportTally
from central.models import Booking, Office
from sync.job import OK, run_once

FRIDAY = date(2026, 11, 27)
NINE_THIRTY_IN_SERANG = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)


def test_booking_check_in_service_and_merge(branch, central):
    with central_db.connection_context(), central_db.atomic():
        booking = Booking.create(code="SRG-E2E001", office=Office.get(Office.code == "SRG"),
                                 date=FRIDAY, hour=9, nik=NIKS[0], name="Siti Aminah",
                                 purpose="general")
        record_change("booking", booking.code, booking_dict(booking), office="SRG")
    assert run_once(branch, sleep=quick_sleep)[0] == OK
    assert LocalBooking.get().status == "booked"

    app = create_branch_app({**branch, "TESTING": True, "SECRET_KEY": "test",
                             "CLOCK": lambda: NINE_THIRTY_IN_SERANG})
    client = app.test_client()
    with app.app_context():
        add_counters(["1"])
        create_staff("staff", "pw-for-tests", "staff")
    staff = {"Authorization": "Basic " + base64.b64encode(b"staff:pw-for-tests").decode()}
    ticket = client.post("/api/v1/tickets", json={"lane": "booking", "nik": NIKS[0],
                                                  "booking_code": "SRG-E2E001"})
    assert ticket.status_code == 201 and ticket.json["booking_verified"] is True
    assert client.post("/api/v1/counters/1/call", headers=staff).status_code == 200
    finished = client.post(f"/api/v1/tickets/{ticket.json['id']}/finish", headers=staff,
                           json={"outcome": "passport_issued"})
    assert finished.status_code == 200

    status, line = run_once(branch, sleep=quick_sleep)
    assert status == OK, line
    with central_db.connection_context():
        booking = Booking.get(Booking.code == "SRG-E2E001")
        merged = MergedTicket.get()
        tally = [(p.regency, p.count) for p in PassportTally.select()]
    assert (booking.status, booking.ticket) == ("served", ticket.json["number"])
    assert (merged.number, merged.status, merged.outcome, merged.booking_code) == (
        ticket.json["number"], "done", "passport_issued", "SRG-E2E001")
    assert tally == [(NIKS[0][:4], 1)]
    local = LocalBooking.get()
    assert (local.status, local.ticket) == ("served", ticket.json["number"])
    assert_same_everywhere()
