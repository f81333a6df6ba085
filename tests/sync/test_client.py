"""The one retry policy: what is retried, how long, and with whose sleep."""
import io
import os
import sqlite3
import subprocess

import pytest
import requests
from sync_support import ROOT, VENV_BIN

from sync.client import CentralError, is_transient, retry_policy, within
from sync.job import watch


@pytest.mark.parametrize("exc, transient", [
    (requests.ConnectionError("refused"), True),
    (requests.Timeout("slow"), True),
    (CentralError(500, "internal", "boom"), True),
    (CentralError(503, "unavailable", "restarting"), True),
    (CentralError(429, "too_many_requests", "later"), True),
    (sqlite3.OperationalError("database is locked"), True),
    (CentralError(401, "unauthorized", "wrong token"), False),
    (CentralError(413, "batch_too_large", "split"), False),
    (CentralError(422, "invalid", "bad"), False),
    (sqlite3.OperationalError("no such table: outbox"), False),
    (ValueError("bug"), False),
])
def test_what_is_retried(exc, transient):
    assert is_transient(exc) is transient


def failing(errors):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "done"
    return call, calls


def test_transient_failures_are_retried_with_growing_jittered_waits():
    waits = []
    call, calls = failing([requests.ConnectionError()] * 4)
    assert retry_policy(60, sleep=waits.append)(call) == "done"
    assert len(calls) == 5 and len(waits) == 4
    assert all(0 <= w <= 0.5 * 2 ** (n + 1) for n, w in enumerate(waits))


def test_a_refusal_is_raised_at_once():
    waits = []
    call, calls = failing([CentralError(403, "forbidden", "not yours")])
    with pytest.raises(CentralError):
        retry_policy(60, sleep=waits.append)(call)
    assert len(calls) == 1 and waits == []


def test_retrying_stops_at_the_time_bound():
    call, calls = failing([requests.Timeout()] * 1000)
    with pytest.raises(requests.Timeout):
        retry_policy(0.2, sleep=lambda s: __import__("time").sleep(0.01))(call)
    assert 2 < len(calls) < 1000


def test_watch_runs_again_after_a_failure(branch, central, monkeypatch):
    naps = []
    cfg = dict(branch, CENTRAL_URL="http://127.0.0.1:9", SYNC_MAX_SECONDS=0.1)
    watch(cfg, interval=30, sleep=naps.append, runs=2)
    assert naps.count(30) == 2


def test_no_token_is_a_configuration_error(tmp_path):
    env = dict(os.environ, ANTREAN_DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}")
    env.pop("ANTREAN_TOKEN", None)
    done = subprocess.run([os.path.join(VENV_BIN, "antrean-sync"), "--once"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("antrean-sync: no token: set ANTREAN_TOKEN "
                                   "(flask --app central office token SRG)")


def test_watch_survives_a_run_that_cannot_even_start(tmp_path, caplog):
    naps = []
    cfg = {"DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'branch.db'}"}
    watch(cfg, interval=5, sleep=naps.append, runs=2)
    assert naps == [5, 5]
    assert "unable to open database file" in caplog.text


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_progress_bar_and_cron_gets_log_lines(caplog):
    from sync.progress import progress_for
    screen = Terminal()
    with progress_for(2000, stream=screen) as advance:
        advance(1000)
        advance(1000)
    assert "2000/2000" in screen.getvalue()
    caplog.set_level("INFO", logger="antrean.sync")
    with progress_for(2000, stream=io.StringIO()) as advance:
        advance(2000)
    assert "2000 events to push" in caplog.text and "pushed 2000/2000 events" in caplog.text


def test_a_call_that_overruns_its_whole_bound_is_a_timeout_the_policy_retries():
    """A read timeout bounds each read; `within` bounds the whole answer (see
    test_fault_scenarios' trickling answer for the job under gunicorn)."""
    import time
    assert within(1, lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ZeroDivisionError):
        within(1, lambda: 1 / 0)
    started = time.monotonic()
    with pytest.raises(requests.Timeout, match="no whole answer within 0.2 s") as caught:
        within(0.2, time.sleep, 5)
    assert time.monotonic() - started < 1
    assert is_transient(caught.value)
