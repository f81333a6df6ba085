"""Writing outbox events. Call only inside the transaction that makes the change."""
import json
import uuid

from sync.schema import PAYLOADS

from .db import db
from .models import utcnow

# Prepared once: every change writes one of these, inside the write lock.
INSERT_EVENT = ("INSERT INTO outbox (uuid, office, day, kind, payload, created_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')")


def record_event(office, day, kind, **payload):
    """Append an event for `kind`; the payload is validated against the contract first.

    Returns the event's uuid.
    """
    PAYLOADS[kind](**payload)  # a bug here must fail the change, not reach central
    event_id = str(uuid.uuid4())
    db.execute_sql(INSERT_EVENT, (event_id, office, str(day), kind,
                                  json.dumps(payload, default=str, sort_keys=True),
                                  str(utcnow())))
    return event_id
