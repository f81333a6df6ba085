"""The contract both servers share (NIK, regions, errors, databases) and the sync job."""

# The version of the events' wire format (sync.schema). It lives here so the
# sync job can stamp it on each event without loading pydantic (~70 ms).
SCHEMA_VERSION = 1
