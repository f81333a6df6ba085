"""Passports by month (passport_month), summed from the days held, for reports over long
ranges; and an index that reads a range of months alone (covering)."""
from central.merged import PassportMonth
from sync.database import is_postgres

MONTH_INDEX = ("CREATE INDEX IF NOT EXISTS passport_month_by_month "
               "ON passport_month (month, office, regency, count)")


def up(db, migrator):
    db.create_tables([PassportMonth])
    month = ("CAST(date_trunc('month', day) AS date)" if is_postgres(db)
             else "strftime('%Y-%m-01', day)")
    db.execute_sql("INSERT INTO passport_month (office, month, regency, count) "
                   f"SELECT office, {month}, regency, SUM(count) FROM passport_tally "
                   f"GROUP BY office, {month}, regency")
    db.execute_sql(MONTH_INDEX)
