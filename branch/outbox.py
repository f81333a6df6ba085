"""Writing outbox events. Call only inside the transaction that makes the change."""
import json
import os
import time
import uuid

from sync.schema import check_outbox_event

from .db import db
from .models import utcnow

# Prepared once: every change writes one of these, inside the write lock.
INSERT_EVENT = ("INSERT INTO outbox (uuid, office, day, kind, payload, created_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')")


def record_event(office, day, kind, **payload):
    """Append an event for `kind`; envelope and payload are checked against the contract.

    Returns the event's uuid.
    """
    # A bug here must fail the change, never reach central: what breaks the contract's
    # bounds would be refused there. (People's input is bounded before it gets here.)
    check_outbox_event(office, day, kind, payload)
    event_id = new_event_id()
    db.execute_sql(INSERT_EVENT, (event_id, office, str(day), kind,
                                  json.dumps(payload, default=str, sort_keys=True),
                                  str(utcnow())))
    return event_id


def new_event_id():
    """A new event id: a UUID version 7 (RFC 9562), 48 bits of Unix milliseconds, then
    74 random bits.

    Central keeps each id once per office in a unique index; ids that grow with
    time put a batch's events side by side at the index's end, where random ids
    would touch a page of it per event. The clock only orders: a wrong one costs
    that locality, never uniqueness (the random bits carry that).
    """
    value = (time.time_ns() // 1_000_000 % (1 << 48)) << 80 | int.from_bytes(os.urandom(10),
                                                                              "big")
    value = value & ~(0xF << 76) | 0x7 << 76        # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62        # the RFC's variant
    return str(uuid.UUID(int=value))
