"""The job's log: a JSON line per step (office, counts, seconds), one summary line for cron."""
import json

from sync_support import DAY, record_days

from branch.db import db as branch_db
from branch.models import SyncState
from sync import job


def test_one_json_line_per_step_and_one_summary_line(branch, central, monkeypatch, capsys):
    record_days(branch_db, "SRG", DAY, days=1, tickets_per_day=10)
    for name in ("DATABASE_URL", "OFFICE", "CENTRAL_URL", "TOKEN", "SYNC_BATCH_EVENTS"):
        monkeypatch.setenv(f"ANTREAN_{name}", str(branch[name]))
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    capsys.readouterr()
    assert job.main(["--once"]) == job.OK
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "antrean-sync: ok: pushed 30 events (0 already at central, 0 quarantined), "
        "pulled 1 changes, suspension list applied, 1 day(s) reconciled"]   # 1: central's key
    steps = {line["step"]: line for line in map(json.loads, err.splitlines())
             if "step" in line}
    assert list(steps) == ["push", "pull", "suspensions", "reconcile"]
    assert steps["push"]["count"] == 30 and steps["push"]["duplicates"] == 0
    assert steps["push"]["office"] == "SRG" and steps["push"]["level"] == "info"
    assert steps["reconcile"]["count"] == 1 and steps["reconcile"]["differing"] == 0
    assert all(isinstance(line["seconds"], float) for line in steps.values())
    last_run = json.loads(SyncState.get_by_id(1).last_run)
    assert last_run["push"]["count"] == 30 and set(last_run) == {"push", "pull", "suspensions",
                                                              "reconcile"}
