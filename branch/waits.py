"""How long a person waits: per lane, from this office's own recent pace.

The pace is one counter's time per person, the "cycle": the time from one call
at a counter to its next call, counted only when the next person was already
waiting before the previous one finished (so a counter idle for lack of people
does not look slow). Cycles of the last WAIT_WINDOW_MINUTES are averaged with
weights that halve every WINDOW/3 (an exponentially weighted mean: the office's
pace after lunch, not the morning's), together with one pseudo-sample of
WAIT_DEFAULT_SERVICE_MINUTES, which is also the answer with no history at all.

A person with `a` people the call policy calls before them (callpolicy.calls_before),
C counters working and some of them free, waits about

    0                                  if a < free counters
    (a - free + 1/2) * cycle / C       otherwise

(C counters release a person every cycle/C on average; the 1/2 is the time
until the first of the busy ones is done). Never negative; it grows with the
queue; with no history it is the default pace. Everything here reads the
branch's own tables, never central.
"""
import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from .callpolicy import GROUPS, calls_ahead, group_of, priority_streak
from .clock import local_now, naive_utc
from .counters import as_waiting, recent_lanes, streak_limit
from .db import db
from .models import Call, Counter, Ticket

MAX_CYCLE_MINUTES = 45      # a longer gap is a pause at the counter, not the pace
PACE_SECONDS = 5            # how long a computed pace serves (the weights move slowly)
FLOOR_CHANGES = ("SELECT (SELECT MAX(id) FROM call), (SELECT COUNT(*) FROM ticket "
                 "WHERE day = ? AND status = 'called')")
_floors = {}                # _floor's answers, per database, day, time bucket and changes
# The call policy's groups of waiting tickets, counted by SQLite in one pass (the kiosk
# asks on every ticket: reading the whole queue into Python would cost more than issuing).
GROUP_SQL = ("CASE WHEN lane != 'booking' THEN lane "
             "WHEN booking_verified = 0 OR slot_hour IS NULL THEN 'provisional' "
             "WHEN slot_hour <= ? THEN 'due' ELSE 'early' END")
# Counting stops at COUNT_CAP rows: an office's queue is a few hundred people, and a
# queue longer than that (a benchmark's) must not make every new ticket dearer.
COUNT_CAP = 500
# A walk-in lane is counted from the (day, status, lane) index alone; only the booking
# lane, split by slot and proof, reads the rows.
LANE_COUNT = (f"SELECT COUNT(*) FROM (SELECT 1 FROM ticket WHERE day = ? AND status = 'waiting' "
              f"AND lane = ? LIMIT {COUNT_CAP})")
BOOKING_GROUPS = (f"SELECT grp, COUNT(*) FROM (SELECT {GROUP_SQL} AS grp FROM ticket "
                  f"WHERE day = ? AND status = 'waiting' AND lane = 'booking' "
                  f"LIMIT {COUNT_CAP}) GROUP BY grp")
BEFORE_IN_LANE = (f"SELECT COUNT(*) FROM (SELECT 1 FROM ticket WHERE day = ? "
                  f"AND status = 'waiting' AND {GROUP_SQL} = ? "
                  f"AND (queued_at < ? OR (queued_at = ? AND id < ?)) LIMIT {COUNT_CAP})")
BEFORE_IN_SLOT = (f"SELECT COUNT(*) FROM (SELECT 1 FROM ticket WHERE day = ? "
                  f"AND status = 'waiting' AND {GROUP_SQL} = ? AND (slot_hour < ? OR "
                  "(slot_hour = ? AND (queued_at < ? OR (queued_at = ? AND id < ?)))) "
                  f"LIMIT {COUNT_CAP})")


@dataclass(frozen=True)
class Pace:
    cycle_minutes: float    # one counter's time per person
    counters: int           # counters working
    free: int               # of those, how many have nobody at the desk now


@dataclass(frozen=True)
class Estimate:
    people_ahead: int
    minutes: int


def weighted_cycle(samples, now, default, window_minutes):
    """The weighted mean of (ended_at, minutes) samples in the window, with the default as
    one pseudo-sample; pure, for the tests' fake clock."""
    half_life = window_minutes / 3
    total, weights = float(default), 1.0
    for ended_at, minutes in samples:
        age = (now - ended_at).total_seconds() / 60
        if 0 <= age <= window_minutes and 0 < minutes <= MAX_CYCLE_MINUTES:
            weight = 0.5 ** (age / half_life)
            total, weights = total + weight * minutes, weights + weight
    return total / weights


def wait_minutes(people_ahead, pace):
    """Minutes until a person with `people_ahead` before them is called (see the docstring)."""
    if people_ahead < pace.free:
        return 0.0
    return max(0.0, (people_ahead - pace.free + 0.5) * pace.cycle_minutes / max(1, pace.counters))


def office_pace(day, now=None):
    """The office's pace now, from today's calls (see the module docstring)."""
    return _floor(day, naive_utc(now))[0]


