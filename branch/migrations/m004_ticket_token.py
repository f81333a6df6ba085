"""Tickets get a public token (the /t/<token> page), a child's NIK, who overrode a cap, and
when the board last announced them (a call or a recall).

The token replaces the sequential id in everything the public can reach; tickets
issued before this script get one too, so their QR codes and links keep working
once printed. The (day, nik) index serves the per-NIK limits of the kiosk.
"""
import secrets

from branch.models import Ticket
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "ticket", token=Ticket.token, child_nik=Ticket.child_nik,
                        override_by=Ticket.override_by, announced_at=Ticket.announced_at)
    for (ticket_id,) in db.execute_sql("SELECT id FROM ticket WHERE token IS NULL").fetchall():
        db.execute_sql("UPDATE ticket SET token = ? WHERE id = ?",
                       (secrets.token_urlsafe(16), ticket_id))
    db.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS ticket_token ON ticket (token)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS ticket_day_nik ON ticket (day, nik)")
