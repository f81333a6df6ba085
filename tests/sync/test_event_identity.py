"""An event id is accepted once per office, whatever else a re-push claims: a faithful
re-send is a duplicate, one that disagrees with the stored event is a conflict."""
from datetime import timedelta

from sync_support import DAY, NIKS, Events, push

from central.db import db
from central.merged import MergedTicket, PassportTally, QuarantinedEvent, ReceivedEvent
from central.merging import day_digest
from sync.digest import NO_EVENTS


def held():
    with db.connection_context():
        events = sorted((str(e.day), e.seq) for e in ReceivedEvent.select())
        tickets = sorted((str(t.day), t.number, t.counter) for t in MergedTicket.select())
        passports = sum(p.count for p in PassportTally.select())
        quarantined = {q.event_id: q.reason for q in QuarantinedEvent.select()}
    return events, tickets, passports, quarantined


def test_a_re_push_claiming_another_day_is_refused_as_a_conflict(api):
    issued, called, finished = Events().ticket("A001", NIKS[0])
    assert push(api, [issued, called, finished]).json["applied"] == 3
    before = held()
    answer = push(api, [dict(finished, day=(DAY + timedelta(days=1)).isoformat())]).json
    assert (answer["applied"], answer["duplicates"]) == (0, 0)
    assert [q["id"] for q in answer["quarantined"]] == [finished["id"]]
    assert answer["quarantined"][0]["reason"] == (
        f"conflict: central holds event {finished['id']} with another day "
        f"(day {DAY}, seq 3, kind ticket_finished)")
    events, tickets, passports, quarantined = held()
    assert (events, tickets, passports) == before[:3]      # counted once, on its own day
    assert quarantined == {finished["id"]: answer["quarantined"][0]["reason"]}
    with db.connection_context():
        assert day_digest("SRG", DAY + timedelta(days=1)) == NO_EVENTS


def test_a_re_push_with_another_kind_or_payload_is_a_conflict_a_faithful_one_a_duplicate(api):
    issued, called, finished = Events().ticket("A001", NIKS[0])
    push(api, [issued, called, finished])
    other_counter = dict(called, payload=dict(called["payload"], counter="9"))
    other_kind = dict(called, kind="ticket_recalled")
    answer = push(api, [issued, other_counter]).json
    assert (answer["applied"], answer["duplicates"]) == (0, 1)
    assert [(q["id"], q["reason"].split(" (")[0]) for q in answer["quarantined"]] == [
        (called["id"], f"conflict: central holds event {called['id']} with another payload")]
    answer = push(api, [other_kind]).json
    assert answer["quarantined"][0]["reason"].startswith(
        f"conflict: central holds event {called['id']} with another kind")
    events, tickets, passports, _ = held()
    assert (len(events), tickets, passports) == (3, [(str(DAY), "A001", "2")], 1)


def test_a_conflict_in_a_large_batch_is_refused_alone(api):
    """A batch large enough for PostgreSQL's COPY: one old id under another day in it."""
    event = Events()
    first = event.ticket("A001", NIKS[0])
    push(api, first)
    batch = [e for n in range(2, 32) for e in event.ticket(f"A{n:03d}", NIKS[n % 4])]
    moved = dict(first[2], day=(DAY - timedelta(days=1)).isoformat())
    batch.insert(40, moved)
    answer = push(api, batch).json
    assert (answer["applied"], answer["duplicates"]) == (90, 0)
    assert [q["id"] for q in answer["quarantined"]] == [moved["id"]]
    events, tickets, passports, _ = held()
    assert (len(events), len(tickets), {day for day, _ in events}) == (93, 31, {str(DAY)})


def test_the_same_id_twice_in_one_batch_with_different_contents_is_a_conflict(api):
    issued, called, _ = Events().ticket("A001", NIKS[0])
    answer = push(api, [issued, called, dict(called, seq=7), issued]).json
    assert (answer["applied"], answer["duplicates"]) == (2, 0)
    assert [(q["id"], q["reason"]) for q in answer["quarantined"]] == [
        (called["id"], "conflict: this batch holds event "
                       f"{called['id']} twice, with different contents")]