def _floor(day, now):
    """(Pace, priority streak), kept for PACE_SECONDS unless a call or a finish changes them:
    every ticket the kiosk issues asks, and calls are far rarer than tickets."""
    changed = db.execute_sql(FLOOR_CHANGES, (str(day),)).fetchone()
    key = (id(db.obj), day, int(now.timestamp() // PACE_SECONDS), *changed)
    if key not in _floors:
        if len(_floors) > 64:
            _floors.clear()
        _floors[key] = (_pace(day, now), priority_streak(recent_lanes(day)))
    return _floors[key]


def _pace(day, now):
    window = float(current_app.config["WAIT_WINDOW_MINUTES"])
    calls = _recent_calls(day, now - timedelta(minutes=2 * window))
    cycles = _cycles(calls)
    recent = {counter for counter, at, *_ in calls if at >= now - timedelta(minutes=window)}
    counters = len(recent) or _open_counter_count()
    busy = _busy_counters(day)
    free = max(0, counters - len(busy & recent if recent else busy))
    default = float(current_app.config["WAIT_DEFAULT_SERVICE_MINUTES"])
    return Pace(weighted_cycle(cycles, now, default, window), max(1, counters), free)


def lane_estimates(day, now=None):
    """{lane: Estimate} for a ticket issued now in each lane (the board and the kiosk); a
    new booking check-in is estimated as provisional (its slot is not known yet)."""
    hour = local_now(now).hour
    sizes = _group_sizes(day, hour)
    pace, streak = _floor(day, naive_utc(now))
    k = streak_limit()
    estimates = {}
    for lane, kind in (("general", "general"), ("priority", "priority"),
                       ("booking", "provisional")):
        estimates[lane] = _estimate(calls_ahead(kind, sizes[kind], sizes, streak, k), pace)
    return estimates


def ticket_estimate(ticket, now=None, just_issued=False):
    """The Estimate of a waiting ticket; None once it is called or closed. `just_issued`:
    the ticket was queued last (the kiosk's answer), so its lane's others are all before it."""
    if ticket.status != "waiting":
        return None
    hour = local_now(now).hour
    kind = _group(ticket, hour)
    sizes = _group_sizes(ticket.day, hour)
    sizes[kind] = max(0, sizes[kind] - 1)       # the others: the ticket itself left out
    pace, streak = _floor(ticket.day, naive_utc(now))
    last_in_lane = just_issued and kind not in ("due", "early")     # bookings go by slot
    before = sizes[kind] if last_in_lane else _before_in_own(ticket, kind, hour)
    ahead = calls_ahead(kind, before, sizes, streak, streak_limit())
    return _estimate(ahead, pace)


def _estimate(ahead, pace):
    return Estimate(ahead, int(math.ceil(wait_minutes(ahead, pace))))


def _group_sizes(day, hour):
    sizes = dict.fromkeys(GROUPS, 0)
    sizes.update(db.execute_sql(BOOKING_GROUPS, (hour, str(day))).fetchall())
    for lane in ("general", "priority"):
        sizes[lane] = db.execute_sql(LANE_COUNT, (str(day), lane)).fetchone()[0]
    return sizes


def _group(ticket, hour):
    return group_of(as_waiting(ticket.id, ticket.lane, ticket.slot_hour, ticket.booking_verified,
                               ticket.queued_at), hour)


def _before_in_own(ticket, kind, hour):
    """Tickets of the same group the policy takes before `ticket` (its queue order)."""
    queued = str(ticket.queued_at)
    if kind in ("due", "early"):
        params = (str(ticket.day), hour, kind, ticket.slot_hour, ticket.slot_hour, queued,
                  queued, ticket.id)
        return db.execute_sql(BEFORE_IN_SLOT, params).fetchone()[0]
    params = (str(ticket.day), hour, kind, queued, queued, ticket.id)
    return db.execute_sql(BEFORE_IN_LANE, params).fetchone()[0]


def _recent_calls(day, since):
    """(counter id, called at, ticket queued at, ticket finished at) of calls since `since`."""
    return list(Call.select(Call.counter, Call.at, Ticket.queued_at, Ticket.finished_at)
                .join(Ticket).where(Call.day == day, Call.at >= since)
                .order_by(Call.counter, Call.at).tuples())


def _cycles(calls):
    """(ended at, minutes) for each pair of calls in a row at one counter with nobody idle."""
    samples = []
    for before, after in zip(calls, calls[1:]):
        counter, at, _, finished = before
        next_counter, next_at, next_queued, _ = after
        if counter == next_counter and finished and next_queued <= finished:
            samples.append((next_at, (next_at - at).total_seconds() / 60))
    return samples


def _busy_counters(day):
    return {counter for (counter,) in Ticket.select(Ticket.counter)
            .where(Ticket.day == day, Ticket.status == "called").tuples()}


def _open_counter_count():
    return Counter.select().where(Counter.active == True).count()  # noqa: E712
