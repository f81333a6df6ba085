"""Central's merged view from pushed events: tickets, passports, bookings, conflicts."""
from datetime import datetime, timedelta

from sync_support import DAY, NIKS, Events, push

from central.conflicts import describe
from central.db import db
from central.merged import Conflict, MergedRefusal, MergedTicket, PassportTally
from central.models import Booking, Change, Office, Suspension

BOOKER, WALKER = NIKS[0], NIKS[1]


def book(code, nik=BOOKER, status="booked", office="SRG"):
    with db.connection_context():
        return Booking.create(code=code, office=Office.get(Office.code == office), date=DAY,
                              hour=9, nik=nik, name="Siti Aminah", purpose="general",
                              status=status)


def booking(code):
    with db.connection_context():
        return Booking.get(Booking.code == code)


def conflicts():
    with db.connection_context():
        return sorted((c.kind, c.subject, c.status) for c in Conflict.select())


def said(api, kind, language="en"):
    """The conflict of `kind` as an admin reading `language` sees it described."""
    with db.connection_context():
        conflict = Conflict.get(Conflict.kind == kind)
    with api.app.test_request_context("/api/v1/admin/conflicts",
                                      headers={"Accept-Language": language}):
        return describe(conflict)


def checked_in(event, code, nik=BOOKER, number="B001", verified=True):
    return [event("ticket_issued", ticket=number, lane="booking", nik=nik, regency=nik[:4],
                  booking_code=code),
            event("booking_checked_in", ticket=number, booking_code=code, nik=nik,
                  verified=verified)]


def test_tickets_outcomes_and_passports_by_regency(api):
    event = Events()
    batch = (event.ticket("A001", NIKS[0]) + event.ticket("A002", NIKS[0])
             + event.ticket("A003", NIKS[1], outcome="rejected")
             + [event("ticket_issued", ticket="A004", lane="general", nik=NIKS[2],
                      regency=NIKS[2][:4], beyond_quota=True, staff="supervisor1"),
                event("ticket_called", ticket="A004", counter="3"),
                event("ticket_no_show", ticket="A004", counter="3")])
    assert push(api, batch).status_code == 200
    with db.connection_context():
        tickets = {t.number: t for t in MergedTicket.select()}
        tally = {(p.regency, p.count) for p in PassportTally.select()}
    assert (tickets["A001"].status, tickets["A001"].outcome) == ("done", "passport_issued")
    assert tickets["A003"].outcome == "rejected"
    assert (tickets["A004"].status, tickets["A004"].beyond_quota,
            tickets["A004"].override_staff) == ("no_show", True, "supervisor1")
    assert tally == {(NIKS[0][:4], 2)}


def test_events_of_one_ticket_across_batches_and_out_of_order(api):
    event = Events()
    issued, called, finished = event.ticket("A001", NIKS[0])
    push(api, [called, finished])
    push(api, [issued])           # a late re-send: fills the facts, keeps the status
    push(api, [finished])         # a duplicate: counted once
    with db.connection_context():
        ticket = MergedTicket.get()
        assert (ticket.status, ticket.nik, ticket.lane) == ("done", NIKS[0], "general")
        assert PassportTally.get().count == 1


def test_a_check_in_then_service_moves_the_booking_and_tells_the_branch(api):
    book("SRG-AAA111")
    event = Events()
    push(api, checked_in(event, "SRG-AAA111"))
    assert (booking("SRG-AAA111").status, booking("SRG-AAA111").ticket) == ("checked_in", "B001")
    push(api, [event("ticket_finished", ticket="B001", counter="1",
                     outcome="passport_issued", regency=BOOKER[:4])])
    assert booking("SRG-AAA111").status == "served"
    with db.connection_context():
        last = Change.select().order_by(Change.seq.desc()).first()
    assert (last.kind, last.key, last.office) == ("booking", "SRG-AAA111", "SRG")
    assert '"status": "served"' in last.payload
    assert conflicts() == []


def test_a_booking_cancelled_online_but_served_offline_stays_served_and_is_flagged(api):
    book("SRG-CCC333", status="cancelled")
    event = Events()
    push(api, checked_in(event, "SRG-CCC333") + [
        event("ticket_finished", ticket="B001", counter="1", outcome="passport_issued",
              regency=BOOKER[:4])])
    assert booking("SRG-CCC333").status == "served"
    assert conflicts() == [("cancelled_but_served", "SRG-CCC333", "open")]


def test_a_person_served_while_a_suspension_existed_is_flagged(api):
    with db.connection_context():
        Suspension.create(nik=WALKER, reason="falsified documents", starts_on=DAY - timedelta(10),
                          ends_on=DAY + timedelta(700), created_at=datetime(2026, 11, 1))
        Suspension.create(nik=NIKS[2], reason="issued after the service",
                          starts_on=DAY, ends_on=DAY + timedelta(700),
                          created_at=datetime.combine(DAY + timedelta(1), datetime.min.time()))
    event = Events()
    push(api, event.ticket("A001", WALKER) + event.ticket("A002", NIKS[2]))
    assert conflicts() == [("served_while_suspended", "A001", "open")]


def test_check_ins_with_unknown_codes_or_another_persons_booking_are_flagged(api):
    book("SRG-DDD444", nik=NIKS[3])
    event = Events()
    push(api, checked_in(event, "SRG-NOPE00", number="B001", verified=False)
         + checked_in(event, "SRG-DDD444", number="B002"))
    assert conflicts() == [("booking_other_nik", "SRG-DDD444", "open"),
                           ("unknown_booking", "SRG-NOPE00", "open")]
    assert booking("SRG-DDD444").status == "booked"
    assert said(api, "unknown_booking") == ("Ticket B001 was a provisional check-in with "
                                            "booking SRG-NOPE00, which central does not know.")
    assert said(api, "unknown_booking", "id") == (
        "Tiket B001 adalah check-in sementara dengan pemesanan SRG-NOPE00, yang tidak dikenal "
        "pusat.")


