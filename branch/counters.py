"""Counter operations: call next, recall, no-show, transfer, finish; and what the board shows.

Each operation is one write transaction that changes the ticket and writes
its outbox event together. Statuses: waiting -> called -> done | no_show;
a transfer puts a ticket back to waiting in another lane (same number).
"""
from typing import get_args

from flask import current_app
from peewee import fn

from sync.i18n import _
from sync.schema import Outcome

from . import errors
from .callpolicy import Waiting, choose_next
from .clock import local_now, naive_utc, today
from .db import db
from .models import Call, Counter, Ticket
from .outbox import record_event
from .vocabulary import OUTCOME_NAMES, lane_name, status_name
from .writelock import write_turn

OUTCOMES = get_args(Outcome)
TRANSFER_LANES = ("general", "priority")


def call_next(counter_name, staff, now=None):
    """Call the next ticket to `counter_name` by the call policy; None when nobody waits."""
    local = local_now(now)
    with write_turn(db):
        counter = _counter(counter_name)
        _check_counter_free(counter, local.date())
        ticket = _next_ticket(local.date(), local.hour)
        if ticket is None:
            return None
        ticket.status, ticket.counter, ticket.called_at = "called", counter, naive_utc(now)
        ticket.announced_at = ticket.called_at
        ticket.save()
        Call.create(day=ticket.day, ticket=ticket, lane=ticket.lane, counter=counter,
                    staff=staff.username, at=ticket.called_at)
        _event(ticket, "ticket_called", counter=counter.name, staff=staff.username)
    return ticket


def recall(ticket_id, staff):
    """Call the same ticket again (the applicant did not come yet)."""
    with write_turn(db):
        ticket = _ticket(ticket_id, "called", _("call it again"))
        ticket.recalls += 1
        ticket.announced_at = naive_utc()
        ticket.save(only=[Ticket.recalls, Ticket.announced_at])
        _event(ticket, "ticket_recalled", counter=ticket.counter.name, staff=staff.username)
    return ticket


def no_show(ticket_id, staff):
    """Close a called ticket whose applicant never came."""
    with write_turn(db):
        ticket = _ticket(ticket_id, "called", _("mark it as not present"))
        ticket.status, ticket.finished_at = "no_show", naive_utc()
        ticket.save()
        _event(ticket, "ticket_no_show", counter=ticket.counter.name, staff=staff.username)
    return ticket


def transfer(ticket_id, to_lane, staff, reason=None):
    """Move a waiting or called ticket to the back of another lane's queue."""
    if to_lane not in TRANSFER_LANES:
        raise errors.Invalid(_("A ticket can be transferred to the general or the priority "
                               "lane."))
    with write_turn(db):
        ticket = _ticket(ticket_id, ("waiting", "called"), _("transfer it"))
        if ticket.lane == to_lane:
            raise errors.InvalidState(_("Ticket %(number)s is already in the %(lane)s lane.",
                                        number=ticket.number, lane=lane_name(to_lane)))
        from_lane = ticket.lane
        ticket.lane, ticket.status, ticket.counter = to_lane, "waiting", None
        ticket.reason = reason if to_lane == "priority" else None
        ticket.queued_at = naive_utc()
        ticket.save()
        _event(ticket, "ticket_transferred", from_lane=from_lane, to_lane=to_lane,
               reason=ticket.reason, staff=staff.username)
    return ticket


def finish(ticket_id, outcome, staff):
    """Close a called ticket with its outcome; a passport issued counts for the NIK's regency."""
    if outcome not in OUTCOMES:
        raise errors.Invalid(_("An outcome is one of: %(outcomes)s.",
                               outcomes=", ".join(str(name) for name in OUTCOME_NAMES.values())))
    with write_turn(db):
        ticket = _ticket(ticket_id, "called", _("finish it"))
        ticket.status, ticket.outcome, ticket.finished_at = "done", outcome, naive_utc()
        ticket.save()
        _event(ticket, "ticket_finished", counter=ticket.counter.name, outcome=outcome,
               regency=ticket.regency, staff=staff.username)
    return ticket


