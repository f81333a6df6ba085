"""`flask --app central office add|update`, `suspend`, `lift-suspension`, `demo-data`
(their refusals in Bahasa Indonesia, the default language)."""
import sqlite3
from contextlib import closing

from central_support import PANDEGLANG_MAN, changes

from central.db import db
from central.models import Office, Suspension


def office(code):
    with db.connection_context():
        return Office.get(Office.code == code)


def test_demo_data_is_idempotent(runner):
    result = runner.invoke(args=["demo-data"])   # the fixture already made SRG and CLG
    assert result.exit_code == 0, result.output
    assert "unchanged office SRG" in result.output
    with db.connection_context():
        assert Office.select().count() == 2
    assert [c[1] for c in changes("office")] == ["SRG", "CLG"]
    assert office("CLG").regencies == ["3604", "3672", "3673"]


def test_office_add_with_every_setting(runner):
    result = runner.invoke(args=[
        "office", "add", "tng", "--name", "Kantor Imigrasi Tangerang", "--quota", "90",
        "--timezone", "Asia/Jakarta", "--open-days", "1,2,3,4,5,6", "--slot-hours", "8,9,10",
        "--slot-capacity", "30", "--window-days", "14", "--regencies", "3603,3671"])
    assert result.exit_code == 0, result.output
    assert "created office TNG" in result.output
    kind, key, where, payload = changes("office")[-1]
    assert (kind, key, where) == ("office", "TNG", "TNG")
    assert payload == {"code": "TNG", "name": "Kantor Imigrasi Tangerang",
                       "timezone": "Asia/Jakarta", "open_days": [1, 2, 3, 4, 5, 6],
                       "daily_quota": 90, "slot_hours": [8, 9, 10], "slot_capacity": 30,
                       "booking_window_days": 14, "hajj_regencies": ["3603", "3671"],
                       "address": "",
                       "closed_dates": []}


def test_office_add_refusals(runner):
    result = runner.invoke(args=["office", "add", "SRG", "--name", "Again"])
    assert result.exit_code == 1
    assert "Office SRG exists; use `office update`" in result.output
    result = runner.invoke(args=["office", "add", "X1", "--name", "X", "--timezone", "Mars/Base"])
    assert result.exit_code == 1 and "Zona waktu Mars/Base tidak dikenal." in result.output
    result = runner.invoke(args=["office", "add", "X2", "--name", "X", "--open-days", "0,8"])
    assert result.exit_code == 1 and "open_days harus berisi angka dari 1 sampai 7" in result.output
    assert runner.invoke(args=["office", "add", "X3"]).exit_code == 2
    with db.connection_context():
        assert Office.select().count() == 2


def test_office_update_logs_the_change(runner):
    result = runner.invoke(args=["office", "update", "SRG", "--quota", "120"])
    assert result.exit_code == 0, result.output
    assert office("SRG").daily_quota == 120
    assert changes("office")[-1][3]["daily_quota"] == 120
    before = len(changes())
    assert "unchanged" in runner.invoke(args=["office", "update", "SRG", "--quota", "120"]).output
    assert len(changes()) == before
    assert runner.invoke(args=["office", "update", "NOPE", "--quota", "1"]).exit_code == 1


def test_suspend_refuses_durations_outside_six_to_twenty_four_months(runner):
    for months in ("5", "25"):
        result = runner.invoke(args=["suspend", PANDEGLANG_MAN, "--months", months,
                                     "--reason", "forged letter"])
        assert result.exit_code == 1
        assert "paling singkat 6 bulan dan paling lama dua tahun (24 bulan)" in result.output
    result = runner.invoke(args=["suspend", "123", "--months", "6", "--reason", "x"])
    assert result.exit_code == 1 and "NIK terdiri dari 16 angka" in result.output
    with db.connection_context():
        assert Suspension.select().count() == 0


def test_suspend_blocks_booking_and_lifting_unblocks(runner, book):
    result = runner.invoke(args=["suspend", PANDEGLANG_MAN, "--months", "24",
                                 "--reason", "forged birth certificate"])
    assert result.exit_code == 0, result.output
    assert "suspended from 2026-11-30 until 2028-11-30" in result.output
    kind, key, where, payload = changes("suspension")[-1]
    assert (kind, where) == ("suspension", None)
    assert payload == {"id": int(key), "nik": PANDEGLANG_MAN, "reason": "forged birth certificate",
                       "starts_on": "2026-11-30", "ends_on": "2028-11-30", "lifted": False}
    assert book().get_json()["ends_on"] == "2028-11-30"
    result = runner.invoke(args=["lift-suspension", key, "--reason", "overturned on appeal"])
    assert result.exit_code == 0, result.output
    assert changes("suspension")[-1][3]["lifted"] is True
    assert book().status_code == 201
    assert runner.invoke(args=["lift-suspension", "999", "--reason", "x"]).exit_code == 1


def test_backup_copies_a_sqlite_central_and_points_postgres_to_its_own_tools(
        app, runner, tmp_path):
    target = tmp_path / "central-copy.db"
    result = runner.invoke(args=["backup", str(target)])
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert result.exit_code == 0, result.output
        assert "integrity ok" in result.output
        with closing(sqlite3.connect(target)) as conn:
            assert conn.execute("SELECT count(*) FROM office").fetchone() == (2,)
    else:
        assert result.exit_code == 1 and not target.exists()
        assert "back up PostgreSQL with its own tools (pg_dump" in result.output


def test_after_restore_jumps_the_change_log_and_records_offices_and_suspensions_again(
        runner, clock):
    from central.models import Change
    from central.suspensions import issue_suspension
    from sync import RESTORE_JUMP
    with db.connection_context():
        issue_suspension(PANDEGLANG_MAN, 6, "Pemalsuan data", clock.now.date(), clock.now)
        before = Change.select(Change.seq).order_by(Change.seq.desc()).scalar()
    result = runner.invoke(args=["after-restore"])
    assert result.exit_code == 0, result.output
    assert "2 office(s) and 1 suspension(s) recorded again" in result.output
    jumped = [c for c in changes() if c[0] in ("office", "suspension")][-3:]
    assert [(kind, key) for kind, key, *_ in jumped] == [("office", "CLG"), ("office", "SRG"),
                                                        ("suspension", "1")]
    with db.connection_context():
        seqs = [c.seq for c in Change.select().where(Change.seq > before).order_by(Change.seq)]
        runner.invoke(args=["suspend", PANDEGLANG_MAN, "--months", "6", "--reason", "lagi"])
        after = Change.select(Change.seq).order_by(Change.seq.desc()).scalar()
    assert seqs == [before + RESTORE_JUMP + n for n in range(3)]
    assert after == before + RESTORE_JUMP + 3        # later changes follow on from the jump
