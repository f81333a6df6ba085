"""Logins that end and lock: the staff's session version and the failed attempts."""
from branch.models import LoginFailure, Staff
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "staff", session_version=Staff.session_version)
    db.create_tables([LoginFailure])
