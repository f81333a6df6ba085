"""The call policy as a pure function, with a Hypothesis property for fairness."""
from hypothesis import given, settings
from hypothesis import strategies as st

from branch.callpolicy import Waiting, choose_next, priority_streak


def lane(lane_name, n, **kw):
    return Waiting(id=n, lane=lane_name, order=(n,), **kw)


def test_nobody_waiting_gives_none():
    assert choose_next([], [], 3, 10) is None


def test_bookings_whose_slot_began_go_first_in_slot_order():
    waiting = [lane("general", 1), lane("priority", 2),
               lane("booking", 3, slot_hour=10), lane("booking", 4, slot_hour=9),
               lane("booking", 5, slot_hour=11)]
    assert choose_next(waiting, [], 3, hour=10).id == 4
    assert choose_next([w for w in waiting if w.id != 4], [], 3, hour=10).id == 3


def test_same_slot_bookings_go_by_check_in_order():
    waiting = [lane("booking", 7, slot_hour=9), lane("booking", 6, slot_hour=9)]
    assert choose_next(waiting, [], 3, 9).id == 6


def test_booking_before_its_slot_waits_unless_nobody_else_does():
    early = lane("booking", 1, slot_hour=14)
    assert choose_next([early, lane("general", 2)], [], 3, 10).id == 2
    assert choose_next([early], [], 3, 10).id == 1


def test_provisional_check_ins_follow_verified_due_bookings():
    waiting = [lane("priority", 1), lane("booking", 2, verified=False),
               lane("booking", 3, slot_hour=9)]
    assert choose_next(waiting, [], 3, 9).id == 3
    assert choose_next(waiting[:2], [], 3, 9).id == 2


def test_priority_before_general_until_k_in_a_row():
    waiting = [lane("general", 1), lane("priority", 2)]
    assert choose_next(waiting, ["priority"] * 2, 3, 10).id == 2
    assert choose_next(waiting, ["priority"] * 3, 3, 10).id == 1
    assert choose_next(waiting, ["priority"] * 3 + ["general"], 3, 10).id == 2


def test_booking_calls_neither_extend_nor_break_the_streak():
    assert priority_streak(["general", "priority", "booking", "priority"]) == 2
    waiting = [lane("general", 1), lane("priority", 2)]
    assert choose_next(waiting, ["priority", "booking", "priority", "priority"], 3, 10).id == 1


def test_priority_streak_is_fine_while_no_general_waits():
    assert choose_next([lane("priority", 2)], ["priority"] * 9, 3, 10).id == 2


def test_k_below_one_still_lets_priority_through():
    waiting = [lane("general", 1), lane("priority", 2)]
    assert choose_next(waiting, [], 0, 10).id == 2


def test_within_a_lane_queue_order_wins():
    waiting = [Waiting(id=1, lane="general", order=(5,)), Waiting(id=2, lane="general",
                                                                  order=(3,))]
    assert choose_next(waiting, [], 3, 10).id == 2


# A day as a sequence of steps: a ticket arrives in a lane, or a counter calls next.
steps = st.lists(st.one_of(st.sampled_from(["general", "priority"]), st.just("call")),
                 max_size=120)


def simulate(plan, k):
    """Run the steps, then call until empty; return the calls as (lane, id, general_waited)."""
    waiting, calls, next_id = [], [], 0
    for step in plan + ["call"] * len(plan):
        if step == "call":
            chosen = choose_next(waiting, [c[0] for c in calls], k, 10)
            if chosen:
                general_waited = any(w.lane == "general" for w in waiting)
                waiting.remove(chosen)
                calls.append((chosen.lane, chosen.id, general_waited))
        else:
            next_id += 1
            waiting.append(Waiting(id=next_id, lane=step, order=(next_id,)))
    return calls, waiting, next_id


@settings(max_examples=300, deadline=None)
@given(plan=steps, k=st.integers(min_value=1, max_value=5))
def test_property_at_most_k_priority_in_a_row_while_general_waits(plan, k):
    calls, _, _ = simulate(plan, k)
    run = 0
    for lane_name, _, general_waited in calls:
        run = run + 1 if lane_name == "priority" else 0
        if general_waited:
            assert run <= k


@settings(max_examples=300, deadline=None)
@given(plan=steps, k=st.integers(min_value=1, max_value=5))
def test_property_no_starvation_and_fifo_within_a_lane(plan, k):
    calls, left, issued = simulate(plan, k)
    assert left == [] and sorted(c[1] for c in calls) == list(range(1, issued + 1))
    for lane_name in ("general", "priority"):
        ids = [c[1] for c in calls if c[0] == lane_name]
        assert ids == sorted(ids)


@settings(max_examples=300, deadline=None)
@given(general=st.integers(1, 30), k=st.integers(1, 5), data=st.data())
def test_property_a_waiting_general_ticket_is_called_within_bounded_calls(general, k, data):
    """The n-th general ticket is called within n * (k + 1) calls, however many priority come."""
    waiting = [Waiting(id=i, lane="general", order=(i,)) for i in range(1, general + 1)]
    next_id, recent, calls = general, [], 0
    while any(w.lane == "general" for w in waiting):
        for _ in range(data.draw(st.integers(0, 3))):   # priority keeps arriving
            next_id += 1
            waiting.append(Waiting(id=next_id, lane="priority", order=(next_id,)))
        chosen = choose_next(waiting, recent, k, 10)
        waiting.remove(chosen)
        recent.append(chosen.lane)
        calls += 1
        if chosen.lane == "general":
            assert calls <= chosen.id * (k + 1)


@settings(max_examples=200, deadline=None)
@given(slots=st.lists(st.integers(8, 15), min_size=1, max_size=20), hour=st.integers(8, 15))
def test_property_due_bookings_come_out_in_slot_order_before_lanes(slots, hour):
    waiting = [Waiting(id=i, lane="booking", order=(i,), slot_hour=s)
               for i, s in enumerate(slots, 1)]
    waiting += [Waiting(id=100, lane="priority", order=(100,)),
                Waiting(id=101, lane="general", order=(101,))]
    order = []
    while waiting:
        chosen = choose_next(waiting, [], 3, hour)
        waiting.remove(chosen)
        order.append(chosen)
    due = [w for w in order if w.lane == "booking" and w.slot_hour <= hour]
    assert order[:len(due)] == due
    assert [(w.slot_hour, w.id) for w in due] == sorted((w.slot_hour, w.id) for w in due)
