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
                   "walk_ins": 3, "check_ins": 1, "served": 2, "people": 3,
                   "beyond_quota": 1, "refusals": 1,
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
                             "open_conflicts": 0}
