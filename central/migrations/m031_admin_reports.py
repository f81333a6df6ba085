"""What the admin reports read: the branches' run reports, and indexes for the reports.

- branch_report: each office's last word on its sync run (outcome, reconcile, drift).
- passport_tally (day, office, regency, count): passports by regency over a date range
  read this index alone (covering), not the table's (office, day, regency) key, which
  a range of days over every office cannot use.
- merged_refusal (office, day): an office-day's refusals without a full scan.
- booking (date, office_id, status): every office's bookings of one day (Network
  today) without walking each office's part of the (office, date, ...) index.
"""
from central.merged import BranchReport

INDEXES = [
    "CREATE INDEX IF NOT EXISTS passport_tally_by_day "
    "ON passport_tally (day, office, regency, count)",
    "CREATE INDEX IF NOT EXISTS merged_refusal_office_day ON merged_refusal (office, day)",
    "CREATE INDEX IF NOT EXISTS booking_by_date ON booking (date, office_id, status)",
]


def up(db, migrator):
    db.create_tables([BranchReport])
    for statement in INDEXES:
        db.execute_sql(statement)
