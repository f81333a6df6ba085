"""The slots list, the calendar and the booking rule agree on what can be booked: a closed day
has nothing, a slot that has begun today is not offered, and what is offered can be booked."""
from datetime import datetime, timedelta, timezone

from central_support import SATURDAY, TODAY, TUESDAY, nik

from central.availability import calendar
from central.db import db
from central.offices import clock_now, get_office, save_office

NINE_THIRTY = datetime(2026, 11, 30, 2, 30, tzinfo=timezone.utc)     # Monday, in Serang


def days(app):
    with app.test_request_context(), db.connection_context():
        return {day["date"]: day for day in calendar(get_office("SRG"), clock_now())}


def slots(client, day):
    return client.get(f"/api/v1/offices/SRG/slots?date={day}").get_json()


def test_a_slot_that_has_begun_is_neither_listed_nor_bookable(app, client, book, clock):
    clock.now = NINE_THIRTY
    listed = {s["hour"]: s for s in slots(client, TODAY)["slots"]}
    assert (listed[8]["begun"], listed[8]["available"]) == (True, 0)
    assert (listed[9]["begun"], listed[9]["available"]) == (True, 0)     # 09:00 began at 09:00
    assert (listed[10]["begun"], listed[10]["available"]) == (False, 20)
    assert days(app)[TODAY.isoformat()]["available"] == 5 * 20            # 10:00 .. 14:00
    for hour, slot in listed.items():                      # offered exactly when bookable
        answer = book(nik=nik(hour), date=TODAY.isoformat(), hour=hour)
        assert (answer.status_code == 201) == (slot["available"] > 0), (hour, answer.json)
    assert days(app)[TODAY.isoformat()]["available"] == 5 * 19
    assert slots(client, TODAY)["slots"][2]["available"] == 19


def test_the_calendar_covers_the_window_and_marks_closed_days(app, book):
    book(nik=nik(1))
    calendar_days = days(app)
    assert list(calendar_days)[0] == TODAY.isoformat() and len(calendar_days) == 31
    tuesday, saturday = calendar_days[TUESDAY.isoformat()], calendar_days[SATURDAY.isoformat()]
    assert (tuesday["available"], tuesday["booked"], tuesday["closed_reason"]) == (139, 1, None)
    assert saturday["available"] == 0 and "Sabtu" in saturday["closed_reason"]
    last = (TODAY + timedelta(days=30)).isoformat()
    assert calendar_days[last]["available"] == 140


def test_the_day_quota_bounds_the_calendar_below_the_slots_sum(app, book):
    with db.connection_context():
        save_office("SRG", daily_quota=3, slot_capacity=2)
    for serial, hour in ((1, 8), (2, 9)):
        assert book(nik=nik(serial), hour=hour).status_code == 201
    tuesday = days(app)[TUESDAY.isoformat()]
    assert tuesday["available"] == 1
    assert {s["available"] for s in tuesday["slots"]} == {1}
