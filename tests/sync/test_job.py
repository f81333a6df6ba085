"""The job in-process against a real central server, with faults injected around each push."""
import json
import uuid
from datetime import timedelta

import pytest
from sync_support import quick_sleep
from sync_support import DAY, record_days

from branch.db import db as branch_db
from branch.models import Outbox, SyncState
from central.db import db as central_db
from central.merged import BranchReport, OfficeSync, QuarantinedEvent, ReceivedEvent
from central.merging import day_digest
from sync.job import FAILED, OK, run_once
from sync.reconcile import branch_digest

FAULTS = ["lose_request", "lose_response", "duplicate", "error_500", "timeout"]


def run(cfg):
    return run_once(cfg, sleep=quick_sleep)


def assert_same_everywhere(office="SRG"):
    """Central and branch hold exactly the same event ids and the same digest each day."""
    ours = {o.uuid for o in Outbox.select().where(Outbox.state != "quarantined")}
    days = {o.day for o in Outbox.select(Outbox.day).distinct()}
    with central_db.connection_context():
        theirs = {e.id for e in ReceivedEvent.select(ReceivedEvent.id)
                  .where(ReceivedEvent.office == office)}
        central_digests = {day: day_digest(office, day) for day in days}
    assert ours == theirs
    for day in days:
        assert branch_digest(office, day) == central_digests[day]
    assert Outbox.select().where(Outbox.state == "pending").count() == 0


def central_report(office="SRG"):
    """What the job told central of its last run (for the admins' Network page)."""
    with central_db.connection_context():
        return BranchReport.get_or_none(BranchReport.office == office)


def assert_monotonic(cursors):
    assert cursors == sorted(cursors), f"a cursor moved backwards: {cursors}"


def test_first_run_pushes_everything_and_a_second_run_has_nothing_to_do(branch, central):
    record_days(branch_db, "SRG", DAY, days=2, tickets_per_day=120)
    status, line = run(branch)
    assert (status, line.split(",")[0]) == (OK, "ok: pushed 720 events (0 already at central")
    assert_same_everywhere()
    assert central.faults.pushes == 8           # 720 events in batches of 100
    assert run(branch)[0] == OK and central.faults.pushes == 8
    state = SyncState.get_by_id(1)
    assert state.central_reachable and state.last_success and state.unreachable_since is None
    assert abs(state.clock_drift_seconds) < 2
    report = central_report()
    assert (report.ok, report.reconciled, report.error) == (True, True, None)
    assert abs(report.clock_drift) < 2


def test_a_backlog_longer_than_a_digest_request_is_reconciled_in_several(branch, central):
    """Central answers digests for at most 92 days at a time: 100 days take two requests."""
    record_days(branch_db, "SRG", DAY - timedelta(days=99), days=100, tickets_per_day=1)
    central.faults.plans["digests"] = ["none"] * 5
    status, line = run(branch)
    assert (status, line.split(", ")[-1]) == (OK, "100 day(s) reconciled")
    assert len(central.faults.plans["digests"]) == 3
    assert_same_everywhere()


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_a_push_is_retried_without_loss_or_double(branch, central, fault):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=100)
    central.faults.plan = ["none", fault]
    status, line = run(branch)
    assert status == OK, line
    assert_same_everywhere()
    assert_monotonic(central.faults.cursors)
    with central_db.connection_context():
        assert OfficeSync.get(OfficeSync.office == "SRG").cursor == 300
        assert ReceivedEvent.select().count() == 300


def test_every_fault_in_one_run(branch, central):
    record_days(branch_db, "SRG", DAY, days=3, tickets_per_day=100)
    central.faults.plan = ["none"] + [f for f in FAULTS for _ in range(2)]
    assert run(branch)[0] == OK
    assert_same_everywhere()
    assert_monotonic(central.faults.cursors)


def test_a_batch_over_centrals_limit_is_split(branch, central):
    central.app.config["SYNC_MAX_BATCH_EVENTS"] = 30
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=50)
    assert run(branch)[0] == OK
    assert_same_everywhere()
    # 150 events in batches of 100 and 50: every part over 30 is refused (413) and halved:
    # 100 -> 50 + 50 -> four parts of 25 (7 requests), then 50 -> 25 + 25 (3 requests).
    assert central.faults.pushes == 7 + 3


