"""Folding a ticket's events into central's merged ticket, the same in any order.

A merged ticket is a function of its events ordered by seq, never of the order
they arrive in: several batches are in flight at once, and a re-send can come
days late. central.merging folds each batch's events into the tickets it holds.
"""
import json
from operator import itemgetter

from sync.database import json_text

from .bulk import insert_rows
from .db import db
from .intake import DEFAULTS
from .merged import MergedTicket

TICKET_FIELDS = MergedTicket._meta.sorted_field_names
TICKET_VALUES = itemgetter(*TICKET_FIELDS)    # a merged ticket dict -> its row tuple


def new_ticket(office, day, number):
    return {"office": office, "day": day, "number": number, "lane": None, "nik": None,
            "regency": None, "reason": None, "beyond_quota": False, "override_staff": None,
            "booking_code": None, "booking_verified": None, "status": "waiting",
            "counter": None, "outcome": None, "recalls": 0, "last_seq": 0, "lane_seq": 0}


def folded(row, events):
    for event, payload in events:
        _fold(row, event, payload)
    return row


def _fold(row, event, payload):
    """One event's effect on a ticket, the same in whatever order its events arrive.

    A fact several events set (status and counter; lane and reason) is taken from
    the newest of them by seq, which the row remembers; facts only one event sets
    (the NIK, the check-in, the outcome: a ticket is finished once) are just set,
    and recalls are counted. So a late re-sent event fills in what it knows
    without turning the clock back, and the row equals the in-order fold.
    """
    kind, seq = event["kind"], event["seq"]
    if kind == "ticket_issued":
        row.update(nik=payload["nik"], regency=payload["regency"],
                   beyond_quota=payload["beyond_quota"],
                   override_staff=payload["staff"] if payload["beyond_quota"] else None,
                   booking_code=row["booking_code"] or payload["booking_code"])
        _set_lane(row, seq, payload["lane"], payload["reason"])
    elif kind == "ticket_transferred":
        to_lane = payload["to_lane"]
        _set_lane(row, seq, to_lane, payload["reason"] if to_lane == "priority" else None)
    elif kind == "booking_checked_in":
        row.update(booking_code=payload["booking_code"], booking_verified=payload["verified"])
    elif kind == "ticket_recalled":
        row["recalls"] += 1
    elif kind == "ticket_finished":
        row["outcome"] = payload["outcome"]
    if seq > row["last_seq"]:
        row.update(_status_change(kind, payload), last_seq=seq)


def _set_lane(row, seq, lane, reason):
    if seq > row["lane_seq"]:
        row.update(lane=lane, reason=reason, lane_seq=seq)


def _status_change(kind, payload):
    if kind in ("ticket_called", "ticket_recalled"):
        return {"status": "called", "counter": payload["counter"]}
    if kind == "ticket_no_show":
        return {"status": "no_show", "counter": payload["counter"]}
    if kind == "ticket_transferred":
        return {"status": "waiting", "counter": None}
    if kind == "ticket_finished":
        return {"status": "done", "counter": payload["counter"]}
    return {}


def refold_tickets(office, keys):
    """Fold the merged tickets `keys` ((iso day, number)) of `office` again from the
    events central holds for them; one left without events goes. For repairs."""
    p = db.param
    for day, number in keys:
        held = db.execute_sql(f"SELECT seq, kind, payload FROM received_event WHERE office = {p} "
                              f"AND day = {p} AND {json_text(db, 'payload', 'ticket')} = {p}",
                              (office, day, number)).fetchall()
        db.execute_sql(f"DELETE FROM merged_ticket WHERE office = {p} AND day = {p} "
                       f"AND number = {p}", (office, day, number))
        events = [({"kind": kind, "seq": seq}, {**DEFAULTS[kind], **json.loads(payload)})
                  for seq, kind, payload in held]
        if events:
            row = folded(new_ticket(office, day, number), events)
            insert_rows(db, "merged_ticket", TICKET_FIELDS, [TICKET_VALUES(row)])
