"""Who is called next: the call policy, as a pure function of the queue.

When a counter calls the next person, the waiting tickets are ranked so:

1. **Bookings whose slot hour has begun** (checked in, verified against the
   local copy of central's bookings) go first, in slot order, then by
   check-in time. A 09:00 booking checked in at 09:40 goes before a 10:00
   booking checked in at 08:50 once both slots have begun.
2. **Provisional booking check-ins** (the code was not in the local copy yet,
   so the slot is unknown) come next, by check-in time: the applicant did
   book, and central being down must not cost them their turn. Staff check
   the booking confirmation at the counter; sync verifies it later.
3. **Priority before general**, but never more than K priority calls in a
   row while a general ticket waits (K is PRIORITY_STREAK, default 3). The
   streak counts the office's last calls of either lane, across all counters;
   booking calls neither extend nor break it. With K >= 1 a general ticket is
   called at least once in every K + 1 lane calls and a priority ticket is
   preferred whenever the streak allows, so neither lane can starve.
4. **Bookings checked in before their slot** wait for it; they are called
   early only when nobody else is waiting, so a counter never idles.

Within a lane, tickets go in queue order (issue time, or transfer time for a
ticket moved from another lane; ties by ticket id). No database here: the
counters module feeds in the waiting tickets and the lanes of recent calls.
"""
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the policy sees it."""
    id: int
    lane: str                          # general | priority | booking
    order: tuple = ()                  # queue position within its lane, e.g. (queued_at, id)
    slot_hour: Optional[int] = None    # a booking's hour (office time); None: provisional
    verified: bool = True              # False for a provisional booking check-in


def priority_streak(recent_lanes):
    """How many of the latest lane calls (bookings skipped) were priority, in a row."""
    streak = 0
    for lane in reversed(list(recent_lanes)):
        if lane == "booking":
            continue
        if lane != "priority":
            break
        streak += 1
    return streak


def choose_next(waiting, recent_lanes, k, hour):
    """The ticket to call next, or None when nobody waits.

    `recent_lanes`: lanes of today's calls, oldest first (only the tail matters);
    `k`: the most priority calls in a row while general waits; `hour`: the
    office-local hour now (a booking's slot has begun when slot_hour <= hour).
    """
    due, provisional, early, lanes = [], [], [], {"priority": [], "general": []}
    for ticket in waiting:
        if ticket.lane != "booking":
            lanes[ticket.lane].append(ticket)
        elif not ticket.verified or ticket.slot_hour is None:
            provisional.append(ticket)
        elif ticket.slot_hour <= hour:
            due.append(ticket)
        else:
            early.append(ticket)
    if due:
        return min(due, key=lambda t: (t.slot_hour, t.order, t.id))
    if provisional:
        return _first(provisional)
    lane_pick = _lane_pick(_first(lanes["priority"]), _first(lanes["general"]),
                           recent_lanes, k)
    if lane_pick:
        return lane_pick
    return min(early, key=lambda t: (t.slot_hour, t.order, t.id)) if early else None


def _first(tickets):
    return min(tickets, key=lambda t: (t.order, t.id)) if tickets else None


def _lane_pick(priority, general, recent_lanes, k):
    if priority and general:
        return general if priority_streak(recent_lanes) >= max(1, k) else priority
    return priority or general
