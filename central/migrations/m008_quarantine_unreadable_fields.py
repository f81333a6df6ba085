"""The quarantine keeps an event refused for its envelope too (a seq beyond 64 bits, a
day in year 1, an unknown kind of any length): seq, day, kind and created_at may be
null, the whole event being kept as its payload."""
from playhouse.migrate import migrate

COLUMNS = ("seq", "day", "kind", "created_at")


def up(db, migrator):
    nullable = {column.name for column in db.get_columns("quarantined_event") if column.null}
    migrate(*[migrator.drop_not_null("quarantined_event", name)
              for name in COLUMNS if name not in nullable])
