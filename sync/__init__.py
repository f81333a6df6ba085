"""The contract both servers share (NIK, regions, errors, databases) and the sync job."""

# The version of the events' wire format (sync.schema). It lives here so the
# sync job can stamp it on each event without loading pydantic (~70 ms).
# 2: ticket_transferred carries the priority reason. Central still accepts 1.
SCHEMA_VERSION = 2
