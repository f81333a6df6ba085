"""/metrics in Prometheus' text format for both servers (the official prometheus_client).

Under gunicorn each worker is its own process. With PROMETHEUS_MULTIPROC_DIR
set (sync/gunicorn_conf.py sets it and clears it when the master starts),
prometheus_client keeps every counter and histogram in a file per worker and
a scrape adds them up, so the figures are the server's whichever worker
answers. What the database knows (queue lengths, sync lag) is read at scrape
time by a collector each app supplies: it is right in any process and needs
no bookkeeping.

`/metrics` answers by default (METRICS_ENABLED=false turns it off: 404); with
METRICS_TOKEN set it asks for `Authorization: Bearer <token>` (401 otherwise).
"""
import hmac
import os
import time

from flask import Response, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry,
                               Histogram, generate_latest, multiprocess)
from werkzeug.exceptions import NotFound

from .errors import AntreanError
from .i18n import _

REQUEST_SECONDS = Histogram(
    "antrean_http_request_duration_seconds",
    "Requests answered, by endpoint (Flask's name), method and status, and how long they took.",
    ["endpoint", "method", "status"],
    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))


class MetricsUnauthorized(AntreanError):
    status, code = 401, "unauthorized"


class DatabaseCollector:
    """A prometheus collector whose metric families come from `collect_families()`,
    a function of the app's called inside the scrape's request (database connected)."""

    def __init__(self, collect_families):
        self.collect_families = collect_families

    def collect(self):
        return self.collect_families()


def init_metrics(app, collect_families=None):
    """Time every request and serve /metrics (plus `collect_families`' database figures)."""
    app.before_request(_start_clock)
    app.after_request(_observe)

    def metrics():
        """Prometheus text format: this server's counters and its database's figures."""
        _check_access()
        body = generate_latest(_process_registry())
        if collect_families is not None:
            scrape = CollectorRegistry(auto_describe=False)
            scrape.register(DatabaseCollector(collect_families))
            body += generate_latest(scrape)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)

    # A plain rule, not an API view: it answers text, so it stays out of the OpenAPI document.
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])


def _check_access():
    if not current_app.config["METRICS_ENABLED"]:
        raise NotFound()
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        return
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), str(token).encode()):
        raise MetricsUnauthorized(_("Metrics need the scrape token (Authorization: Bearer ...)."))


def _process_registry():
    """Every worker's counters (multiprocess mode), or this process's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _start_clock():
    g.request_started = time.perf_counter()


def _observe(response):
    started = g.pop("request_started", None)
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
        REQUEST_SECONDS.labels(endpoint, request.method, str(response.status_code)).observe(
            time.perf_counter() - started)
    return response
