"""Several OS processes race for the last places of a day: exactly the capacity is booked.

Each process builds its own app (its own database connection), waits at a
barrier, then fires its attempts through the full HTTP stack (test client).
"""
import multiprocessing

import pytest
from central_support import MONDAY_7AM, TUESDAY, Clock, changes, nik

from central import create_app
from central.db import db
from central.models import Booking, Office
from central.offices import save_office

PROCESSES, ATTEMPTS = 6, 5

SCENARIOS = {
    # quota 10 binds before the 3 slots of 4 places (12) do
    "day_quota": ({"daily_quota": 10, "slot_capacity": 4, "slot_hours": "8,9,10"}, 10),
    # one slot of 7 places binds long before the day's quota
    "one_slot": ({"daily_quota": 140, "slot_capacity": 7, "slot_hours": "8"}, 7),
}


def _racer(url, worker, hours, barrier, results):
    app = create_app({"DATABASE_URL": url, "TESTING": True, "CLOCK": Clock(MONDAY_7AM),
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    barrier.wait(timeout=60)
    answers = []
    for attempt in range(ATTEMPTS):
        response = client.post("/api/v1/bookings", json={
            "office": "RACE", "date": TUESDAY.isoformat(), "hour": hours[attempt % len(hours)],
            "nik": nik(worker * 100 + attempt + 1), "name": f"Racer {worker}.{attempt}",
            "purpose": "general"})
        answers.append((response.status_code, (response.get_json() or {}).get("error")))
    results.put(answers)


def _race(url, hours):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(url, w, hours, barrier, results))
             for w in range(PROCESSES)]
    for proc in procs:
        proc.start()
    answers = [a for _ in procs for a in results.get(timeout=120)]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    return answers


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_racing_processes_book_exactly_the_capacity(app, central_db_url, scenario):
    settings, capacity = SCENARIOS[scenario]
    with db.connection_context():
        office, _ = save_office("RACE", name="Race office", **settings)
    answers = _race(central_db_url, office.hours)
    assert len(answers) == PROCESSES * ATTEMPTS
    assert sum(1 for status, _ in answers if status == 201) == capacity
    refusals = {(status, error) for status, error in answers if status != 201}
    assert refusals <= {(409, "slot_full"), (409, "quota_full")}
    with db.connection_context():
        booked = list(Booking.select().join(Office).where(Office.code == "RACE"))
    assert len(booked) == capacity and {b.status for b in booked} == {"booked"}
    per_hour = [sum(1 for b in booked if b.hour == h) for h in office.hours]
    assert max(per_hour) <= office.slot_capacity
    assert len([c for c in changes("booking") if c[2] == "RACE"]) == capacity
