"""The audit log: the CLI's admin commands write it too, and nobody can rewrite it."""
import getpass

import pytest
from admin_support import audit_rows
from central_support import PANDEGLANG_MAN
from peewee import DatabaseError

from central.admin import audit
from central.admin.models import AuditEntry
from central.db import db

ACTOR = f"cli:{getpass.getuser()}"


def test_cli_office_and_suspension_commands_are_audited(runner):
    assert runner.invoke(args=["office", "add", "TNG", "--name", "Kantor Imigrasi Tangerang",
                               "--quota", "90"]).exit_code == 0
    assert runner.invoke(args=["office", "update", "TNG", "--quota", "100"]).exit_code == 0
    assert runner.invoke(args=["office", "update", "TNG", "--quota", "100"]).exit_code == 0
    suspended = runner.invoke(args=["suspend", PANDEGLANG_MAN, "--months", "12",
                                    "--reason", "forged birth certificate"])
    key = suspended.output.split()[1].rstrip(":")
    assert runner.invoke(args=["lift-suspension", key, "--reason", "appeal won"]).exit_code == 0
    assert audit_rows() == [
        (ACTOR, "office.created", "office:TNG", ""),
        (ACTOR, "office.updated", "office:TNG", ""),         # the unchanged update: no entry
        (ACTOR, "suspension.issued", f"suspension:{key}", "forged birth certificate"),
        (ACTOR, "suspension.lifted", f"suspension:{key}", "appeal won")]
    with db.connection_context():
        update = AuditEntry.select().where(AuditEntry.action == "office.updated").get()
        assert audit.entry_dict(update)["detail"] == {"changed": {"daily_quota": [90, 100]}}


def test_a_refused_command_leaves_no_entry(runner):
    result = runner.invoke(args=["suspend", PANDEGLANG_MAN, "--months", "30", "--reason", "x"])
    assert result.exit_code == 1
    assert audit_rows() == []


def test_the_database_refuses_to_change_or_delete_an_entry(app):
    with app.app_context(), db.connection_context():
        entry = audit.record("siti", "account.created", "account:budi", role="viewer")
        for statement in ("UPDATE audit_entry SET actor = 'someone else'",
                          "DELETE FROM audit_entry"):
            with pytest.raises(DatabaseError, match="append-only"), db.atomic():
                db.execute_sql(statement)
        assert AuditEntry.get_by_id(entry.id).actor == "siti"
        assert AuditEntry.select().count() == 1


def test_the_audit_page_lists_and_filters_entries(app, runner):
    from admin_support import log_in, make_account
    runner.invoke(args=["office", "update", "SRG", "--quota", "150"])
    runner.invoke(args=["suspend", PANDEGLANG_MAN, "--months", "6", "--reason", "forged KTP"])
    make_account("vera", "viewer")
    client = app.test_client()
    log_in(client, "vera")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.index('data-action="suspension.issued"') < page.index(
        'data-action="office.updated"')                       # newest first
    assert PANDEGLANG_MAN not in page and "3601********0001" in page   # a viewer's mask
    only = client.get("/api/v1/admin/audit?action=office.updated").get_json()
    assert [(e["actor"], e["subject"]) for e in only["entries"]] == [(ACTOR, "office:SRG")]
    assert only["entries"][0]["detail"] == {"changed": {"daily_quota": [140, 150]}}
    by_subject = client.get("/api/v1/admin/audit?subject=suspension").get_json()
    assert [e["action"] for e in by_subject["entries"]] == ["suspension.issued"]
    assert by_subject["entries"][0]["detail"]["nik"] == "3601********0001"
    assert client.get("/api/v1/admin/audit?from=2099-01-01").get_json()["total"] == 0
    assert client.get("/api/v1/admin/audit?actor=nobody").get_json()["total"] == 0
