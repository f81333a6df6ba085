"""Index the outbox by office and day.

Reconcile digests a handful of days each night (the days pushed plus the
last three). Without this index every run reads the whole outbox, which only
grows: a year of a busy office is several hundred thousand events.
"""


def up(db, migrator):
    db.execute_sql("CREATE INDEX IF NOT EXISTS outbox_office_day ON outbox (office, day)")
