"""Issuing tickets: numbering, NIKs, priority reasons, suspensions and caps."""
import json
from datetime import date, datetime

import pytest

from branch import errors
from branch.models import LocalSuspension, Outbox, Refusal, Ticket
from branch.tickets import issue_ticket, today

from branch_support import nik_for

# Born 12 Mar 1965 (61 on 27 Nov 2026), Kab. Serang; and a woman born 1990 in Kab. Lebak.
ELDER = "3604011203650001"
YOUNG = "3602015506900002"


def events(kind=None):
    rows = Outbox.select().order_by(Outbox.seq)
    return [(r.kind, json.loads(r.payload)) for r in rows if kind in (None, r.kind)]


def test_numbers_run_per_lane_from_001(branch_app):
    numbers = [issue_ticket(lane, nik_for(n, born="120365"),
                            reason="elderly" if lane == "priority" else None).number
               for n, lane in enumerate(("general", "general", "priority", "general", "priority"),
                                        start=1)]
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
    with pytest.raises(errors.NotElderly, match="60 tahun ke atas"):
        issue_ticket("priority", YOUNG, reason="elderly")
    assert issue_ticket("priority", ELDER, reason="elderly").reason == "elderly"


def test_pregnant_and_disability_are_taken_as_chosen(branch_app):
    assert issue_ticket("priority", YOUNG, reason="pregnant").number == "P001"
    assert issue_ticket("priority", ELDER, reason="disability").number == "P002"


def test_pregnant_needs_a_womans_nik(branch_app):
    # ELDER's day of birth is 12: a man's NIK. A woman's is stored plus 40 (YOUNG: 55 -> 15).
    with pytest.raises(errors.NotAWoman, match="NIK ini milik laki-laki") as refused:
        issue_ticket("priority", ELDER, reason="pregnant")
    assert refused.value.status == 422 and refused.value.code == "not_a_woman"
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0
    assert issue_ticket("priority", YOUNG, reason="pregnant").reason == "pregnant"


CHILD_4 = "3604012003220003"      # born 20 Mar 2022: 4 on 27 Nov 2026
CHILD_5 = "3604015511210004"      # a girl born 15 Nov 2021: 5 on 27 Nov 2026


def test_young_child_priority_reads_the_childs_age_from_its_nik(branch_app):
    ticket = issue_ticket("priority", YOUNG, reason="young_child", child_nik=CHILD_4)
    assert (ticket.number, ticket.reason, ticket.child_nik) == ("P001", "young_child", CHILD_4)
    assert Ticket.get_by_id(ticket.id).child_nik == CHILD_4
    assert events("ticket_issued")[0][1]["reason"] == "young_child"


@pytest.mark.parametrize("child_nik, error, text", [
    (CHILD_5, errors.NotYoungChild, "di bawah 5 tahun; anak ini berumur 5 tahun"),
    (None, errors.Invalid, "memerlukan NIK anak"),
    ("3604012003220000", errors.InvalidNik, "NIK anak: Empat angka terakhir"),
])
def test_young_child_priority_refusals(branch_app, child_nik, error, text):
    with pytest.raises(error, match=text) as refused:
        issue_ticket("priority", YOUNG, reason="young_child", child_nik=child_nik)
    assert refused.value.extra.get("field") == "child_nik"
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0


def test_a_childs_nik_belongs_to_the_young_child_lane_only(branch_app):
    with pytest.raises(errors.Invalid, match="anak balita"):
        issue_ticket("priority", ELDER, reason="elderly", child_nik=CHILD_4)
    assert Ticket.select().count() == 0


def test_priority_needs_a_reason_and_general_takes_none(branch_app):
    with pytest.raises(errors.Invalid, match="memerlukan alasan"):
        issue_ticket("priority", YOUNG)
    with pytest.raises(errors.Invalid, match="hanya diisi untuk jalur prioritas"):
        issue_ticket("general", YOUNG, reason="pregnant")


def suspend(nik, starts, ends, lifted=False, central_id=1):
    return LocalSuspension.create(central_id=central_id, nik=nik, reason="falsified documents",
                                  starts_on=starts, ends_on=ends, lifted=lifted)


def test_suspended_nik_is_refused_and_the_refusal_is_kept(branch_app):
    suspend(YOUNG, date(2026, 1, 1), date(2027, 12, 31))
    with pytest.raises(errors.Suspended) as refused:
        issue_ticket("general", YOUNG)
    assert refused.value.ends_on == date(2027, 12, 31)
    assert "sampai Jumat, 31 Desember 2027" in refused.value.message
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
    issue_ticket("general", nik_for(1))
    issue_ticket("general", nik_for(2))
    with pytest.raises(errors.CapReached, match="2 karcis jalur Umum"):
        issue_ticket("general", nik_for(3))
    with pytest.raises(errors.Forbidden):
        issue_ticket("general", nik_for(3), override_by=staff)
    ticket = issue_ticket("general", nik_for(3), override_by=supervisor)
    assert (ticket.number, ticket.beyond_quota) == ("A003", True)
    assert events("ticket_issued")[-1][1]["beyond_quota"] is True
    assert events("ticket_issued")[-1][1]["staff"] == "supervisor"
    assert Ticket.select().count() == 3


def test_caps_are_per_lane(branch_app):
    branch_app.config["CAP_PRIORITY"] = 1
    issue_ticket("priority", YOUNG, reason="pregnant")
    with pytest.raises(errors.CapReached):
        issue_ticket("priority", ELDER, reason="elderly")
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
                               "called_at": None, "announced_at": None, "finished_at": None}
    assert len(stored.token) >= 22     # 128 random bits: the public handle, not the id
    event = Outbox.get()
    assert (event.state, event.day, event.kind) == ("pending", stored.day, "ticket_issued")
    assert isinstance(event.created_at, datetime)
