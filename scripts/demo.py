"""`make demo`: central and two branch offices (SRG, CLG) with sync watchers, on this PC.

Everything runs under gunicorn (never the Flask development server) with
SQLite files under ./instance/demo. Ctrl-C stops it all. While it runs,
central can be stopped and started again on its own (the outage drill, README):

    .venv/bin/python scripts/demo.py stop-central
    .venv/bin/python scripts/demo.py start-central

Settings the demo reads (besides every ANTREAN_* variable, which it passes on to
the servers, e.g. ANTREAN_KIOSK_KEY): ANTREAN_DEMO_PORT (central's port, default
5000; the branches take the next two), ANTREAN_DEMO_SYNC_INTERVAL (seconds
between sync runs, default 15). The running demo's ports, pids and tokens are in
instance/demo/demo.json (readable by its owner only), which the drill reads.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "instance" / "demo"
BIN = Path(sys.executable).parent
PASSWORD = "demo-password"
OFFICES = ("SRG", "CLG")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(app, *args, env):
    out = subprocess.run([str(BIN / "flask"), "--app", app, *args], env=env, cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def gunicorn(app, port, env, workers=2, detached=False, log=None):
    # sync.gunicorn_conf: /metrics adds up every worker's counters (README, "Operations").
    return subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:sync.gunicorn_conf",
                             "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", f"{app}:create_app()"], env=env, cwd=ROOT,
                            start_new_session=detached, stdout=log, stderr=log)


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


class Demo:
    """The demo's processes and what the drill needs to know of them (demo.json)."""

    def __init__(self, data=DATA, central_port=None, branch_ports=None, sync_interval=None,
                 extra_env=None, quiet=False):
        self.data, self.quiet = Path(data), quiet
        port = int(central_port or os.environ.get("ANTREAN_DEMO_PORT", "5000"))
        self.info = {"central": {"port": port, "pid": None,
                                 "db": str(self.data / "central.db")},
                     "branches": {}, "secret_key": secrets.token_hex(32),
                     "sync_interval": float(sync_interval or os.environ.get(
                         "ANTREAN_DEMO_SYNC_INTERVAL", "15")),
                     "extra_env": extra_env or {}}
        for n, office in enumerate(OFFICES, start=1):
            branch_port = branch_ports[n - 1] if branch_ports else port + n
            self.info["branches"][office] = {"port": branch_port,
                                             "db": str(self.data / f"branch-{office}.db")}
        self.procs = []

    @classmethod
    def running(cls, data=DATA):
        """The demo described by data/demo.json, or None."""
        path = Path(data) / "demo.json"
        if not path.exists():
            return None
        demo = cls(data)
        demo.info = json.loads(path.read_text())
        return demo

    def env_for(self, **values):
        # Every server refuses to start without a real secret key: the demo makes one a run.
        # The terminal shows the sync runs, not a JSON line for every page the demo serves.
        env = dict(os.environ, ANTREAN_SECRET_KEY=self.info["secret_key"],
                   ANTREAN_LOG_REQUESTS="false")
        env.update({f"ANTREAN_{k}": str(v) for k, v in {**self.info["extra_env"],
                                                        **values}.items()})
        return env

    @property
    def central_url(self):
        return f"http://127.0.0.1:{self.info['central']['port']}"

    def branch_url(self, office):
        return f"http://127.0.0.1:{self.info['branches'][office]['port']}"

    def central_env(self):
        return self.env_for(DATABASE_URL=f"sqlite:///{self.info['central']['db']}")

    def branch_env(self, office):
        branch = self.info["branches"][office]
        return self.env_for(OFFICE=office, DATABASE_URL=f"sqlite:///{branch['db']}",
                            CENTRAL_URL=self.central_url, TOKEN=branch["token"])

    def start(self):
        """Databases, central, both branches and their sync watchers; waits until all answer."""
        self.data.mkdir(parents=True, exist_ok=True)
        flask("central", "init-db", env=self.central_env())
        flask("central", "demo-data", env=self.central_env())
        self.start_central(wait=False)
        for office, branch in self.info["branches"].items():
            # A demo start hands each branch a fresh token; the last run's stops at once.
            branch["token"] = flask("central", "office", "token", office, "--rotate",
                                    "--grace-hours", "0", env=self.central_env()).split()[-1]
            env = self.branch_env(office)
            flask("branch", "init-db", env=env)
            flask("branch", "demo-data", "--password", PASSWORD, env=env)
            self.procs.append(gunicorn("branch", branch["port"], env, log=self.log()))
            self.procs.append(subprocess.Popen(
                [str(BIN / "antrean-sync"), "--watch", "--interval",
                 str(self.info["sync_interval"])], env=env, cwd=ROOT, stdout=self.log(),
                stderr=self.log()))
        self.save()
        wait_until_up(f"{self.central_url}/api/v1/health")
        for office in self.info["branches"]:
            wait_until_up(f"{self.branch_url(office)}/api/v1/health")

    def start_central(self, wait=True):
        """Central alone (detached: it outlives the command that starts it)."""
        proc = gunicorn("central", self.info["central"]["port"], self.central_env(), workers=3,
                        detached=True, log=self.log())
        self.info["central"]["pid"] = proc.pid
        self.save()
        if wait:
            wait_until_up(f"{self.central_url}/api/v1/health")

    def stop_central(self):
        """Stop central's gunicorn (its workers with it) and wait until it is gone."""
        pid = self.info["central"].get("pid")
        if pid:
            _terminate(pid)
        self.info["central"]["pid"] = None
        self.save()

    def log(self):
        """Where the servers and watchers write: the terminal, or (quiet) data/demo.log."""
        if not getattr(self, "quiet", False):
            return None
        return open(self.data / "demo.log", "a")

    def save(self):
        path = self.data / "demo.json"
        path.write_text(json.dumps(self.info, indent=1))
        os.chmod(path, 0o600)        # it holds the branches' sync tokens

    def stop(self):
        latest = Demo.running(self.data)      # central may have been restarted meanwhile
        if latest:
            self.info["central"]["pid"] = latest.info["central"]["pid"]
        self.stop_central()
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=15)
        (self.data / "demo.json").unlink(missing_ok=True)


