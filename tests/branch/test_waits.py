"""Wait estimates: the pure parts on a fake clock, the counted call order against the policy
itself, and the estimates the kiosk, the board and a ticket's page read from the database."""
import math
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from branch import counters, waits
from branch.callpolicy import Waiting, calls_before, choose_next
from branch.models import Ticket
from branch.tickets import issue_ticket, today
from branch_support import nik_for

NOW = datetime(2026, 11, 27, 3, 0)
DEFAULT = 8.0


def test_no_history_gives_the_default_pace():
    assert waits.weighted_cycle([], NOW, DEFAULT, 60) == DEFAULT


def test_recent_cycles_outweigh_old_ones_and_the_default():
    recent = [(NOW - timedelta(minutes=m), 4.0) for m in (1, 2, 3, 4, 5, 6)]
    old = [(NOW - timedelta(minutes=55), 20.0)]
    pace = waits.weighted_cycle(recent + old, NOW, DEFAULT, 60)
    assert 4.0 < pace < 5.5
    # Outside the window, or a pause longer than MAX_CYCLE_MINUTES, counts for nothing.
    ignored = [(NOW - timedelta(minutes=61), 1.0), (NOW, waits.MAX_CYCLE_MINUTES + 1)]
    assert waits.weighted_cycle(ignored, NOW, DEFAULT, 60) == DEFAULT


@given(ahead=st.integers(0, 300), cycle=st.floats(0.5, 40), counters_=st.integers(1, 12),
       free=st.integers(0, 12))
def test_wait_is_never_negative_and_grows_with_the_queue(ahead, cycle, counters_, free):
    pace = waits.Pace(cycle, counters_, min(free, counters_))
    wait = waits.wait_minutes(ahead, pace)
    assert wait >= 0
    assert waits.wait_minutes(ahead + 1, pace) >= wait
    assert waits.wait_minutes(ahead + 5, pace) > wait or ahead + 5 < pace.free


def test_nobody_ahead_and_a_free_counter_is_no_wait():
    assert waits.wait_minutes(0, waits.Pace(8.0, 3, 1)) == 0
    assert waits.wait_minutes(0, waits.Pace(8.0, 2, 0)) == 2.0    # half of cycle / counters


tickets = st.lists(st.tuples(st.sampled_from(["general", "priority", "booking"]),
                             st.one_of(st.none(), st.integers(8, 15)), st.booleans()),
                   max_size=25)


@settings(max_examples=300, deadline=None)
@given(queue=tickets, recent=st.lists(st.sampled_from(["general", "priority"]), max_size=5),
       k=st.integers(0, 4), hour=st.integers(8, 15), pick=st.integers(0, 30))
def test_counted_calls_match_replaying_the_policy(queue, recent, k, hour, pick):
    """calls_before counts what choose_next would do, call after call, with nobody arriving."""
    waiting = [Waiting(id=i, lane=lane, order=(i,), slot_hour=slot if lane == "booking" else None,
                       verified=verified if lane == "booking" else True)
               for i, (lane, slot, verified) in enumerate(queue)]
    if not waiting:
        return
    target = waiting[pick % len(waiting)]
    left, lanes, calls = list(waiting), list(recent), 0
    while (chosen := choose_next(left, lanes, k, hour)) != target:
        left.remove(chosen)
        lanes.append(chosen.lane)
        calls += 1
    assert calls_before(waiting, target, recent, k, hour) == calls


# --- from the database, on the app's fake clock -----------------------------------

def test_estimates_fall_back_to_the_default_at_opening(branch_app, counter):
    estimates = waits.lane_estimates(today())
    assert {lane: e.people_ahead for lane, e in estimates.items()} == {
        "general": 0, "priority": 0, "booking": 0}
    for n in range(1, 9):
        issue_ticket("general", nik_for(n))
    general = waits.lane_estimates(today())["general"]
    # 8 ahead, nobody at the 4 open counters yet: (8 - 4 + 0.5) * 8 min / 4 = 9 min.
    assert (general.people_ahead, general.minutes) == (8, 9)


def test_the_pace_follows_the_counters_and_a_ticket_sees_its_place(branch_app, counter, staff,
                                                                   clock):
    for n in range(1, 13):
        issue_ticket("general", nik_for(n))
    for _ in range(4):      # counter 1 serves four people, 3 minutes each, nobody idle
        ticket = counters.call_next("1", staff)
        clock.advance(minutes=3)
        counters.finish(ticket.id, "passport_issued", staff)
    counters.call_next("1", staff)
    pace = waits.office_pace(today())
    assert pace.counters == 1 and pace.free == 0
    assert 3.0 <= pace.cycle_minutes < 5.0     # four 3-minute cycles and the 8-minute prior
    last = counters.waiting_tickets(today())[-1]
    estimate = waits.ticket_estimate(Ticket.get_by_id(last.id))
    assert estimate.people_ahead == 6           # A007..A012 wait; A012 has six before it
    assert estimate.minutes == math.ceil((6 + 0.5) * pace.cycle_minutes)
    clock.advance(minutes=90)                   # an hour and a half later: back to the prior
    assert waits.office_pace(today()).cycle_minutes == DEFAULT


def test_the_kiosks_shortcut_for_a_new_ticket_counts_the_same(branch_app, counter, staff):
    for n in range(1, 7):
        issue_ticket("general", nik_for(n))
    issue_ticket("priority", nik_for(7, born="120350"), reason="elderly")
    counters.call_next("1", staff)
    for lane, n, reason in (("general", 8, None), ("priority", 9, "elderly")):
        ticket = issue_ticket(lane, nik_for(n, born="120350"), reason=reason)
        assert (waits.ticket_estimate(ticket, just_issued=True)
                == waits.ticket_estimate(ticket)), lane