def test_a_provisional_check_in_of_another_days_booking_is_flagged(api):
    """The branch refuses another day's booking when its copy knows it; a provisional
    check-in cannot know, so central must say so, and keep the place of the booked day."""
    book("SRG-EEE555")
    with db.connection_context():
        Booking.update(date=DAY + timedelta(days=1)).where(
            Booking.code == "SRG-EEE555").execute()
    push(api, checked_in(Events(), "SRG-EEE555", verified=False))
    assert conflicts() == [("booking_other_day", "SRG-EEE555", "open")]
    assert booking("SRG-EEE555").status == "booked"
    assert said(api, "booking_other_day") == (
        "Ticket B001 was checked in on Monday, 23 November 2026 with booking SRG-EEE555, "
        "which is for Tuesday, 24 November 2026.")
    assert said(api, "booking_other_day", "id") == (
        "Tiket B001 melakukan check-in pada Senin, 23 November 2026 dengan pemesanan "
        "SRG-EEE555, yang untuk Selasa, 24 November 2026.")


def test_a_booking_and_a_walk_in_for_the_same_person_count_once(api):
    book("SRG-EEE555")
    event = Events()
    push(api, event.ticket("A001", BOOKER))
    push(api, checked_in(event, "SRG-EEE555", number="B001"))
    push(api, [event("ticket_issued", ticket="A002", lane="general", nik=BOOKER,
                     regency=BOOKER[:4])])
    assert conflicts() == [("booking_and_walk_in", BOOKER, "open")]


def test_a_walk_in_by_someone_who_booked_online_counts_once(api):
    """No booking ticket at the branch: the online booking alone makes the pair."""
    book("SRG-FFF666")
    book("SRG-GGG777", nik=WALKER, status="cancelled")      # a cancelled one does not
    event = Events()
    push(api, event.ticket("A001", BOOKER) + event.ticket("A002", WALKER))
    assert conflicts() == [("booking_and_walk_in", BOOKER, "open")]
    assert said(api, "booking_and_walk_in") == (
        f"NIK {BOOKER} has a booking and a walk-in ticket on Monday, 23 November 2026; "
        "counted once.")
    assert said(api, "booking_and_walk_in", "id") == (
        f"NIK {BOOKER} memiliki pemesanan dan tiket datang langsung pada Senin, 23 November 2026; "
        "dihitung sekali.")


def test_a_suspension_is_in_force_by_the_offices_clock_not_utcs(api):
    """Serang is UTC+7: its day ends at 17:00 UTC."""
    evening = datetime.combine(DAY, datetime.min.time())
    with db.connection_context():
        for nik, created, lifted in ((NIKS[0], evening + timedelta(hours=16, minutes=30), None),
                                     (NIKS[1], evening + timedelta(hours=18, minutes=30), None),
                                     (NIKS[2], datetime(2026, 11, 1),
                                      evening + timedelta(hours=20))):
            Suspension.create(nik=nik, reason="falsified documents", starts_on=DAY,
                              ends_on=DAY + timedelta(700), created_at=created,
                              lifted_at=lifted)
    event = Events()
    push(api, event.ticket("A001", NIKS[0]) + event.ticket("A002", NIKS[1])
         + event.ticket("A003", NIKS[2]))
    # 23:30 in Serang: issued that day. 01:30 the next day: not yet. Lifted at 03:00
    # the next morning: still in force all that day.
    assert conflicts() == [("served_while_suspended", "A001", "open"),
                           ("served_while_suspended", "A003", "open")]


def test_refusals_of_suspended_people_are_kept(api):
    event = Events()
    refusal = event("suspended_refused", nik=WALKER, suspension_ends_on="2028-01-01")
    push(api, [refusal])
    push(api, [refusal])
    with db.connection_context():
        assert [(r.nik, str(r.suspension_ends_on)) for r in MergedRefusal.select()] == [
            (WALKER, "2028-01-01")]


def test_the_rules_hold_when_batches_commit_out_of_order(api):
    """Two batches in flight may commit in either order: the later facts complete the rules."""
    book("SRG-FFF666")
    with db.connection_context():
        Suspension.create(nik=WALKER, reason="falsified documents", starts_on=DAY,
                          ends_on=DAY + timedelta(700), created_at=datetime(2026, 11, 1))
    event = Events()
    first = checked_in(event, "SRG-FFF666") + [event("ticket_issued", ticket="A001",
                                                     lane="general", nik=WALKER,
                                                     regency=WALKER[:4])]
    second = [event("ticket_finished", ticket="B001", counter="1",
                    outcome="passport_issued", regency=BOOKER[:4]),
              event("ticket_finished", ticket="A001", counter="2",
                    outcome="passport_issued", regency=WALKER[:4])]
    push(api, second)
    push(api, first)
    assert booking("SRG-FFF666").status == "served"
    assert conflicts() == [("served_while_suspended", "A001", "open")]
    with db.connection_context():
        assert {t.number: t.status for t in MergedTicket.select()} == {"A001": "done",
                                                                        "B001": "done"}


def test_a_conflict_worded_by_an_earlier_release_is_shown_as_it_was_stored(api):
    """Before conflicts kept facts, their detail was an English sentence: shown unchanged."""
    old = Conflict(office="SRG", day=DAY, kind="unknown_booking", subject="SRG-OLD000",
                   detail="Ticket B009 was a provisional check-in with booking SRG-OLD000, "
                          "which central does not know.")
    with api.app.test_request_context("/api/v1/admin/conflicts"):
        assert describe(old) == old.detail
