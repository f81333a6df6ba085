"""gunicorn settings for both servers: `gunicorn -c python:sync.gunicorn_conf --preload ...`.

Each gunicorn worker is its own process, so prometheus_client keeps its counters
in files, one per worker, under PROMETHEUS_MULTIPROC_DIR, and /metrics adds them
up (multiprocess mode). The variable must be set before prometheus_client is
first imported, which is why it is set here, in the master, before the app is
loaded: to the directory the environment names (give each server its own, e.g.
/run/antrean-central/metrics under systemd's RuntimeDirectory=), else to a new
temporary directory removed when the master exits. The directory is emptied
when the master starts (counters begin at zero with the server, as Prometheus
expects), and a worker that exits is marked dead so its live gauges go.
"""
import os
import shutil
import tempfile

_made_here = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_here:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="antrean-metrics-")


def on_starting(server):
    """Empty the metrics directory: the last run's counters are not this run's."""
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    """A worker exited: its counters stay (they are the server's), its live gauges go."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the directory if this file made it."""
    if _made_here:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
