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
    for workers in (2, 3, 4):      # each count's own ratio, then the verdict
        assert re.search(rf"^{workers} workers  sqlite .* ratio [\d.]+; per pair: [\d.]+$",
                         out.stdout, re.M), out.stdout
    assert re.search(r"^as deployed  postgres/sqlite [\d.]+ at 4 workers for both, the README's "
                     r"unit \(target >= 0.9: (met|NOT MET)\)$", out.stdout, re.M), out.stdout
    ratio = re.search(r"^ratio   postgres/sqlite ([\d.]+) .* best worker count: postgres [234], "
                      r"sqlite [234] ", out.stdout, re.M)
    assert ratio and float(ratio.group(1)) > 0, out.stdout


@pytest.mark.parametrize("argv, message", [
    (["--workers", "2,2"], "distinct counts from 1 to 16"),
    (["--workers", "0"], "distinct counts from 1 to 16"),
    (["--workers", "2,4"], "several worker counts need --compare"),
])
def test_sync_bench_refuses_worker_counts_it_cannot_run(argv, message):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "sync_throughput.py"), *argv],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and message in out.stderr, out.stderr
