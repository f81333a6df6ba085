"""The outage drill's short form: a demo of its own on free ports, central down a few seconds
while both branches serve, the backlog drained, central's counts equal to the branches'."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_drill_drains_the_backlog_and_central_matches(tmp_path):
    env = dict(os.environ, DRILL_SECONDS="7", DRILL_OWN_DEMO="1", DRILL_DRAIN_SECONDS="90")
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "drill.py")], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.splitlines()
    down = [line for line in lines if line.startswith("central down")]
    back = [line for line in lines if line.startswith("central back")]
    assert down and back, out.stdout
    assert "SRG:    0 waiting" in back[-1] and "CLG:    0 waiting" in back[-1]
    assert out.stdout.count("match\n") == 2 and "DIFFERENT" not in out.stdout
    assert "drill: OK: backlog 0, central matches every branch" in out.stdout
