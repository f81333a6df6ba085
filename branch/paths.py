"""The branch's URL converters (shared with central: sync.paths)."""
from sync.paths import MAX_ROW_ID, RowId  # noqa: F401  (branch.schemas, older imports)
