"""The admin console: accounts, failed logins, the append-only audit log, conflict decisions.

The audit log refuses UPDATE and DELETE in the database itself (and TRUNCATE
on PostgreSQL), so not even a bug in central can rewrite what happened.
"""
from central.admin.models import MODELS
from sync.database import is_postgres

APPEND_ONLY = "the audit log is append-only"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    for verb in ("UPDATE", "DELETE")]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger "
    f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
]


def up(db, migrator):
    db.create_tables(MODELS)
    for statement in POSTGRES_TRIGGERS if is_postgres(db) else SQLITE_TRIGGERS:
        db.execute_sql(statement)