def test_an_invalid_event_is_quarantined_with_centrals_reason_and_the_rest_apply(
        branch, central):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=10)
    bad = Outbox.create(uuid=str(uuid.uuid4()), office="SRG", day=DAY, kind="ticket_finished",
                        payload=json.dumps({"ticket": "A001", "counter": "1",
                                            "outcome": "lost", "regency": "3601"}))
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=0)
    status, line = run(branch)
    assert status == OK and "1 quarantined" in line
    bad = Outbox.get_by_id(bad.seq)
    assert bad.state == "quarantined"
    assert bad.error.startswith("central: invalid payload: outcome: Input should be")
    with central_db.connection_context():
        assert QuarantinedEvent.get().event_id == bad.uuid
    assert_same_everywhere()


def test_an_unreadable_payload_is_quarantined_on_its_own(branch, central):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=5)
    broken = Outbox.create(uuid=str(uuid.uuid4()), office="SRG", day=DAY, kind="ticket_called",
                           payload="{not json")
    assert run(branch)[0] == OK
    assert Outbox.get_by_id(broken.seq).state == "quarantined"
    assert_same_everywhere()


def test_central_unreachable_fails_the_run_and_records_the_outage(branch, central):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=10)
    cfg = dict(branch, CENTRAL_URL="http://127.0.0.1:9", SYNC_MAX_SECONDS=0.5)
    status, line = run(cfg)
    assert status == FAILED
    assert line.startswith("central unreachable: ConnectionError")
    assert "\n" not in line
    state = SyncState.get_by_id(1)
    assert state.central_reachable is False and state.unreachable_since is not None
    assert state.last_error == line and state.last_success is None
    first_outage = state.unreachable_since
    assert run(cfg)[0] == FAILED
    assert SyncState.get_by_id(1).unreachable_since == first_outage   # kept, not reset
    assert Outbox.select().where(Outbox.state == "pending").count() == 30
    assert central_report() is None         # nobody to tell
    assert run(branch)[0] == OK
    state = SyncState.get_by_id(1)
    assert state.central_reachable and state.unreachable_since is None and state.last_error is None


def test_a_wrong_token_fails_at_once_with_centrals_refusal(branch, central):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=1)
    status, line = run(dict(branch, TOKEN="not-the-token"))
    assert status == FAILED
    assert line.startswith("central refused: 401 unauthorized")
    assert central.faults.pushes == 1   # a 401 is not retried
    assert central_report() is None     # the report is refused too; the run's line stays


def test_a_token_of_another_office_is_refused(branch, central):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=1)
    status, line = run(dict(branch, TOKEN=central.tokens["CLG"]))
    assert status == FAILED and line.startswith("central refused: 403 forbidden")
    assert Outbox.select().where(Outbox.state == "pending").count() == 3


def test_reconcile_resends_a_day_central_lost(branch, central):
    record_days(branch_db, "SRG", DAY, days=2, tickets_per_day=20)
    assert run(branch)[0] == OK
    with central_db.connection_context():
        ReceivedEvent.delete().where(ReceivedEvent.day == DAY).execute()  # a restored backup
    status, line = run(branch)
    assert status == OK, line
    assert_same_everywhere()


def test_a_difference_that_remains_fails_the_run(branch, central):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=5)
    assert run(branch)[0] == OK
    with central_db.connection_context():
        ReceivedEvent.create(id=str(uuid.uuid4()), office="SRG", seq=999, day=DAY,
                             kind="ticket_called", payload='{"counter":"1","ticket":"A009"}',
                             created_at=DAY)
    status, line = run(branch)
    assert status == FAILED
    assert line.startswith(f"reconcile: 1 day(s) still differ after re-sending: {DAY}: events: 15 != 16")
    assert SyncState.get_by_id(1).last_error == line
    report = central_report()
    assert (report.ok, report.reconciled, report.error) == (False, False, line)


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_pull_or_reconcile_is_retried(branch, central, fault):
    from central.changes import record_change
    with central_db.connection_context():
        for n in range(3):
            record_change("suspension", str(n + 1), {
                "id": n + 1, "nik": f"360101450190000{n}", "reason": "test",
                "starts_on": "2026-11-01", "ends_on": "2027-11-01", "lifted": False})
    record_days(branch_db, "SRG", DAY, days=2, tickets_per_day=10)
    central.faults.plans.update(changes=[fault], digests=[fault], digest=[fault])
    status, line = run(branch)
    assert status == OK, line
    assert SyncState.get_by_id(1).pull_cursor == 4     # central's first key, then these 3
    assert_same_everywhere()
    assert central.faults.plans["changes"] == central.faults.plans["digests"] == []
