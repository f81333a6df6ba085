"""No poison event stops an office's sync: every wire field has bounds, an event that
breaks them (or that the database still cannot store) is quarantined with its reason,
and the rest of its batch lands. Never a 500 for an event's content."""
import pytest
from sync_support import NIKS, Events, push

from central.db import db
from central.merged import MergedTicket, QuarantinedEvent, ReceivedEvent
from sync.database import is_postgres

HOSTILE = {
    "seq 2^63": (dict(seq=2 ** 63), "invalid event: seq: Input should be less than or equal "
                                    "to 9223372036854775807"),
    "created_at in year 1": (dict(created_at="0001-01-01T00:00:00"),
                             "invalid event: created_at: Value error, the year must be 1970 "
                             "to 2200"),
    "day in year 1": (dict(day="0001-01-01"), "invalid event: day: Value error, the year "
                                              "must be 1970 to 2200"),
    "a 10 kB kind": (dict(kind="k" * 10_000), "invalid event: kind: String should have at "
                                              "most 24 characters"),
    "NUL in a booking code": (dict(payload={"booking_code": "SRG-\x00ABC"}),
                              "invalid payload: booking_code: String should match pattern"),
    "a 10 kB booking code": (dict(payload={"booking_code": "X" * 10_000}),
                             "invalid payload: booking_code: String should have at most 32 "
                             "characters"),
    "NUL in a field name": (dict(payload={"note\x00": "x"}),
                            "invalid payload: note?: Extra inputs are not permitted"),
    "a control character in a counter": (dict(kind="ticket_called",
                                              payload={"counter": "1\n2"}),
                                         "invalid payload: counter: String should match"),
}


def hostile_event(event, change):
    """A check-in event with `change` applied (payload fields merged)."""
    base = event("booking_checked_in", ticket="B001", booking_code="SRG-AAA111", nik=NIKS[0],
                 verified=True)
    payload = {**base["payload"], **change.pop("payload", {})}
    if change.get("kind") == "ticket_called":
        payload = {"ticket": "B001", "counter": payload["counter"]}
    return {**base, **change, "payload": payload}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_event_in_the_middle_of_a_batch_is_quarantined_alone(api, name):
    change, reason = HOSTILE[name]
    event = Events()
    before = event.ticket("A001", NIKS[0])
    bad = hostile_event(event, dict(change))
    after = event.ticket("A002", NIKS[1])
    answer = push(api, before + [bad] + after)
    assert answer.status_code == 200, answer.json
    assert (answer.json["applied"], answer.json["duplicates"]) == (6, 0)
    assert [q["id"] for q in answer.json["quarantined"]] == [bad["id"]]
    assert answer.json["quarantined"][0]["reason"].startswith(reason)
    with db.connection_context():
        assert ReceivedEvent.select().count() == 6
        assert MergedTicket.select().count() == 2
        kept = QuarantinedEvent.get()
    assert (kept.event_id, kept.reason) == (bad["id"], answer.json["quarantined"][0]["reason"])
    assert "\x00" not in kept.payload


def test_an_out_of_range_backlog_or_office_refuses_the_batch_and_stores_nothing(api):
    event = Events()
    for body in ({"backlog": 10 ** 30}, {"office": "SRG\x00"}):
        answer = push(api, event.ticket("A001", NIKS[0]), **body)
        assert answer.status_code == 422, answer.json
        assert answer.json["error"] == "invalid"
    with db.connection_context():
        assert ReceivedEvent.select().count() == QuarantinedEvent.select().count() == 0


@pytest.fixture
def refuses_counter_99(api):
    """The database itself refuses a merged ticket at counter 99 (a value the schema
    allows, as a column type or constraint central did not foresee would)."""
    with db.connection_context():
        if is_postgres(db):
            db.execute_sql("ALTER TABLE merged_ticket ADD CONSTRAINT no_counter_99 "
                           "CHECK (counter IS DISTINCT FROM '99')")
        else:
            for verb in ("INSERT", "UPDATE"):
                db.execute_sql(f"CREATE TRIGGER no_counter_99_{verb} BEFORE {verb} ON "
                               "merged_ticket WHEN NEW.counter = '99' "
                               "BEGIN SELECT RAISE(ABORT, 'counter 99 refused'); END")


def test_an_event_the_database_cannot_store_is_quarantined_and_the_rest_lands(
        api, refuses_counter_99):
    event = Events()
    batch = [e for n in range(1, 31) for e in event.ticket(f"A{n:03d}", NIKS[n % 4])]
    poison = batch[44]                     # A015's ticket_finished
    poison["payload"]["counter"] = "99"
    answer = push(api, batch)
    assert answer.status_code == 200, answer.json
    assert (answer.json["applied"], answer.json["duplicates"]) == (89, 0)
    assert [q["id"] for q in answer.json["quarantined"]] == [poison["id"]]
    assert answer.json["quarantined"][0]["reason"].startswith("central cannot store this event")
    with db.connection_context():
        assert ReceivedEvent.select().count() == 89
        a015 = MergedTicket.get(MergedTicket.number == "A015")
    assert (a015.status, a015.counter) == ("called", "2")
    again = push(api, batch)             # the re-sent batch: the rest are duplicates
    assert (again.json["applied"], again.json["duplicates"]) == (0, 89)


def test_a_since_beyond_64_bits_is_a_422_not_a_500(api):
    for since in (2 ** 63, 2 ** 64, 10 ** 30):
        answer = api.client.get(f"/api/v1/sync/changes?since={since}", headers=api.auth())
        assert answer.status_code == 422, since
        assert list(answer.json["fields"]) == ["since"]
    answer = api.client.get(f"/api/v1/sync/changes?since={2 ** 63 - 1}", headers=api.auth())
    assert answer.status_code == 200 and answer.json["changes"] == []
