"""The booking site and signed passes: an office's address, a booking's pass, central's
signing keys (the first one is made here, so `flask --app central init-db` makes it), and
an index that finds the newest suspension change (the signed suspension list's version)."""
from central.models import Booking, Office, SigningKey
from central.signing import ensure_key
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "office", address=Office.address)
    add_missing_columns(db, migrator, "booking", pass_token=Booking.pass_token)
    db.create_tables([SigningKey])
    db.execute_sql("CREATE INDEX IF NOT EXISTS change_kind_seq ON change (kind, seq)")
    ensure_key()
