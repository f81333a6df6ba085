"""Staff accounts, counters and demo data from the command line."""
import os
import subprocess
import sys
from pathlib import Path

from branch.auth import authenticate
from branch.models import Counter, Staff


def test_staff_add_hashes_the_password(branch_app):
    result = branch_app.test_cli_runner().invoke(
        args=["staff", "add", "alice", "--role", "supervisor", "--password", "s3cret"])
    assert result.exit_code == 0, result.output
    alice = Staff.get(Staff.username == "alice")
    assert alice.role == "supervisor" and "s3cret" not in alice.password_hash
    assert authenticate("alice", "s3cret").id == alice.id
    assert authenticate("alice", "wrong") is None


def test_staff_add_refuses_an_unknown_role(branch_app):
    result = branch_app.test_cli_runner().invoke(
        args=["staff", "add", "bob", "--role", "boss", "--password", "x"])
    assert result.exit_code != 0 and Staff.select().count() == 0


def test_counter_add(branch_app):
    runner = branch_app.test_cli_runner()
    assert runner.invoke(args=["counter", "add", "7"]).exit_code == 0
    assert runner.invoke(args=["counter", "add", "7"]).exit_code == 0
    assert [c.name for c in Counter.select()] == ["7"]


def test_demo_data_is_idempotent_through_the_real_command(tmp_path):
    env = {**os.environ, "ANTREAN_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
           "ANTREAN_OFFICE": "SRG"}
    flask = str(Path(sys.executable).parent / "flask")
    for _ in range(2):
        out = subprocess.run([flask, "--app", "branch", "demo-data", "--password",
                              "demo-password"], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
    check = subprocess.run(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "print(c.execute('select group_concat(username) from staff').fetchone()[0], "
         "c.execute('select count(*) from counter').fetchone()[0])", str(tmp_path / "demo.db")],
        capture_output=True, text=True)
    assert check.stdout.split() == ["staff,supervisor", "4"]
