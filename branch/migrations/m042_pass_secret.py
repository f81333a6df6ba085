"""Each trusted key's pass secret: what checks the NIK on a version 2 booking pass."""
from branch.models import TrustedKey
from sync.database import add_missing_columns


def up(db, migrator):
    add_missing_columns(db, migrator, "trusted_key", pass_secret=TrustedKey.pass_secret)
