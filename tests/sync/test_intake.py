"""central.intake: the one-pass reading of a valid batch agrees with the event-by-event one."""
import json

import pytest
from pydantic import ValidationError
from sync_support import NIKS, Events

from central.intake import _read_leniently, read_batch


def every_kind():
    """One event of every kind, optional fields both sent and left out."""
    event = Events()
    return [event("ticket_issued", ticket="P001", lane="priority", nik=NIKS[0],
                  regency=NIKS[0][:4], reason="elderly", beyond_quota=True, staff="sup"),
            event("ticket_issued", ticket="A001", lane="general", nik=NIKS[1],
                  regency=NIKS[1][:4]),
            event("booking_checked_in", ticket="B001", booking_code="SRG-AAA111",
                  nik=NIKS[2], verified="true"),         # lax: read as True by both passes
            event("ticket_called", ticket="A001", counter="1"),
            event("ticket_recalled", ticket="A001", counter="1", staff=None),
            event("ticket_no_show", ticket="A001", counter="1"),
            event("ticket_transferred", ticket="A001", from_lane="general", to_lane="priority"),
            event("ticket_finished", ticket="P001", counter="2", outcome="passport_issued",
                  regency=NIKS[0][:4]),
            event("suspended_refused", nik=NIKS[3], suspension_ends_on="2028-01-01")]


def body(events, **extra):
    return json.dumps({"office": "SRG", "events": events, **extra}).encode()


def test_a_valid_batch_reads_the_same_in_one_pass_as_event_by_event():
    events = every_kind()
    raw = body(events + [events[0]], backlog=7)      # the same event twice is one event
    fast, slow = read_batch(raw), _read_leniently(raw)
    assert fast == slow
    assert (fast.size, fast.top_seq, fast.backlog, len(fast.accepted)) == (10, 9, 7, 9)
    issued, payload = fast.accepted[0]
    assert list(issued["payload"]) == sorted(issued["payload"])     # stored key-sorted
    assert payload["beyond_quota"] is True and fast.accepted[1][1]["reason"] is None
    assert fast.accepted[2][0]["payload"]["verified"] is True


def test_an_id_spelled_another_way_is_read_leniently_and_stored_canonically():
    events = every_kind()[:1]
    events[0]["id"] = events[0]["id"].upper()
    batch = read_batch(body(events))
    assert batch.accepted[0][0]["id"] == events[0]["id"].lower()


def test_a_bad_event_is_refused_alone_and_a_bad_envelope_refuses_the_batch():
    events = every_kind()
    events[1]["payload"]["lane"] = "express"
    events[3]["kind"] = "ticket_teleported"
    batch = read_batch(body(events))
    assert [e["id"] for e, _ in batch.rejected] == [events[1]["id"], events[3]["id"]]
    assert batch.rejected[1][1] == "unknown event kind 'ticket_teleported'"
    assert len(batch.accepted) == len(events) - 2
    events[5]["seq"] = 0                # a bad envelope field: that event alone
    batch = read_batch(body(events))
    assert [e["id"] for e, _ in batch.rejected][-1] == events[5]["id"]
    assert batch.rejected[-1][1] == ("invalid event: seq: Input should be greater than or "
                                     "equal to 1")
    assert batch.rejected[-1][0]["seq"] is None and batch.top_seq == len(events)
    events[6]["id"] = "not-an-id"       # an event that cannot be named refuses the batch
    with pytest.raises(ValidationError):
        read_batch(body(events))
    with pytest.raises(ValidationError):
        read_batch(body(every_kind(), backlog=-1))


def test_the_jobs_batches_take_the_one_pass_reading(branch):
    """The job's JSON is what central reads fastest (a slip would still be accepted, slowly)."""
    from branch.db import db
    from branch.outbox import record_event
    from central.intake import STRICT_BATCH
    from sync.push import _read_batch
    with db.atomic():
        record_event("SRG", "2026-11-23", "ticket_issued", ticket="A001", lane="general",
                     nik=NIKS[0], regency=NIKS[0][:4], reason=None)
        record_event("SRG", "2026-11-23", "suspended_refused", nik=NIKS[1],
                     suspension_ends_on="2028-01-01")
    rows = _read_batch(db, 0, 10)
    raw = b'{"office":"SRG","events":[%s]}' % b",".join(row.body for row in rows)
    events = STRICT_BATCH.validate_json(raw)["events"]
    assert [(e["seq"], e["id"], e["kind"]) for e in events] == [
        (1, rows[0].uuid, "ticket_issued"), (2, rows[1].uuid, "suspended_refused")]
    assert events[0]["payload"] == {"lane": "general", "nik": NIKS[0], "reason": None,
                                    "regency": NIKS[0][:4], "ticket": "A001"}
    assert events[1]["created_at"].year == 2026 and str(events[1]["day"]) == "2026-11-23"
