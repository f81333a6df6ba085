"""Counter operations against the database: call, recall, no-show, transfer, finish, board."""
import itertools
import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branch import counters, errors
from branch.models import Call, LocalBooking, Outbox, Ticket
from branch.tickets import issue_ticket
from branch_support import nik_for

NIK = "3601014507850003"       # Kab. Pandeglang
ELDER = "3602011203500001"     # Kab. Lebak, born 1950
_serials = itertools.count()


def person(born="150590"):
    """A new person's NIK: one NIK may hold only one waiting ticket per lane."""
    return nik_for(next(_serials) % 9999 + 1, born=born)


def elder():
    return person(born="120350")


def last_event():
    row = Outbox.select().order_by(Outbox.seq.desc()).get()
    return row.kind, json.loads(row.payload)


def test_call_next_takes_the_first_waiting_ticket(counter, staff):
    issue_ticket("general", person())
    issue_ticket("general", person())
    ticket = counters.call_next("1", staff)
    assert (ticket.number, ticket.status, ticket.counter.name) == ("A001", "called", "1")
    assert last_event() == ("ticket_called", {"ticket": "A001", "counter": "1",
                                              "staff": "staff"})
    assert Call.select().count() == 1


def test_call_next_with_nobody_waiting_returns_none(counter, staff):
    assert counters.call_next("1", staff) is None
    assert Outbox.select().count() == 0


def test_a_counter_finishes_before_calling_again(counter, staff):
    issue_ticket("general", person())
    issue_ticket("general", person())
    counters.call_next("1", staff)
    with pytest.raises(errors.InvalidState, match="masih melayani A001"):
        counters.call_next("1", staff)
    assert counters.call_next("2", staff).number == "A002"


def test_unknown_counter_is_not_found(counter, staff):
    with pytest.raises(errors.NotFound):
        counters.call_next("99", staff)


def test_recall_counts_and_writes_an_event(counter, staff):
    issue_ticket("general", person())
    ticket = counters.call_next("1", staff)
    assert counters.recall(ticket.id, staff).recalls == 1
    assert counters.recall(ticket.id, staff).recalls == 2
    assert last_event() == ("ticket_recalled", {"ticket": "A001", "counter": "1",
                                                "staff": "staff"})


def test_no_show_closes_the_ticket_and_frees_the_counter(counter, staff):
    issue_ticket("general", person())
    issue_ticket("general", person())
    first = counters.call_next("1", staff)
    assert counters.no_show(first.id, staff).status == "no_show"
    assert last_event()[0] == "ticket_no_show"
    assert counters.call_next("1", staff).number == "A002"


def test_finish_with_passport_issued_records_the_regency(counter, staff):
    issue_ticket("general", NIK)
    ticket = counters.call_next("1", staff)
    done = counters.finish(ticket.id, "passport_issued", staff)
    assert (done.status, done.outcome) == ("done", "passport_issued")
    assert last_event() == ("ticket_finished", {
        "ticket": "A001", "counter": "1", "outcome": "passport_issued", "regency": "3601",
        "staff": "staff"})


@pytest.mark.parametrize("outcome", ["rejected", "incomplete_documents"])
def test_finish_with_other_outcomes(counter, staff, outcome):
    issue_ticket("general", person())
    ticket = counters.call_next("1", staff)
    assert counters.finish(ticket.id, outcome, staff).outcome == outcome


def test_finish_needs_a_known_outcome_and_a_called_ticket(counter, staff):
    ticket = issue_ticket("general", person())
    with pytest.raises(errors.InvalidState, match="A001 berstatus menunggu"):
        counters.finish(ticket.id, "rejected", staff)
    counters.call_next("1", staff)
    with pytest.raises(errors.Invalid):
        counters.finish(ticket.id, "lost", staff)
    counters.finish(ticket.id, "rejected", staff)
    with pytest.raises(errors.InvalidState, match="berstatus selesai"):
        counters.no_show(ticket.id, staff)


