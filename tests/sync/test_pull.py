"""Pull: central's bookings, keys and office settings reach the branch with the cursor, then the
signed suspension list (tests/sync/test_signed_suspensions.py checks its refusals)."""
import json
from datetime import date

import pytest
from sync_support import quick_sleep
from sync_support import DAY, NIKS

from branch.db import db as branch_db
from branch.models import (LocalBooking, LocalSuspension, Setting, SuspensionList, SyncState,
                           TrustedKey)
from central.booking import booking_dict
from central.changes import record_change
from central.db import db as central_db
from central.models import Booking, Office, SigningKey, Suspension
from central.offices import office_dict
from central.suspensions import suspension_dict
from sync import signing
from sync.client import CentralClient, retry_policy
from sync.job import OK, run_once
from sync.pull import apply_page, pull_changes


def central_changes():
    """A booking for SRG (then cancelled), one for CLG, a suspension (then lifted), SRG's settings."""
    with central_db.connection_context(), central_db.atomic():
        srg, clg = (Office.get(Office.code == code) for code in ("SRG", "CLG"))
        mine = Booking.create(code="SRG-AAA111", office=srg, date=DAY, hour=9, nik=NIKS[0],
                              name="Siti Aminah", purpose="hajj")
        record_change("booking", mine.code, booking_dict(mine), office="SRG")
        theirs = Booking.create(code="CLG-BBB222", office=clg, date=DAY, hour=9, nik=NIKS[1],
                                name="Budi", purpose="general")
        record_change("booking", theirs.code, booking_dict(theirs), office="CLG")
        suspension = Suspension.create(nik=NIKS[2], reason="falsified manifest",
                                       starts_on=DAY, ends_on=date(2028, 11, 23))
        record_change("suspension", str(suspension.id), suspension_dict(suspension))
        srg.daily_quota = 150
        srg.save()
        record_change("office", "SRG", office_dict(srg), office="SRG")
    return mine, suspension


def central_key():
    with central_db.connection_context():
        return SigningKey.get().kid


def test_a_run_applies_bookings_suspensions_and_settings(branch, central):
    central_changes()
    assert run_once(branch, sleep=quick_sleep)[0] == OK
    booking = LocalBooking.get()
    assert (booking.code, booking.status, booking.date, booking.purpose) == (
        "SRG-AAA111", "booked", DAY, "hajj")
    suspension = LocalSuspension.get()
    assert (suspension.nik, suspension.lifted, suspension.ends_on) == (
        NIKS[2], False, date(2028, 11, 23))
    settings = {s.key: json.loads(s.value) for s in Setting.select()}
    assert settings["daily_quota"] == 150 and settings["name"] == "Kantor Imigrasi Serang"
    assert [key.kid for key in TrustedKey.select()] == [central_key()]   # pinned: the first
    # change 1 is central's first key; CLG's booking (3) is not ours, but counted
    assert SyncState.get_by_id(1).pull_cursor == 5


def test_every_run_brings_the_pass_secret_of_each_trusted_key(branch, central):
    """Even a branch that pinned the key before pulls carried secrets gets it: every
    answer has them, not just the page that announced the key."""
    assert run_once(branch, sleep=quick_sleep)[0] == OK
    with central_db.connection_context():
        key = SigningKey.get()
    expected = signing.pass_secret_text(signing.load_private(key.private_key), "SRG")
    assert TrustedKey.get().pass_secret == expected
    TrustedKey.update(pass_secret=None).execute()        # as a branch upgraded from m041 is
    assert run_once(branch, sleep=quick_sleep)[0] == OK
    assert TrustedKey.get().pass_secret == expected


def test_later_changes_update_the_copies_and_keep_the_branch_ticket(branch, central):
    mine, suspension = central_changes()
    assert run_once(branch, sleep=quick_sleep)[0] == OK
    LocalBooking.update(ticket="B007").execute()      # the branch checked the person in
    with central_db.connection_context(), central_db.atomic():
        mine = Booking.get_by_id(mine.id)
        mine.status = "cancelled"
        mine.save()
        record_change("booking", mine.code, booking_dict(mine), office="SRG")
        suspension = Suspension.get_by_id(suspension.id)
        suspension.lifted_at = suspension.created_at
        suspension.save()
        record_change("suspension", str(suspension.id), suspension_dict(suspension))
    assert run_once(branch, sleep=quick_sleep)[0] == OK
    booking = LocalBooking.get()
    assert (booking.status, booking.ticket) == ("cancelled", "B007")
    assert LocalSuspension.select().count() == 0       # a lifted suspension leaves the list
    assert SuspensionList.get().version == 7           # the newest suspension change
    assert SyncState.get_by_id(1).pull_cursor == 7


def test_pages_are_applied_one_transaction_each_and_the_cursor_never_goes_back(
        branch, central):
    central_changes()
    run_once(dict(branch, CENTRAL_URL="http://127.0.0.1:9", SYNC_MAX_SECONDS=0.1))  # state row
    client = CentralClient(central.url, central.tokens["SRG"], "SRG", retry_policy(5))
    assert pull_changes(branch_db, client, retry_policy(5), page=1) == 4
    assert SyncState.get_by_id(1).pull_cursor == 5
    apply_page(branch_db, [], 2)                       # an old page again: no step back
    assert SyncState.get_by_id(1).pull_cursor == 5


def test_a_page_that_fails_midway_leaves_no_rows_and_no_cursor(branch, central):
    run_once(dict(branch, CENTRAL_URL="http://127.0.0.1:9", SYNC_MAX_SECONDS=0.1))
    page = [{"seq": 1, "kind": "booking", "key": "SRG-X", "payload": {
                "code": "SRG-X", "office": "SRG", "date": "2026-11-23", "hour": 9,
                "nik": NIKS[0], "name": "X", "purpose": "general", "status": "booked"}},
            {"seq": 2, "kind": "weather", "key": "rain", "payload": {}}]
    with pytest.raises(ValueError, match="unknown kind 'weather'"):
        apply_page(branch_db, page, 2)
    assert LocalBooking.select().count() == 0
    assert SyncState.get_by_id(1).pull_cursor == 0
