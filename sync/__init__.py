"""The contract both servers share (NIK, regions, errors, databases) and the sync job."""
