"""What central tells Prometheus (see sync.metrics): booking outcomes and pushed events
as counters, and each office's sync health read from the database at scrape time.

    antrean_bookings_total{outcome}           created, or the refusal's error code
    antrean_sync_events_total{office,result}  applied | duplicate | quarantined
    antrean_office_sync_lag_seconds{office}   since the office's job was last heard from
                                              (+Inf: never)
    antrean_office_sync_backlog_events{office}, antrean_office_quarantined_events{office},
    antrean_office_open_conflicts{office}
Push, pull (changes) and reconcile (digests) counts and durations are the request
histogram's endpoints sync.push, sync.changes, sync.digest and sync.digests.
"""
from flask import request
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from .models import utcnow
from .sync_reports import sync_health

BOOKING_ENDPOINT = "bookings.book"
BOOKINGS = Counter("antrean_bookings", "Booking attempts, by outcome: created or the error code.",
                   ["outcome"])
SYNC_EVENTS = Counter("antrean_sync_events",
                      "Events branches pushed, by office and what central did with them.",
                      ["office", "result"])


def count_booking(response):
    """after_request: the outcome of a booking attempt (created, or its error code)."""
    if request.url_rule is None or request.url_rule.endpoint != BOOKING_ENDPOINT:
        return response
    if response.status_code == 201:
        outcome = "created"
    else:
        body = response.get_json(silent=True) or {}
        outcome = str(body.get("error") or response.status_code)
    BOOKINGS.labels(outcome).inc()
    return response


def count_push(office, answer):
    """A push's answer, counted by what happened to its events."""
    for result, count in (("applied", answer["applied"]), ("duplicate", answer["duplicates"]),
                          ("quarantined", len(answer["quarantined"]))):
        if count:
            SYNC_EVENTS.labels(office, result).inc(count)


def office_families():
    """Each office's sync health as gauges (read from the database at scrape time)."""
    now = utcnow()
    families = {name: GaugeMetricFamily(f"antrean_office_{name}", text, labels=["office"])
                for name, text in FAMILIES.items()}
    for office in sync_health(now):
        code, seen = office["office"], office["last_seen_at"]
        lag = (now - seen).total_seconds() if seen else float("inf")
        families["sync_lag_seconds"].add_metric([code], max(lag, 0.0))
        families["sync_backlog_events"].add_metric([code], office["backlog"] or 0)
        families["quarantined_events"].add_metric([code], office["quarantined"])
        families["open_conflicts"].add_metric([code], office["open_conflicts"])
    return list(families.values())


FAMILIES = {
    "sync_lag_seconds": "Seconds since the office's sync job was last heard from (+Inf: never).",
    "sync_backlog_events": "Events still waiting at the branch, as its last push said.",
    "quarantined_events": "Events central refused from the office (kept for a person to see).",
    "open_conflicts": "Conflicts at the office waiting for an admin's decision.",
}
