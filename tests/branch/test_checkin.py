"""Booking check-in against the local copy of central's bookings: every path."""
import json
from datetime import date

import pytest

from branch import errors
from branch.models import LocalBooking, Outbox, Ticket
from branch.tickets import issue_ticket

NIK = "3601014507850003"
TODAY = date(2026, 11, 27)


def booking(code="SRG-AAAA1111", nik=NIK, office="SRG", day=TODAY, hour=9, status="booked"):
    return LocalBooking.create(code=code, office=office, date=day, hour=hour, nik=nik,
                               name="Siti Aminah", purpose="hajj", status=status)


def kinds():
    return [row.kind for row in Outbox.select().order_by(Outbox.seq)]


def test_booking_for_today_here_gives_a_verified_b_ticket(branch_app):
    booking(hour=10)
    ticket = issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    assert (ticket.number, ticket.booking_verified, ticket.slot_hour) == ("B001", True, 10)
    assert LocalBooking.get().ticket == "B001"
    assert kinds() == ["ticket_issued", "booking_checked_in"]
    checked_in = json.loads(Outbox.get(Outbox.kind == "booking_checked_in").payload)
    assert checked_in == {"ticket": "B001", "booking_code": "SRG-AAAA1111", "nik": NIK,
                          "verified": True}


def test_unknown_code_gives_a_provisional_ticket(branch_app):
    ticket = issue_ticket("booking", NIK, booking_code="SRG-NEW00001")
    assert (ticket.number, ticket.booking_verified, ticket.slot_hour) == ("B001", False, None)
    checked_in = json.loads(Outbox.get(Outbox.kind == "booking_checked_in").payload)
    assert checked_in["verified"] is False


def test_a_provisional_code_cannot_be_checked_in_twice(branch_app):
    issue_ticket("booking", NIK, booking_code="SRG-NEW00001")
    with pytest.raises(errors.AlreadyCheckedIn, match="B001"):
        issue_ticket("booking", NIK, booking_code="SRG-NEW00001")


def test_booking_for_another_day_names_the_day(branch_app):
    booking(day=date(2026, 11, 30), hour=13)
    with pytest.raises(errors.WrongDay, match="Senin, 30 November 2026 pukul 13.00 WIB") as refused:
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    assert refused.value.extra == {"day": "2026-11-30"}
    assert Ticket.select().count() == 0 and Outbox.select().count() == 0


def test_booking_for_another_office_names_the_office(branch_app):
    booking(office="CLG")
    with pytest.raises(errors.WrongOffice, match="untuk kantor CLG") as refused:
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    assert refused.value.extra == {"office": "CLG"}


def test_booking_already_checked_in_names_its_ticket(branch_app):
    booking()
    issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    with pytest.raises(errors.AlreadyCheckedIn, match="dengan nomor B001") as refused:
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    assert refused.value.extra == {"ticket": "B001"}
    assert Ticket.select().count() == 1


def test_booking_pulled_after_a_provisional_check_in_is_still_checked_in(branch_app):
    issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    booking()   # the sync job brings the booking down afterwards
    with pytest.raises(errors.AlreadyCheckedIn, match="B001"):
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")


def test_cancelled_booking_is_refused_clearly(branch_app):
    booking(status="cancelled")
    with pytest.raises(errors.BookingCancelled, match="sudah dibatalkan"):
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")
    assert LocalBooking.get().ticket is None


def test_booking_of_another_nik_is_refused(branch_app):
    booking(nik="3602015506900002")
    with pytest.raises(errors.BookingMismatch):
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")


def test_booking_used_elsewhere_is_refused(branch_app):
    booking(status="checked_in")
    with pytest.raises(errors.AlreadyCheckedIn, match=r"sudah digunakan \(sudah check-in\)"):
        issue_ticket("booking", NIK, booking_code="SRG-AAAA1111")


def test_check_in_needs_a_code(branch_app):
    with pytest.raises(errors.Invalid, match="memerlukan kode booking"):
        issue_ticket("booking", NIK)


def test_booking_lane_has_no_daily_cap(branch_app):
    branch_app.config.update(CAP_GENERAL=0, CAP_PRIORITY=0)
    assert issue_ticket("booking", NIK, booking_code="SRG-X1").number == "B001"
