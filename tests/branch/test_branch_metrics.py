"""The branch's /metrics: the queue per lane, today's tickets, the sync job's state."""
import json
from datetime import timezone

from branch_support import nik_for
from metrics_support import scrape, value

from branch import counters
from branch.db import db
from branch.models import SyncState
from sync import state

GENERAL_NIK = "3601014507850003"
ELDER = "3602011203500001"


def take(client, **body):
    response = client.post("/api/v1/tickets", json={"lane": "general", "nik": GENERAL_NIK,
                                                    **body})
    assert response.status_code == 201, response.json
    return response.json


def test_queue_length_and_longest_wait_per_lane(client, clock, counter, staff):
    take(client)
    clock.advance(minutes=5)
    take(client, nik=nik_for(2))    # one waiting ticket per NIK and lane: another person
    take(client, lane="priority", nik=ELDER, reason="elderly")
    clock.advance(minutes=2)
    figures = scrape(client)
    assert value(figures, "antrean_queue_waiting", lane="general") == 2
    assert value(figures, "antrean_queue_waiting", lane="priority") == 1
    assert value(figures, "antrean_queue_waiting", lane="booking") == 0
    assert value(figures, "antrean_queue_longest_wait_seconds", lane="general") == 7 * 60
    assert value(figures, "antrean_queue_longest_wait_seconds", lane="priority") == 2 * 60
    assert value(figures, "antrean_tickets_issued_today", lane="general") == 2


def test_served_today_and_the_waiting_count_after_a_call(client, counter, staff):
    take(client)
    take(client, nik=nik_for(2))
    called = counters.call_next(counter.name, staff)
    counters.finish(called.id, "passport_issued", staff)
    figures = scrape(client)
    assert value(figures, "antrean_queue_waiting", lane="general") == 1
    assert value(figures, "antrean_tickets_served_today", lane="general") == 1
    assert value(figures, "antrean_tickets_issued_today", lane="general") == 2


def test_sync_state_and_the_last_runs_steps(client):
    take(client)
    before = scrape(client)
    assert value(before, "antrean_sync_pending_events") == 1
    assert ("antrean_sync_central_reachable", ()) not in before     # the job never ran
    state.ensure_state(db)
    state.record_outcome(db, None, True, 0.4, {"push": {"seconds": 1.5, "count": 1},
                                               "pull": {"seconds": 0.2, "count": 3}})
    figures = scrape(client)
    assert value(figures, "antrean_sync_central_reachable") == 1
    assert value(figures, "antrean_sync_last_run_seconds", step="push") == 1.5
    assert value(figures, "antrean_sync_last_run_events", step="pull") == 3
    success = SyncState.get_by_id(1).last_success.replace(tzinfo=timezone.utc)
    assert value(figures, "antrean_sync_last_success_timestamp_seconds") == success.timestamp()
    assert json.loads(SyncState.get_by_id(1).last_run)["push"]["count"] == 1