def _terminate(pid, seconds=15):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return          # our own child, reaped
        except ChildProcessError:
            pass                # another process's child: see whether it still exists
        if not _alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _alive(pid):
    """True while `pid` runs (a zombie waiting for its parent has stopped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("stop-central", "start-central"):
        demo = Demo.running()
        if demo is None:
            raise SystemExit("no demo is running (instance/demo/demo.json is missing)")
        (demo.stop_central if args[0] == "stop-central" else demo.start_central)()
        print(f"central {'stopped' if args[0] == 'stop-central' else 'started'}")
        return
    demo = Demo()
    signal.signal(signal.SIGTERM, _interrupt)      # `kill` stops it as cleanly as Ctrl-C
    demo.start()
    lines = [f"booking site  {demo.central_url}/   (applicants: book, QR pass, Booking saya)",
             f"central       {demo.central_url}/api/v1/offices   "
             f"(API docs: {demo.central_url}/api/v1/openapi.json)"]
    for office in OFFICES:
        base = demo.branch_url(office)
        lines.append(f"branch {office}    kiosk {base}/kiosk   counter {base}/counter   "
                     f"board {base}/board   status {base}/status")
    print("\nAntrean demo is running:\n  " + "\n  ".join(lines))
    print(f"\nCounter logins: staff / {PASSWORD} and supervisor / {PASSWORD}. "
          "Stop central alone: scripts/demo.py stop-central (start-central starts it again). "
          "Ctrl-C stops everything.\n")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        demo.stop()


if __name__ == "__main__":
    main()
