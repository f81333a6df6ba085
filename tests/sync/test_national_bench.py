"""bench/national_load.py runs (small: 3 branches, 60 events each) and proves its claims:
every branch reconciled, no error, nothing overbooked."""
import os
import subprocess
import sys

import pytest
from sync_support import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_the_national_bench_reconciles_every_branch_without_error():
    server = os.environ.get("ANTREAN_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("ANTREAN_TEST_POSTGRES_URL is not set")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "national_load.py"),
                           "--postgres", server, "--branches", "3", "--events", "60",
                           "--booking-rate", "10", "--workers", "2"],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines() if line.strip())
    assert lines["reconciled"].startswith("3/3;") and lines["reconciled"].endswith("met")
    assert lines["errors"] == "0"
    assert lines["overbooked"] == "0 slot(s), 0 office-day(s)"
    assert "created" in lines["bookings"]
