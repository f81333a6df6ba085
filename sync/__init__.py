"""The contract both servers share (NIK, regions, errors, databases) and the sync job."""

# The version of the events' wire format (sync.schema). It lives here so the
# sync job can stamp it on each event without loading pydantic (~70 ms).
# 2: ticket_transferred carries the priority reason. Central still accepts 1.
SCHEMA_VERSION = 2

# After central is restored from a backup its change log jumps ahead by this much
# (central/recovery.py): no branch can have seen a number that high, so each pulls what
# central records from then on, and a branch that sees the jump reconciles every day.
RESTORE_JUMP = 2 ** 32
