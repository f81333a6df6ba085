"""Sync tokens rotate with a grace period: the office keeps the hash of the token the
last rotation replaced and until when it still works, and when each was last used."""
from sync.database import add_missing_columns

from central.models import Office


def up(db, migrator):
    add_missing_columns(db, migrator, "office", token_used_at=Office.token_used_at,
                        previous_token_hash=Office.previous_token_hash,
                        previous_token_until=Office.previous_token_until,
                        previous_token_used_at=Office.previous_token_used_at)