def test_transfer_moves_a_called_ticket_to_another_lane(counter, staff):
    issue_ticket("general", person())
    ticket = counters.call_next("1", staff)
    moved = counters.transfer(ticket.id, "priority", staff, reason="pregnant")
    assert (moved.lane, moved.status, moved.counter, moved.number) == (
        "priority", "waiting", None, "A001")
    assert last_event() == ("ticket_transferred", {
        "ticket": "A001", "from_lane": "general", "to_lane": "priority", "reason": "pregnant",
        "staff": "staff"})
    assert counters.call_next("1", staff).id == ticket.id


def test_transfer_to_the_same_lane_or_to_booking_is_refused(counter, staff):
    ticket = issue_ticket("general", person())
    with pytest.raises(errors.InvalidState):
        counters.transfer(ticket.id, "general", staff)
    with pytest.raises(errors.Invalid):
        counters.transfer(ticket.id, "booking", staff)


def test_unknown_ticket_is_not_found(counter, staff):
    with pytest.raises(errors.NotFound):
        counters.recall(12345, staff)


def test_calls_follow_the_policy_end_to_end(branch_app, counter, staff, clock):
    clock.set_local(10, 15)
    for _ in range(5):
        issue_ticket("priority", elder(), reason="elderly")
    issue_ticket("general", person())
    issue_ticket("general", person())
    LocalBooking.create(code="SRG-B1", office="SRG", date=date(2026, 11, 27), hour=10, nik=NIK,
                        name="Siti", purpose="hajj", status="booked")
    LocalBooking.create(code="SRG-B2", office="SRG", date=date(2026, 11, 27), hour=13,
                        nik=ELDER, name="Ahmad", purpose="hajj", status="booked")
    issue_ticket("booking", ELDER, booking_code="SRG-B2")  # early: 13:00 slot
    issue_ticket("booking", NIK, booking_code="SRG-B1")    # slot 10 has begun
    order = []
    while (ticket := counters.call_next("1", staff)) is not None:
        order.append(ticket.number)
        counters.finish(ticket.id, "passport_issued", staff)
    assert order == ["B002", "P001", "P002", "P003", "A001", "P004", "P005", "A002", "B001"]


def test_board_shows_each_counter_and_waiting_counts(counter, staff):
    for _ in range(3):
        issue_ticket("general", person())
    issue_ticket("priority", elder(), reason="elderly")
    counters.call_next("2", staff)
    first = counters.call_next("1", staff)
    counters.finish(first.id, "rejected", staff)
    board = counters.current_tickets()
    assert [(r["counter"], r["number"], r["status"]) for r in board] == [
        ("1", "A001", "done"), ("2", "P001", "called"), ("3", None, None), ("4", None, None)]
    assert counters.waiting_counts() == {"booking": 0, "priority": 0, "general": 2}
    assert Ticket.select().where(Ticket.status == "waiting").count() == 2


def test_a_transferred_ticket_keeps_its_number_and_lanes_keep_numbering(counter, staff):
    moved = issue_ticket("general", person())
    counters.transfer(moved.id, "priority", staff, reason="pregnant")
    assert issue_ticket("priority", elder(), reason="elderly").number == "P001"
    assert issue_ticket("general", person()).number == "A002"
    assert Ticket.get_by_id(moved.id).number == "A001"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.sampled_from(["general", "priority", "call"]), max_size=40))
def test_property_calls_from_the_database_keep_the_streak_limit(counter, staff, plan):
    """Same rule as the pure policy, but with the streak read back from the Call table."""
    for model in (Call, Outbox, Ticket):
        model.delete().execute()
    k, run = 3, 0
    for step in plan + ["call"] * len(plan):
        if step != "call":
            issue_ticket(step, elder(), reason="elderly" if step == "priority" else None)
            continue
        general_waited = Ticket.select().where(Ticket.status == "waiting",
                                               Ticket.lane == "general").exists()
        ticket = counters.call_next("1", staff)
        if ticket is None:
            continue
        counters.finish(ticket.id, "rejected", staff)
        run = run + 1 if ticket.lane == "priority" else 0
        assert not general_waited or run <= k
    assert not Ticket.select().where(Ticket.status == "waiting").exists()
