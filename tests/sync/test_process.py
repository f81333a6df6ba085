"""The job as cron runs it (a subprocess) against central under gunicorn: kills, restarts, outages."""
import os
import sqlite3
import subprocess
import time
from datetime import timedelta

import pytest
from sync_support import central_app
from sync_support import (DAY, ROOT, VENV_BIN, free_port, kill, record_days, start_gunicorn,
                          wait_for_port)
from test_job import assert_same_everywhere

from branch.db import db as branch_db, init_db as init_branch_db
from branch.models import Outbox, SyncState
from sync.database import open_database
from sync.lock import job_lock, lock_path

pytestmark = pytest.mark.slow


@pytest.fixture
def setup(tmp_path):
    """Central's database and tokens, a branch database, and the job's environment."""
    central_url = f"sqlite:///{tmp_path / 'central.db'}"
    _, tokens = central_app(central_url)
    branch_url = f"sqlite:///{tmp_path / 'branch.db'}"
    branch_db.initialize(open_database(branch_url))
    init_branch_db()
    port = free_port()
    env = dict(os.environ, ANTREAN_DATABASE_URL=branch_url, ANTREAN_OFFICE="SRG",
               ANTREAN_TOKEN=tokens["SRG"], ANTREAN_CENTRAL_URL=f"http://127.0.0.1:{port}",
               ANTREAN_SYNC_MAX_SECONDS="40", ANTREAN_SYNC_BATCH_EVENTS="50",
               ANTREAN_SYNC_TIMEOUT="5")
    servers = []

    def start():
        servers.append(start_gunicorn(port, central_url, workers=2))
    yield type("Setup", (), dict(env=env, port=port, start=start, servers=servers,
                                 central_db=str(tmp_path / "central.db"), branch_url=branch_url))
    for server in servers:
        if server.poll() is None:
            kill(server)


def job(env):
    return subprocess.Popen([os.path.join(VENV_BIN, "antrean-sync"), "--once"], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def finish(proc, timeout=90):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def central_cursor(path):
    try:
        row = sqlite3.connect(path).execute(
            "SELECT cursor FROM office_sync WHERE office = 'SRG'").fetchone()
    except sqlite3.OperationalError:
        return 0
    return row[0] if row else 0


def wait_until_pushing(path, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while central_cursor(path) == 0:
        assert proc.poll() is None and time.monotonic() < deadline, "the job never pushed"
        time.sleep(0.02)


def test_a_second_job_exits_at_once_with_a_clear_message(setup):
    with job_lock(lock_path(setup.branch_url)):
        started = time.monotonic()
        status, out, err = finish(job(setup.env))
    assert status == 3 and time.monotonic() - started < 10
    assert "another antrean-sync is already running for this branch" in err


def test_killed_mid_batch_and_run_again(setup):
    record_days(branch_db, "SRG", DAY, days=20, tickets_per_day=100)
    setup.start()
    first = job(setup.env)
    wait_until_pushing(setup.central_db, first)
    kill(first)
    left = Outbox.select().where(Outbox.state == "pending").count()
    assert left > 0       # killed before the end (maybe after central committed a batch)
    status, out, err = finish(job(setup.env))
    assert status == 0, err
    assert out.startswith("antrean-sync: ok: pushed")
    assert_same_everywhere()


def test_central_restarted_mid_batch(setup):
    record_days(branch_db, "SRG", DAY, days=20, tickets_per_day=100)
    setup.start()
    proc = job(setup.env)
    wait_until_pushing(setup.central_db, proc)
    kill(setup.servers[-1])
    time.sleep(0.5)
    setup.start()
    status, out, err = finish(proc)
    assert status == 0, err
    assert_same_everywhere()


def test_a_three_day_outage_backlog_is_drained(setup):
    record_days(branch_db, "SRG", DAY, days=3, tickets_per_day=150)
    env = dict(setup.env, ANTREAN_SYNC_MAX_SECONDS="1")
    status, out, err = finish(job(env))
    assert status == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("antrean-sync: central unreachable: ConnectionError")
    state = SyncState.get_by_id(1)
    assert state.central_reachable is False and state.unreachable_since is not None
    assert Outbox.select().where(Outbox.state == "pending").count() == 1350
    setup.start()
    wait_for_port(setup.port)
    status, out, err = finish(job(setup.env))
    assert status == 0, err
    assert "3 day(s) reconciled" in out
    assert_same_everywhere()
    assert SyncState.get_by_id(1).central_reachable is True


def test_killed_at_any_instant_again_and_again(setup):
    """SIGKILL at spread-out moments (push, pull or reconcile), then one clean run."""
    record_days(branch_db, "SRG", DAY, days=10, tickets_per_day=100)
    setup.start()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5):
        proc = job(setup.env)
        time.sleep(delay)
        if proc.poll() is None:
            kill(proc)
        record_days(branch_db, "SRG", DAY + timedelta(days=10), days=1, tickets_per_day=5)
    status, out, err = finish(job(setup.env))
    assert status == 0, err
    assert_same_everywhere()
