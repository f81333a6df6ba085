"""Central's merged tickets are a function of their events ordered by seq, whatever
order the batches carrying them arrive in (several batches are in flight at once,
and a re-send can come days late)."""
import random
import uuid
from datetime import timedelta

from sync_support import DAY, NIKS, push

from central.db import db
from central.merged import MergedTicket, PassportTally
from sync import SCHEMA_VERSION

COMPARED = ("number", "lane", "nik", "regency", "reason", "beyond_quota", "override_staff",
            "booking_code", "booking_verified", "status", "counter", "outcome", "recalls")
SHUFFLES = 6


def one_day(rng, tickets=24):
    """A day at a branch: each ticket's events in its own order, the tickets interleaved.

    Returns (steps, truth): steps are (kind, payload) in the branch's order (seq =
    position + 1); truth is each ticket as the branch ends the day.
    """
    lives = [_life(rng, n) for n in range(1, tickets + 1)]
    steps, cursors = [], [0] * len(lives)
    while any(cursor < len(life[0]) for cursor, life in zip(cursors, lives)):
        i = rng.choice([i for i, life in enumerate(lives) if cursors[i] < len(life[0])])
        steps.append(lives[i][0][cursors[i]])
        cursors[i] += 1
    return steps, {truth["number"]: truth for _, truth in lives}


def _life(rng, n):
    """One ticket's events and its final state: issued (maybe a booking check-in), called,
    maybe recalled, maybe transferred once and called again, then finished or no-show."""
    lane = rng.choice(["general", "priority", "booking"])
    nik = NIKS[n % len(NIKS)]
    number = f"{dict(general='A', priority='P', booking='B')[lane]}{n:03d}"
    reason = "elderly" if lane == "priority" else None
    code = f"SRG-{n:08d}" if lane == "booking" else None
    t = {"number": number, "lane": lane, "nik": nik, "regency": nik[:4], "reason": reason,
         "booking_code": code, "booking_verified": True if code else None, "recalls": 0}
    steps = [("ticket_issued", dict(ticket=number, lane=lane, nik=nik, regency=nik[:4],
                                    reason=reason, booking_code=code))]
    if code:
        steps.append(("booking_checked_in", dict(ticket=number, booking_code=code, nik=nik,
                                                 verified=True)))
    counter = str(rng.randint(1, 4))
    steps.append(("ticket_called", dict(ticket=number, counter=counter)))
    if lane != "booking" and rng.random() < 0.5:
        to_lane = "priority" if lane == "general" else "general"
        t["reason"] = rng.choice(["pregnant", "disability"]) if to_lane == "priority" else None
        t["lane"] = to_lane
        steps.append(("ticket_transferred", dict(ticket=number, from_lane=lane, to_lane=to_lane,
                                                 reason=t["reason"], staff="siti")))
        counter = str(rng.randint(1, 4))
        steps.append(("ticket_called", dict(ticket=number, counter=counter)))
    for _ in range(rng.choice([0, 0, 1, 2])):
        t["recalls"] += 1
        steps.append(("ticket_recalled", dict(ticket=number, counter=counter)))
    if rng.random() < 0.8:
        outcome = rng.choice(["passport_issued", "passport_issued", "rejected"])
        steps.append(("ticket_finished", dict(ticket=number, counter=counter, outcome=outcome,
                                              regency=nik[:4])))
        t.update(status="done", outcome=outcome)
    else:
        steps.append(("ticket_no_show", dict(ticket=number, counter=counter)))
        t.update(status="no_show", outcome=None)
    t["counter"] = counter
    return steps, t


def wire(steps, day):
    """The day's steps as wire events of `day`, with fresh ids, seq in the branch's order."""
    return [{"id": str(uuid.uuid4()), "seq": seq, "office": "SRG", "day": day.isoformat(),
             "kind": kind, "schema_version": SCHEMA_VERSION, "payload": payload,
             "created_at": "2026-11-23T08:00:00"}
            for seq, (kind, payload) in enumerate(steps, start=1)]


