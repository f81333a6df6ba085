"""A branch served by waitress, as the README runs it on a Windows PC (gunicorn is POSIX only)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from branch.db import db, init_db
from sync.database import open_database

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_waitress_serves_the_branch_with_the_readme_command(tmp_path):
    path = tmp_path / "branch.db"
    db.initialize(open_database(f"sqlite:///{path}"))
    init_db()
    port = free_port()
    env = dict(os.environ, ANTREAN_DATABASE_URL=f"sqlite:///{path}", ANTREAN_OFFICE="SRG",
               ANTREAN_LOG_REQUESTS="false")
    server = subprocess.Popen([str(BIN / "waitress-serve"), f"--listen=127.0.0.1:{port}",
                               "--threads=8", "--call", "branch:create_app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/api/v1/health", timeout=1)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        ticket = requests.post(f"{url}/api/v1/tickets",
                               json={"lane": "general", "nik": "3601014507850003"}, timeout=5)
        assert ticket.status_code == 201 and ticket.json()["number"] == "A001"
        metrics = requests.get(f"{url}/metrics", timeout=5)
        assert metrics.status_code == 200 and 'antrean_queue_waiting{lane="general"} 1.0' \
            in metrics.text
    finally:
        server.terminate()
        server.wait(timeout=20)
