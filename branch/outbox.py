"""Writing outbox events. Call only inside the transaction that makes the change."""
import json
import uuid

from sync.schema import PAYLOADS

from .models import Outbox


def record_event(office, day, kind, **payload):
    """Append an event for `kind`; the payload is validated against the contract first."""
    PAYLOADS[kind](**payload)  # a bug here must fail the change, not reach central
    return Outbox.create(uuid=str(uuid.uuid4()), office=office, day=day, kind=kind,
                         payload=json.dumps(payload, default=str, sort_keys=True))
