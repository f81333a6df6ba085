"""Outbox atomicity: a failure between the change and the commit leaves neither behind."""
import json
from datetime import date

import peewee
import pytest

from branch import counters
from branch.db import db
from branch.models import Call, LocalBooking, LocalSuspension, Outbox, Refusal, Ticket
from branch.outbox import new_event_id, record_event
from branch.tickets import issue_ticket

NIK = "3601014507850003"


@pytest.fixture
def outbox_fails(branch_app):
    """Make the database refuse every outbox row: the failure comes after the change."""
    db.execute_sql("CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox "
                   "BEGIN SELECT RAISE(ABORT, 'outbox write failed'); END")
    yield
    db.execute_sql("DROP TRIGGER outbox_fails")


def test_ticket_and_event_are_written_together(branch_app):
    ticket = issue_ticket("general", NIK)
    event = Outbox.get()
    assert (event.kind, event.office, event.day, event.state) == (
        "ticket_issued", "SRG", ticket.day, "pending")
    assert json.loads(event.payload)["ticket"] == "A001" and len(event.uuid) == 36


def test_failed_event_leaves_no_ticket(branch_app, outbox_fails):
    with pytest.raises(peewee.IntegrityError, match="outbox write failed"):
        issue_ticket("general", NIK)
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0


def test_failed_event_leaves_the_booking_unchecked(branch_app, outbox_fails):
    LocalBooking.create(code="SRG-OK", office="SRG", date=date(2026, 11, 27), hour=9, nik=NIK,
                        name="Siti", purpose="hajj", status="booked")
    with pytest.raises(peewee.IntegrityError):
        issue_ticket("booking", NIK, booking_code="SRG-OK")
    assert LocalBooking.get().ticket is None and Ticket.select().count() == 0


def test_failed_event_leaves_no_refusal(branch_app, outbox_fails):
    LocalSuspension.create(central_id=1, nik=NIK, reason="falsified",
                           starts_on=date(2026, 1, 1), ends_on=date(2027, 1, 1))
    with pytest.raises(peewee.IntegrityError):
        issue_ticket("general", NIK)
    assert Refusal.select().count() == 0


def test_failed_event_leaves_the_ticket_waiting(branch_app, counter, staff):
    issue_ticket("general", NIK)
    db.execute_sql("CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox "
                   "BEGIN SELECT RAISE(ABORT, 'outbox write failed'); END")
    with pytest.raises(peewee.IntegrityError):
        counters.call_next("1", staff)
    ticket = Ticket.get()
    assert (ticket.status, ticket.counter_id) == ("waiting", None)
    assert Call.select().count() == 0 and Outbox.select().count() == 1


def test_an_invalid_payload_fails_the_change(branch_app):
    """A bug that builds a bad event must roll back the change it belongs to."""
    from sync.database import write_transaction
    with pytest.raises(ValueError), write_transaction(db):
        Ticket.create(office="SRG", day=date(2026, 11, 27), lane="general",
                      issued_lane="general", seq=1, number="A001", nik=NIK, regency="3601")
        record_event("SRG", date(2026, 11, 27), "ticket_issued", ticket="A001",
                     lane="general", nik="not-a-nik", regency="3601")
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0


def test_outbox_sequence_follows_the_order_of_changes(branch_app, counter, staff):
    issue_ticket("general", NIK)
    ticket = counters.call_next("1", staff)
    counters.finish(ticket.id, "passport_issued", staff)
    rows = list(Outbox.select().order_by(Outbox.seq))
    assert [r.kind for r in rows] == ["ticket_issued", "ticket_called", "ticket_finished"]
    assert [r.seq for r in rows] == [1, 2, 3]


def test_event_ids_are_uuid7_growing_with_time():
    """Central's (office, id) index takes a batch at its end only if ids grow with time."""
    import time
    import uuid
    first = new_event_id()
    time.sleep(0.002)
    ids = [new_event_id() for _ in range(1000)]
    parsed = [uuid.UUID(i) for i in ids]
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid.RFC_4122)}
    assert len(set(ids)) == 1000 and min(ids) > first
    assert abs((parsed[0].int >> 80) - time.time() * 1000) < 5000     # Unix milliseconds
