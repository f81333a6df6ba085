"""What a branch tells Prometheus (see sync.metrics), read from its database at scrape time.

    antrean_queue_waiting{lane}                 tickets waiting now (today)
    antrean_queue_longest_wait_seconds{lane}    how long the first of them has waited
    antrean_tickets_issued_today{lane}          numbers issued today, by the lane that issued
    antrean_tickets_served_today{lane}          tickets finished today
    antrean_sync_pending_events, antrean_sync_quarantined_events
    antrean_sync_central_reachable              1 / 0 as the last sync run found it
    antrean_sync_last_attempt_timestamp_seconds, antrean_sync_last_success_timestamp_seconds
    antrean_sync_last_run_seconds{step}, antrean_sync_last_run_events{step}
                                                push, pull, reconcile of the job's last run
"""
import json
from datetime import datetime, timezone

from peewee import fn
from prometheus_client.core import GaugeMetricFamily

from .clock import naive_utc, today
from .models import Outbox, SyncState, Ticket
from .tickets import LANES


def branch_families():
    """The queue and the sync state as gauges."""
    return [*_queue_families(), *_sync_families()]


def _queue_families():
    day, now = today(), naive_utc()
    waiting = GaugeMetricFamily("antrean_queue_waiting", "Tickets waiting now.", labels=["lane"])
    longest = GaugeMetricFamily("antrean_queue_longest_wait_seconds",
                                "How long the longest-waiting ticket of the lane has waited.",
                                labels=["lane"])
    queued = dict((lane, (n, first)) for lane, n, first in
                  Ticket.select(Ticket.lane, fn.COUNT(Ticket.id), fn.MIN(Ticket.queued_at))
                  .where(Ticket.day == day, Ticket.status == "waiting")
                  .group_by(Ticket.lane).tuples())
    for lane in LANES:
        n, first = queued.get(lane, (0, None))
        waiting.add_metric([lane], n)
        longest.add_metric([lane], max(0.0, (now - _naive(first)).total_seconds()) if first else 0)
    issued = _by_lane("antrean_tickets_issued_today", "Numbers issued today.",
                      Ticket.issued_lane, Ticket.day == day)
    served = _by_lane("antrean_tickets_served_today", "Tickets finished today.",
                      Ticket.lane, (Ticket.day == day) & (Ticket.status == "done"))
    return [waiting, longest, issued, served]


def _by_lane(name, text, lane_field, where):
    family = GaugeMetricFamily(name, text, labels=["lane"])
    counts = dict(Ticket.select(lane_field, fn.COUNT(Ticket.id)).where(where)
                  .group_by(lane_field).tuples())
    for lane in LANES:
        family.add_metric([lane], counts.get(lane, 0))
    return family


def _sync_families():
    state = SyncState.get_or_none(SyncState.id == 1)
    counts = dict(Outbox.select(Outbox.state, fn.COUNT(Outbox.seq))
                  .where(Outbox.state != "sent").group_by(Outbox.state).tuples())
    families = [
        _gauge("antrean_sync_pending_events", "Outbox events not yet at central.",
               counts.get("pending", 0)),
        _gauge("antrean_sync_quarantined_events", "Outbox events central refused.",
               counts.get("quarantined", 0)),
    ]
    if state is None:
        return families
    families.append(_gauge("antrean_sync_central_reachable",
                           "1 if the last sync run reached central.",
                           1 if state.central_reachable else 0))
    for name, moment in (("attempt", state.last_attempt), ("success", state.last_success)):
        if moment:
            families.append(_gauge(f"antrean_sync_last_{name}_timestamp_seconds",
                                   f"When the last sync {name} was (Unix time).",
                                   moment.replace(tzinfo=timezone.utc).timestamp()))
    return families + _last_run_families(state.last_run)


def _last_run_families(last_run):
    seconds = GaugeMetricFamily("antrean_sync_last_run_seconds",
                                "How long each step of the last sync run took.", labels=["step"])
    events = GaugeMetricFamily("antrean_sync_last_run_events",
                               "Events (push, reconcile: days) or changes (pull) of each step "
                               "of the last sync run.", labels=["step"])
    for step, figures in json.loads(last_run or "{}").items():
        seconds.add_metric([step], figures.get("seconds", 0))
        events.add_metric([step], figures.get("count", 0))
    return [seconds, events]


def _gauge(name, text, value):
    return GaugeMetricFamily(name, text, value=value)


def _naive(moment):
    """A stored UTC time as naive datetime (an aggregate over SQLite may come back as text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None)
