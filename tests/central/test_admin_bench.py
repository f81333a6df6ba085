"""The admin reports benchmark runs end to end on a tiny load: central's intake, gunicorn,
each report timed from its Server-Timing, the pilgrim list imported twice."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_admin_bench_loads_times_every_report_and_imports_the_list():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "admin_reports.py"),
                          "--events", "3000", "--offices", "3", "--days", "20", "--repeat", "1",
                          "--manifest-rows", "300"],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "loaded 3,000 events" in out.stdout, out.stdout
    rows = re.findall(r"^\| (.+?) \| ([\d.]+) \| ([\d.]+) \| [\d,]+ \|$", out.stdout, re.M)
    assert len(rows) == 8 and all(float(server) > 0 for _, server, _ in rows), out.stdout
    assert "'added': '300'" in out.stdout and "'unchanged': '300'" in out.stdout, out.stdout
    assert re.search(r"^targets: every report <= 300 ms server time: met", out.stdout, re.M)
