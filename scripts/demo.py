"""`make demo`: central and two branch offices (SRG, CLG) with sync watchers, on this PC.

Everything runs under gunicorn (never the Flask development server) with
SQLite files under ./instance/demo. Ctrl-C stops it all.
"""
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "instance" / "demo"
BIN = Path(sys.executable).parent
CENTRAL_PORT = int(os.environ.get("ANTREAN_DEMO_PORT", "5000"))
BRANCHES = {"SRG": CENTRAL_PORT + 1, "CLG": CENTRAL_PORT + 2}
PASSWORD = "demo-password"


# Every server refuses to start without a real secret key: the demo makes one per run.
SECRET_KEY = secrets.token_hex(32)


def env_for(**values):
    # The terminal shows the sync runs, not a JSON line for every page the demo serves.
    env = dict(os.environ, ANTREAN_SECRET_KEY=SECRET_KEY, ANTREAN_LOG_REQUESTS="false")
    env.update({f"ANTREAN_{k}": str(v) for k, v in values.items()})
    return env


def flask(app, *args, env):
    out = subprocess.run([str(BIN / "flask"), "--app", app, *args], env=env, cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def gunicorn(app, port, env, workers=2):
    # sync.gunicorn_conf: /metrics adds up every worker's counters (README, "Operations").
    return subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:sync.gunicorn_conf",
                             "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", f"{app}:create_app()"], env=env, cwd=ROOT)


def wait_until_up(url):
    for _ in range(100):
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def main():
    DATA.mkdir(parents=True, exist_ok=True)
    central_url = f"http://127.0.0.1:{CENTRAL_PORT}"
    central_env = env_for(DATABASE_URL=f"sqlite:///{DATA / 'central.db'}")
    flask("central", "init-db", env=central_env)
    flask("central", "demo-data", env=central_env)
    procs = [gunicorn("central", CENTRAL_PORT, central_env, workers=3)]
    lines = [f"central       {central_url}/api/v1/offices   (API docs: {central_url}/api/v1/openapi.json)"]
    for office, port in BRANCHES.items():
        token = flask("central", "office", "token", office, env=central_env).split()[-1]
        env = env_for(OFFICE=office, DATABASE_URL=f"sqlite:///{DATA / f'branch-{office}.db'}",
                      CENTRAL_URL=central_url, TOKEN=token)
        flask("branch", "init-db", env=env)
        flask("branch", "demo-data", "--password", PASSWORD, env=env)
        procs.append(gunicorn("branch", port, env))
        procs.append(subprocess.Popen([str(BIN / "antrean-sync"), "--watch", "--interval", "15"],
                                      env=env, cwd=ROOT))
        base = f"http://127.0.0.1:{port}"
        lines.append(f"branch {office}    kiosk {base}/kiosk   counter {base}/counter   "
                     f"board {base}/board   status {base}/status")
    wait_until_up(f"{central_url}/api/v1/health")
    for port in BRANCHES.values():
        wait_until_up(f"http://127.0.0.1:{port}/api/v1/health")
    print("\nAntrean demo is running:\n  " + "\n  ".join(lines))
    print(f"\nCounter logins: staff / {PASSWORD} and supervisor / {PASSWORD}. Ctrl-C stops.\n")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
