"""/metrics under gunicorn with two workers: every scrape adds up every worker's counters
(prometheus_client's multiprocess mode, set up by sync/gunicorn_conf.py), also after a
worker was killed and replaced."""
import os
import signal
import subprocess
import time

import pytest
import requests
from metrics_support import samples, value
from sync_support import ROOT, VENV_BIN, central_app, free_port, kill, wait_for_port

pytestmark = pytest.mark.slow
HEALTH = dict(endpoint="health_check", method="GET", status="200")


def workers_of(master):
    found = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def files_of(metrics_dir):
    """The pids whose histogram files are in the metrics directory."""
    return {int(name.rsplit("_", 1)[1].removesuffix(".db")) for name in os.listdir(metrics_dir)
            if name.startswith("histogram_")}


def health_count(url):
    figures = samples(requests.get(f"{url}/metrics", timeout=5).text)
    return value(figures, "antrean_http_request_duration_seconds_count", **HEALTH)


def test_every_scrape_counts_every_workers_requests(tmp_path):
    database = f"sqlite:///{tmp_path / 'central.db'}"
    central_app(database)
    metrics_dir, port = tmp_path / "metrics", free_port()
    env = dict(os.environ, ANTREAN_DATABASE_URL=database, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    server = subprocess.Popen(
        [os.path.join(VENV_BIN, "gunicorn"), "-c", "python:sync.gunicorn_conf", "--preload",
         "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "central:create_app()"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        for _ in range(40):
            assert requests.get(f"{url}/api/v1/health", timeout=5).status_code == 200
        assert [health_count(url) for _ in range(6)] == [40] * 6
        # A worker that has answered something (its counts are in its file) is killed.
        first = next(pid for pid in workers_of(server) if pid in files_of(metrics_dir))
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while len(set(workers_of(server)) - {first}) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
            time.sleep(0.1)
        for _ in range(10):
            requests.get(f"{url}/api/v1/health", timeout=5)
        assert [health_count(url) for _ in range(6)] == [50] * 6
        assert first in files_of(metrics_dir) and len(files_of(metrics_dir)) >= 2
    finally:
        kill(server, signal.SIGTERM)
