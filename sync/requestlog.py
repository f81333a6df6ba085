"""One JSON log line per request: time, level, app, office, request id, method, path,
status, duration, and whatever the view added (a push's event counts).

The request id is the client's X-Request-ID when it sends a sane one (a proxy or
the sync job may), else a new one; the answer carries it back, so a person
reporting a problem can quote it and an operator can find the line.
"""
import logging
import re
import time
import uuid

from flask import current_app, g, request

log = logging.getLogger("antrean.request")
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def init_request_log(app):
    """Log every request of `app` (LOG_REQUESTS=false stops it) and tag it with an id."""
    app.before_request(_begin)
    app.after_request(_end)


def log_fields(**fields):
    """Add fields to this request's log line (e.g. a push's applied and duplicates)."""
    g.setdefault("log_fields", {}).update(fields)


def _begin():
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if SANE_ID.match(sent) else uuid.uuid4().hex
    g.log_started = time.perf_counter()


def _end(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if not current_app.config.get("LOG_REQUESTS", True) or "log_started" not in g:
        return response
    status = response.status_code
    level = logging.ERROR if status >= 500 else logging.INFO
    office = getattr(g.get("office"), "code", None) or current_app.config.get("OFFICE")
    log.log(level, "%s %s %d", request.method, request.path, status, extra={
        "app": current_app.import_name, "office": office, "request_id": g.request_id,
        "method": request.method, "path": request.full_path.rstrip("?"), "status": status,
        "duration_ms": round((time.perf_counter() - g.log_started) * 1000, 2),
        "remote": request.remote_addr, **g.get("log_fields", {})})
    return response
