"""The ticket benchmark runs: gunicorn workers, concurrent HTTP clients, no duplicate number."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_issues_unique_numbers_under_gunicorn():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "branch_tickets.py"),
                          "--seconds", "1", "--clients", "10", "--rate", "0"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 duplicate numbers" in out.stdout and "verdict     OK" in out.stdout
