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



def calls_before(waiting, target, recent_lanes, k, hour):
    """How many of `waiting` the policy calls before `target`, if nobody else arrives.

    `target` is a Waiting that may or may not be in `waiting` (a ticket not issued
    yet has the largest `order`). Counted, not replayed: see calls_ahead.
    """
    others = [t for t in waiting if t.id != target.id]
    kind = group_of(target, hour)
    key = _booking_key if kind in ("due", "early") else _lane_key
    sizes = dict.fromkeys(GROUPS, 0)
    for ticket in others:
        sizes[group_of(ticket, hour)] += 1
    before_in_own = sum(1 for t in others
                        if group_of(t, hour) == kind and key(t) < key(target))
    return calls_ahead(kind, before_in_own, sizes, priority_streak(recent_lanes), k)


GROUPS = ("due", "provisional", "priority", "general", "early")


def group_of(ticket, hour):
    """Which rule of the policy a waiting ticket falls under (see the module docstring)."""
    if ticket.lane != "booking":
        return ticket.lane
    if not ticket.verified or ticket.slot_hour is None:
        return "provisional"
    return "due" if ticket.slot_hour <= hour else "early"


def calls_ahead(kind, before_in_own, sizes, streak, k):
    """The calls before a ticket of group `kind` with `before_in_own` of its group ahead of
    it, the others waiting being `sizes` ({group: count}, the ticket itself left out) and
    the current priority streak `streak`. The same rules as choose_next, counted (a
    property test holds the two equal), so the kiosk, the board and a ticket's page can
    ask it on every request from a few counts."""
    if kind == "due":
        return before_in_own
    ahead = sizes["due"] + (before_in_own if kind == "provisional" else sizes["provisional"])
    if kind == "provisional":
        return ahead
    k = max(1, k)
    room = k - min(streak, k)       # priority calls allowed before a general one is due
    if kind == "priority":
        general = 0 if before_in_own < room else -(-(before_in_own + 1 - room) // k)
        return ahead + before_in_own + min(sizes["general"], general)
    if kind == "general":
        return ahead + before_in_own + min(sizes["priority"], room + k * before_in_own)
    return ahead + sizes["priority"] + sizes["general"] + before_in_own


def _booking_key(ticket):
    return (ticket.slot_hour, ticket.order, ticket.id)


def _lane_key(ticket):
    return (ticket.order, ticket.id)
