"""The admin's numbers from the merged view: an office's day and each branch's sync health."""
from datetime import datetime, timedelta

from sync_support import DAY, NIKS, Events, push

from central.db import db
from central.models import Booking, Office
from central.sync_reports import office_day, open_conflicts, sync_health


def test_an_offices_day_counts_a_person_once(api):
    with db.connection_context():
        srg = Office.get(Office.code == "SRG")
        Booking.create(code="SRG-R1", office=srg, date=DAY, hour=9, nik=NIKS[0], name="A",
                       purpose="general")
        Booking.create(code="SRG-R2", office=srg, date=DAY, hour=9, nik=NIKS[1], name="B",
                       purpose="general", status="cancelled")
    event = Events()
    batch = (event.ticket("A001", NIKS[0]) + event.ticket("A002", NIKS[2], outcome="rejected")
             + [event("ticket_issued", ticket="B001", lane="booking", nik=NIKS[0],
                      regency=NIKS[0][:4], booking_code="SRG-R1"),
                event("ticket_issued", ticket="A003", lane="general", nik=NIKS[3],
                      regency=NIKS[3][:4], beyond_quota=True, staff="sup"),
                event("suspended_refused", nik=NIKS[1], suspension_ends_on="2028-01-01")])
    assert push(api, batch, backlog=0).status_code == 200
    with db.connection_context():
        day = office_day(Office.get(Office.code == "SRG"), DAY)
        conflicts = [(c.kind, c.subject) for c in open_conflicts("SRG")]
    assert day == {"office": "SRG", "day": DAY.isoformat(), "quota": 140, "booked": 1,
                   "tickets": 4, "walk_ins": 3, "walk_ins_general": 3, "walk_ins_priority": 0,
                   "check_ins": 1, "served": 2, "no_shows": 0, "people": 3,
                   "beyond_quota": 1, "refusals": 1, "passports": 1,
                   "passports_by_regency": {NIKS[0][:4]: 1}}
    assert conflicts == [("booking_and_walk_in", NIKS[0])]


def test_sync_health_shows_who_is_behind(api):
    event = Events()
    push(api, event.ticket("A001", NIKS[0]), backlog=250)
    push(api, [dict(event("ticket_finished", ticket="A001", counter="1", outcome="lost",
                          regency="3601"))], backlog=249)
    with db.connection_context():
        health = {h["office"]: h for h in sync_health(datetime.utcnow() + timedelta(minutes=90))}
    assert health["SRG"]["backlog"] == 249 and health["SRG"]["cursor"] == 4
    assert health["SRG"]["events"] == 3 and health["SRG"]["quarantined"] == 1
    assert health["SRG"]["minutes_since_seen"] == 90
    assert health["CLG"] == {"office": "CLG", "last_seen_at": None, "minutes_since_seen": None,
                             "cursor": 0, "events": 0, "backlog": None, "quarantined": 0,
                             "open_conflicts": 0, "reported_at": None, "last_run_ok": None,
                             "reconciled": None, "last_error": None, "clock_drift": None}


def test_a_branch_reports_its_run_and_only_the_latest_report_is_kept(api):
    failed = {"ok": False, "reconciled": False, "clock_drift": -312.5,
              "error": "reconcile: 1 day(s) still differ after re-sending: 2026-11-23: events"}
    assert api.client.post("/api/v1/sync/report", json=failed,
                           headers=api.auth()).get_json() == {"recorded": True}
    with db.connection_context():
        srg = {h["office"]: h for h in sync_health()}["SRG"]
    assert (srg["last_run_ok"], srg["reconciled"], srg["clock_drift"]) == (False, False, -312.5)
    assert srg["last_error"].startswith("reconcile: 1 day(s)") and srg["last_seen_at"]
    api.client.post("/api/v1/sync/report", json={"ok": True, "reconciled": True},
                    headers=api.auth())
    with db.connection_context():
        srg = {h["office"]: h for h in sync_health()}["SRG"]
    assert (srg["last_run_ok"], srg["reconciled"], srg["last_error"]) == (True, True, None)
    other = api.client.post("/api/v1/sync/report", json={"office": "CLG", "ok": True},
                            headers=api.auth())
    assert other.status_code == 403
    bad = api.client.post("/api/v1/sync/report", json={"ok": "maybe", "extra": 1},
                          headers=api.auth())
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"ok", "extra"}
    assert api.client.post("/api/v1/sync/report", json={"ok": True}).status_code == 401
