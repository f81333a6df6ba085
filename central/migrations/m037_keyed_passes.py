"""Passes whose NIK hash is keyed (sync.signing, format AP2): a stored pass of format
AP1, whose unkeyed hash gives the NIK back to a search, is dropped, so the booking's
page shows a new AP2 pass in its place (central.booking.booking_answer). An AP1 pass
already printed or saved still checks in at the branch until its day."""


def up(db, migrator):
    db.execute_sql(f"UPDATE booking SET pass_token = NULL WHERE pass_token LIKE {db.param}",
                   ("AP1.%",))
