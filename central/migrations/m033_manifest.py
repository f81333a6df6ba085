"""The pilgrim list (manifest), its imports and the marks staff put on mismatches; and an
index on the booking code a merged ticket came with (a partial one: most tickets have
none), so a booking's tickets are found without scanning them all."""
from central.admin.models import MANIFEST_MODELS

TICKET_BOOKING_INDEX = ("CREATE INDEX IF NOT EXISTS merged_ticket_booking_code "
                        "ON merged_ticket (booking_code) WHERE booking_code IS NOT NULL")


def up(db, migrator):
    db.create_tables(MANIFEST_MODELS)
    db.execute_sql(TICKET_BOOKING_INDEX)
