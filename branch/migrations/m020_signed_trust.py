"""Trust without a connection: central's pinned keys, the signed suspension list's header,
and how a booking check-in was verified (the local copy, or a signed pass)."""
from branch.models import SuspensionList, Ticket, TrustedKey
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "ticket", verified_by=Ticket.verified_by)
    db.create_tables([TrustedKey, SuspensionList])