def current_tickets(day=None):
    """Per active counter: the ticket it called last today and that ticket's status."""
    last_calls = (Call.select(fn.MAX(Call.id)).where(Call.day == (day or today()))
                  .group_by(Call.counter))
    latest = {call.counter_id: call.ticket
              for call in Call.select(Call, Ticket).join(Ticket).where(Call.id.in_(last_calls))}
    return [_board_row(counter, latest.get(counter.id)) for counter in open_counters()]


def open_counters():
    """The active counters, "2" before "10"."""
    return (Counter.select().where(Counter.active == True)  # noqa: E712
            .order_by(fn.LENGTH(Counter.name), Counter.name))


def waiting_counts(day=None):
    """Waiting tickets per lane today, every lane present."""
    counts = dict.fromkeys(("booking", "priority", "general"), 0)
    rows = (Ticket.select(Ticket.lane, fn.COUNT(Ticket.id))
            .where(Ticket.day == (day or today()), Ticket.status == "waiting")
            .group_by(Ticket.lane).tuples())
    counts.update(dict(rows))
    return counts


def _board_row(counter, ticket):
    return {"counter": counter.name, "ticket_id": ticket.id if ticket else None,
            "number": ticket.number if ticket else None,
            "status": ticket.status if ticket else None,
            "recalls": ticket.recalls if ticket else 0}


def _next_ticket(day, hour):
    chosen = choose_next(waiting_tickets(day), recent_lanes(day), streak_limit(), hour)
    return Ticket.get_by_id(chosen.id) if chosen else None


def waiting_tickets(day):
    """Today's waiting tickets as the call policy sees them."""
    rows = (Ticket.select(Ticket.id, Ticket.lane, Ticket.slot_hour, Ticket.booking_verified,
                          Ticket.queued_at)
            .where(Ticket.day == day, Ticket.status == "waiting").tuples())
    return [as_waiting(*row) for row in rows]


def as_waiting(ticket_id, lane, slot_hour, booking_verified, queued_at):
    return Waiting(id=ticket_id, lane=lane, order=(queued_at, ticket_id), slot_hour=slot_hour,
                   verified=booking_verified is not False)


def recent_lanes(day):
    """The lanes of today's last calls (bookings left out), oldest first: the streak."""
    lanes = (Call.select(Call.lane)
             .where(Call.day == day, Call.lane != "booking")
             .order_by(Call.id.desc()).limit(streak_limit()).tuples())
    return [lane for (lane,) in reversed(list(lanes))]


def streak_limit():
    return int(current_app.config["PRIORITY_STREAK"])


def _counter(name):
    counter = Counter.get_or_none(Counter.name == str(name))
    if counter is None or not counter.active:
        raise errors.NotFound(_("There is no open counter %(name)s.", name=name))
    return counter


def _check_counter_free(counter, day):
    busy = (Ticket.select(Ticket.number)
            .where(Ticket.day == day, Ticket.counter == counter, Ticket.status == "called")
            .first())
    if busy:
        raise errors.InvalidState(_("Counter %(counter)s is still serving %(number)s: finish it "
                                    "or mark it as not present first.", counter=counter.name,
                                    number=busy.number), ticket=busy.number)


def _ticket(ticket_id, statuses, action):
    ticket = Ticket.get_or_none(Ticket.id == ticket_id)
    if ticket is None:
        raise errors.NotFound(_("There is no ticket %(id)s.", id=ticket_id))
    statuses = (statuses,) if isinstance(statuses, str) else statuses
    if ticket.status not in statuses:
        raise errors.InvalidState(_("Ticket %(number)s is %(status)s; you cannot %(action)s.",
                                    number=ticket.number, status=status_name(ticket.status),
                                    action=action))
    return ticket


def _event(ticket, kind, **payload):
    record_event(ticket.office, ticket.day, kind, ticket=ticket.number, **payload)
