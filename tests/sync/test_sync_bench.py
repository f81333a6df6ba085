"""The sync benchmark runs end to end: gunicorn central, one --once job, both sides checked."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sync_bench_moves_every_event_and_reports_its_figures():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "sync_throughput.py"),
                          "--events", "3000", "--repeat", "1"],
                         capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr     # it exits if anything is unsynced
    assert "pushed 3000 events (0 already at central, 0 quarantined)" in out.stdout
    ratios = re.search(r"^ratio\s+([\d.]+) \(one transaction\)\s+([\d.]+) \(per batch\)",
                       out.stdout, re.M)
    assert ratios and all(float(r) > 0 for r in ratios.groups()), out.stdout
    assert re.search(r"^targets .*<= 150 MB: met$", out.stdout, re.M), out.stdout


@pytest.mark.slow
@pytest.mark.postgres
def test_sync_bench_compares_postgres_with_sqlite_and_prints_the_ratio():
    import os
    server = os.environ.get("ANTREAN_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("ANTREAN_TEST_POSTGRES_URL is not set")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "sync_throughput.py"),
                          "--events", "2000", "--repeat", "1", "--compare", server],
                         capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^run 1 postgres .* database [\d.]+ s\)$", out.stdout, re.M), out.stdout
    ratio = re.search(r"^ratio   postgres/sqlite ([\d.]+) ", out.stdout, re.M)
    assert ratio and float(ratio.group(1)) > 0, out.stdout
