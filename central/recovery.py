"""After central was restored from a backup: make every branch learn again what it must.

A restored central has forgotten everything after its backup, and branches have
not: they pulled changes numbered beyond the restored change log (new changes
would reuse those numbers, and branches would skip them as already seen), hold
a suspension list newer than the restored one (they would refuse the restored
one as a replay), and marked as sent events central no longer has. So
`after_restore` jumps the change log ahead by sync.RESTORE_JUMP and records
every office's settings and every suspension again above the jump: every branch
pulls them, its suspension list's version grows past the one it holds, and the
jump tells its job to reconcile every day, which re-sends what central lost.
`flask --app central restore` runs it; after restoring PostgreSQL with its own
tools, run `flask --app central after-restore`.
"""
from sync import RESTORE_JUMP
from sync.database import is_postgres, write_transaction

from .changes import CHANGE_LOG_LOCK, record_change
from .db import db
from .models import Change, Office, Suspension
from .offices import office_dict
from .suspensions import suspension_dict


def after_restore():
    """Jump the change log and record offices and suspensions again; (offices, suspensions)."""
    with write_transaction(db):
        if is_postgres(db):     # the change log's writers queue here (central.changes)
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))
        first = (Change.select(Change.seq).order_by(Change.seq.desc()).scalar() or 0) \
            + RESTORE_JUMP
        if is_postgres(db):
            db.execute_sql("SELECT setval(pg_get_serial_sequence('change', 'seq'), %s, false)",
                           (first,))
        changes = ([("office", o.code, office_dict(o), o.code)
                    for o in Office.select().order_by(Office.code)]
                   + [("suspension", str(s.id), suspension_dict(s), None)
                      for s in Suspension.select().order_by(Suspension.id)])
        for n, (kind, key, payload, office) in enumerate(changes):
            # SQLite numbers a row after the highest: the first one, numbered, jumps it.
            seq = first if n == 0 and not is_postgres(db) else None
            record_change(kind, key, payload, office=office, seq=seq)
    return (sum(kind == "office" for kind, *_ in changes),
            sum(kind == "suspension" for kind, *_ in changes))
