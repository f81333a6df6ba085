"""Issuing tickets: numbering, NIKs, priority reasons, suspensions and caps."""
import json
from datetime import date, datetime

import pytest

from branch import errors
from branch.models import LocalSuspension, Outbox, Refusal, Ticket
from branch.tickets import issue_ticket, today

# Born 12 Mar 1965 (61 on 27 Nov 2026), Kab. Serang; and a woman born 1990 in Kab. Lebak.
ELDER = "3604011203650001"
YOUNG = "3602015506900002"


def events(kind=None):
    rows = Outbox.select().order_by(Outbox.seq)
    return [(r.kind, json.loads(r.payload)) for r in rows if kind in (None, r.kind)]


def test_numbers_run_per_lane_from_001(branch_app):
    numbers = [issue_ticket(lane, ELDER, reason="elderly" if lane == "priority" else None).number
               for lane in ("general", "general", "priority", "general", "priority")]
    assert numbers == ["A001", "A002", "P001", "A003", "P002"]
    assert Ticket.select().count() == 5


def test_ticket_records_regency_and_business_date(branch_app, clock):
    clock.set_local(23, 30)          # 23:30 in Serang is 16:30 UTC: the office date counts
    ticket = issue_ticket("general", YOUNG)
    assert (ticket.day, ticket.regency, ticket.office) == (today(), "3602", "SRG")
    assert ticket.day == date(2026, 11, 27)
    kind, payload = events("ticket_issued")[0]
    assert payload["ticket"] == "A001" and payload["regency"] == "3602"


def test_numbers_restart_on_the_next_office_day(branch_app, clock):
    issue_ticket("general", YOUNG)
    clock.advance(days=1)
    assert issue_ticket("general", YOUNG).number == "A001"


@pytest.mark.parametrize("nik, message", [
    ("12345", "16 angka"), ("36040112036500x1", "hanya berisi angka"),
    ("3604019903650001", "bukan tanggal yang benar"),
])
def test_invalid_nik_is_refused_with_the_reason(branch_app, nik, message):
    with pytest.raises(errors.InvalidNik, match=message):
        issue_ticket("general", nik)
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0


def test_elderly_needs_sixty_or_over(branch_app):
    with pytest.raises(errors.NotElderly, match="60 or over"):
        issue_ticket("priority", YOUNG, reason="elderly")
    assert issue_ticket("priority", ELDER, reason="elderly").reason == "elderly"


def test_pregnant_and_disability_are_taken_as_chosen(branch_app):
    assert issue_ticket("priority", YOUNG, reason="pregnant").number == "P001"
    assert issue_ticket("priority", YOUNG, reason="disability").number == "P002"


def test_priority_needs_a_reason_and_general_takes_none(branch_app):
    with pytest.raises(errors.Invalid, match="needs a reason"):
        issue_ticket("priority", YOUNG)
    with pytest.raises(errors.Invalid, match="only given for the priority lane"):
        issue_ticket("general", YOUNG, reason="pregnant")


def suspend(nik, starts, ends, lifted=False, central_id=1):
    return LocalSuspension.create(central_id=central_id, nik=nik, reason="falsified documents",
                                  starts_on=starts, ends_on=ends, lifted=lifted)


def test_suspended_nik_is_refused_and_the_refusal_is_kept(branch_app):
    suspend(YOUNG, date(2026, 1, 1), date(2027, 12, 31))
    with pytest.raises(errors.Suspended) as refused:
        issue_ticket("general", YOUNG)
    assert refused.value.ends_on == date(2027, 12, 31)
    assert "31 December 2027" in refused.value.message
    assert Ticket.select().count() == 0
    refusal = Refusal.get()
    assert (refusal.nik, refusal.suspension_ends_on, refusal.day) == (
        YOUNG, date(2027, 12, 31), date(2026, 11, 27))
    assert events() == [("suspended_refused",
                         {"nik": YOUNG, "suspension_ends_on": "2027-12-31"})]


@pytest.mark.parametrize("starts, ends, lifted", [
    (date(2024, 1, 1), date(2026, 11, 26), False),     # ended yesterday
    (date(2026, 11, 28), date(2027, 1, 1), False),     # starts tomorrow
    (date(2026, 1, 1), date(2027, 1, 1), True),        # lifted
])
def test_suspension_not_in_force_does_not_refuse(branch_app, starts, ends, lifted):
    suspend(YOUNG, starts, ends, lifted)
    assert issue_ticket("general", YOUNG).number == "A001"
    assert Refusal.select().count() == 0


def test_cap_refuses_past_the_limit_unless_a_supervisor_overrides(branch_app, staff, supervisor):
    branch_app.config["CAP_GENERAL"] = 2
    issue_ticket("general", YOUNG)
    issue_ticket("general", YOUNG)
    with pytest.raises(errors.CapReached, match="2 general tickets"):
        issue_ticket("general", YOUNG)
    with pytest.raises(errors.Forbidden):
        issue_ticket("general", YOUNG, override_by=staff)
    ticket = issue_ticket("general", YOUNG, override_by=supervisor)
    assert (ticket.number, ticket.beyond_quota) == ("A003", True)
    assert events("ticket_issued")[-1][1]["beyond_quota"] is True
    assert events("ticket_issued")[-1][1]["staff"] == "supervisor"
    assert Ticket.select().count() == 3


def test_caps_are_per_lane(branch_app):
    branch_app.config["CAP_PRIORITY"] = 1
    issue_ticket("priority", YOUNG, reason="pregnant")
    with pytest.raises(errors.CapReached):
        issue_ticket("priority", YOUNG, reason="pregnant")
    assert issue_ticket("general", YOUNG).number == "A001"


def test_an_override_within_the_cap_is_not_beyond_quota(branch_app, supervisor):
    ticket = issue_ticket("general", YOUNG, override_by=supervisor)
    assert ticket.beyond_quota is False
    assert events("ticket_issued")[0][1]["staff"] is None


def test_the_ticket_returned_is_the_row_stored(branch_app):
    """The kiosk path inserts with prepared SQL; the models must read back the same ticket."""
    issued = issue_ticket("priority", ELDER, reason="elderly")
    stored = Ticket.get_by_id(issued.id)
    assert stored.__data__ == {**issued.__data__, "counter": None, "outcome": None,
                               "called_at": None, "finished_at": None}
    event = Outbox.get()
    assert (event.state, event.day, event.kind) == ("pending", stored.day, "ticket_issued")
    assert isinstance(event.created_at, datetime)