def shuffled_batches(rng, events):
    """The events in random batches (any events together, up to 15), in random order,
    with a few batches delivered twice (a re-send after a lost answer)."""
    order = events[:]
    rng.shuffle(order)
    batches, start = [], 0
    while start < len(order):
        size = rng.randint(1, 15)
        batches.append(order[start:start + size])
        start += size
    batches += [rng.choice(batches) for _ in range(3)]
    rng.shuffle(batches)
    return batches


def merged(day):
    with db.connection_context():
        tickets = {t.number: {f: getattr(t, f) for f in COMPARED}
                   for t in MergedTicket.select().where(MergedTicket.day == day)}
        tally = {p.regency: p.count for p in PassportTally.select()
                 .where(PassportTally.day == day)}
    return tickets, tally


def test_merged_tickets_do_not_depend_on_the_order_batches_arrive_in(api):
    rng = random.Random(16)
    steps, truth = one_day(rng)
    answer = push(api, wire(steps, DAY))
    assert answer.status_code == 200 and answer.json["quarantined"] == [], answer.json
    in_order, in_order_tally = merged(DAY)
    assert {n: {f: t[f] for f in truth[n]} for n, t in in_order.items()} == truth
    assert sum(in_order_tally.values()) == sum(
        1 for t in truth.values() if t["outcome"] == "passport_issued")
    for shuffle in range(1, SHUFFLES + 1):
        day = DAY + timedelta(days=shuffle)
        for batch in shuffled_batches(rng, wire(steps, day)):
            answer = push(api, batch)
            assert answer.status_code == 200 and answer.json["quarantined"] == [], answer.json
        assert merged(day) == (in_order, in_order_tally), f"shuffle {shuffle}"


def test_a_transfer_arriving_after_the_finish_still_sets_the_lane_and_reason(api):
    """The case found in the field: finished lands first, the earlier transfer after it."""
    steps = [("ticket_issued", dict(ticket="A001", lane="general", nik=NIKS[0],
                                    regency=NIKS[0][:4])),
             ("ticket_called", dict(ticket="A001", counter="1")),
             ("ticket_transferred", dict(ticket="A001", from_lane="general",
                                         to_lane="priority", reason="pregnant")),
             ("ticket_called", dict(ticket="A001", counter="2")),
             ("ticket_finished", dict(ticket="A001", counter="2", outcome="passport_issued",
                                      regency=NIKS[0][:4]))]
    issued, called, transferred, called_again, finished = wire(steps, DAY)
    for batch in ([issued, called], [called_again, finished], [transferred]):
        assert push(api, batch).json["quarantined"] == []
    tickets, _ = merged(DAY)
    assert {k: tickets["A001"][k] for k in ("lane", "reason", "status", "counter")} == {
        "lane": "priority", "reason": "pregnant", "status": "done", "counter": "2"}


def test_version_1_events_from_branches_not_yet_upgraded_are_still_accepted(api):
    issued, transferred, second = wire([
        ("ticket_issued", dict(ticket="A001", lane="general", nik=NIKS[0], regency=NIKS[0][:4])),
        ("ticket_transferred", dict(ticket="A001", from_lane="general", to_lane="priority")),
        ("ticket_transferred", dict(ticket="A002", from_lane="general", to_lane="priority",
                                    reason="elderly"))], DAY)
    for event in (issued, transferred, second):
        event["schema_version"] = 1
    answer = push(api, [issued, transferred, second]).json
    assert answer["applied"] == 2
    assert answer["quarantined"] == [{"id": second["id"], "reason": "invalid payload: reason: "
                                      "Extra inputs are not permitted"}]
    tickets, _ = merged(DAY)
    assert (tickets["A001"]["lane"], tickets["A001"]["reason"]) == ("priority", None)
