"""Central's change log: every change a branch must learn of, numbered by central.

Branches pull "everything after seq N". The sequence is central's own
autoincrement, written in the same transaction as the change, so ordering
never depends on anybody's clock.
"""
import json

from sync.database import is_postgres

from .db import db
from .models import Change

# PostgreSQL hands out sequence numbers at INSERT, not at COMMIT: seq 6 could
# commit before seq 5, and a branch that already read 6 would never see 5.
# Writers of the change log therefore queue on one transaction-scoped lock, so
# numbers become visible in order. (SQLite has a single writer anyway.)
CHANGE_LOG_LOCK = 7_431_001


def record_change(kind, key, payload, office=None, seq=None):
    """Append a change; `office=None` means every office must see it (suspensions).
    `seq` is for central.recovery alone (the jump after a restore)."""
    if is_postgres(db):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))
    numbered = {"seq": seq} if seq is not None else {}
    return Change.create(kind=kind, key=key, office=office, **numbered,
                         payload=json.dumps(payload, default=str, sort_keys=True))
