"""Any sequence of bookings and cancellations answers exactly as a simple model predicts,
and the database never holds more than the quota or a slot's capacity."""
import itertools

from central_support import TUESDAY, nik, statuses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.db import db
from central.offices import save_office

PEOPLE, HOURS = 5, (8, 9)
operations = st.lists(st.one_of(
    st.tuples(st.just("book"), st.integers(0, PEOPLE - 1), st.sampled_from(HOURS)),
    st.tuples(st.just("cancel"), st.integers(0, PEOPLE - 1), st.booleans())), max_size=14)
offices = itertools.count(1)


class Model:
    """What the API must answer, kept in plain Python."""

    def __init__(self, quota, capacity):
        self.quota, self.capacity = quota, capacity
        self.active, self.code = {}, {}     # person -> hour; person -> last booking code

    def expect_book(self, person, hour):
        taken = list(self.active.values())
        if person in self.active:
            return 409, "duplicate_booking"
        if len(taken) >= self.quota:
            return 409, "quota_full"
        if taken.count(hour) >= self.capacity:
            return 409, "slot_full"
        return 201, None


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quota=st.integers(1, 4), capacity=st.integers(1, 3), ops=operations)
def test_bookings_and_cancellations_follow_the_model(client, quota, capacity, ops):
    number = next(offices)
    code = f"P{number}"
    with db.connection_context():
        save_office(code, name=f"Property office {number}", daily_quota=quota,
                    slot_capacity=capacity, slot_hours="8,9")
    model, people = Model(quota, capacity), [nik(number * 10 + p) for p in range(PEOPLE)]
    for op, person, arg in ops:
        if op == "book":
            expected = model.expect_book(person, arg)
            response = client.post("/api/v1/bookings", json={
                "office": code, "date": TUESDAY.isoformat(), "hour": arg,
                "nik": people[person], "name": "P", "purpose": "general"})
            body = response.get_json()
            assert (response.status_code, body.get("error")) == expected
            if response.status_code == 201:
                model.active[person], model.code[person] = arg, body["code"]
        elif person in model.code:
            right = arg
            response = client.post(f"/api/v1/bookings/{model.code[person]}/cancel",
                                   json={"nik": people[person if right else (person + 1) % PEOPLE]})
            assert response.status_code == (200 if right else 404)   # as an unknown code
            if right:
                model.active.pop(person, None)
    assert statuses(code).get("booked", 0) == len(model.active) <= quota
