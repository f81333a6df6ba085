"""Central restored from a backup: the branches get back in step by themselves.

A week after central's last backup, central is lost and restored from it. It has
forgotten the week's events (the branch marked them sent long ago) and the changes
it made (a suspension the branch pulled). `restore` jumps central's change log
ahead; the branch's next run sees the jump, reconciles every day, re-sends the
week, and pulls what central records after the restore (its numbers are above
anything the branch has seen, so nothing is skipped).
"""
from datetime import datetime, timedelta, timezone

from sync_support import DAY, ServerThread, central_app, quick_sleep, record_days
from test_job import assert_same_everywhere

from branch.db import db as branch_db
from branch.models import LocalSuspension, Outbox, SyncState
from central.db import db as central_db
from central.merged import ReceivedEvent
from central.suspensions import issue_suspension
from sync.backup import backup
from sync.job import OK, run_once

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


def run(cfg):
    return run_once(cfg, sleep=quick_sleep)


def suspend(nik):
    with central_db.connection_context():
        return issue_suspension(nik, 6, "Pemalsuan data", DAY, NOW).id


def test_a_restored_central_gets_back_the_lost_week_and_skips_no_change(branch, tmp_path):
    url = f"sqlite:///{tmp_path / 'restored-central.db'}"
    app, tokens = central_app(url)
    server = ServerThread(app.wsgi_app)
    branch.update(CENTRAL_URL=server.url, TOKEN=tokens["SRG"])
    record_days(branch_db, "SRG", DAY, days=3, tickets_per_day=10)
    assert run(branch)[0] == OK
    copy = tmp_path / "central-backup.db"
    backup(url, str(copy))                              # the last backup before the loss
    record_days(branch_db, "SRG", DAY + timedelta(days=3), days=7, tickets_per_day=10)
    lost = suspend("3601014501900001")                  # a change central will forget
    assert run(branch)[0] == OK
    assert LocalSuspension.get(LocalSuspension.central_id == lost)
    server.stop()
    central_db.close_all()                              # central is down: restore it

    restored = app.test_cli_runner().invoke(args=["restore", "--replace", str(copy)])
    assert restored.exit_code == 0, restored.output
    assert "change log jumped ahead; 2 office(s) and 0 suspension(s)" in restored.output
    with central_db.connection_context():
        assert ReceivedEvent.select().count() == 3 * 30          # the week is gone
    new = suspend("3602015507850002")                            # issued after the restore
    server = ServerThread(app.wsgi_app)
    branch.update(CENTRAL_URL=server.url)
    try:
        status, line = run(branch)
    finally:
        server.stop()
    assert status == OK, line
    assert line.endswith("10 day(s) reconciled")             # every day, not the last 3
    assert_same_everywhere()                                 # the lost week is back
    assert LocalSuspension.get(LocalSuspension.central_id == new).nik == "3602015507850002"
    assert SyncState.get_by_id(1).reconcile_all is False     # done: recent days again
    assert Outbox.select().where(Outbox.state == "pending").count() == 0
