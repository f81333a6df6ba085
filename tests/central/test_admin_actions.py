"""What admins do in the console: decide conflicts, issue and lift suspensions, cancel
bookings. A viewer's action and a form without its token are refused and change nothing;
every action leaves its audit entry."""
from datetime import date, datetime

import pytest
from admin_support import Events, audit_rows, log_in, make_account, post, push
from central_support import TODAY, TUESDAY, changes, nik

from central.admin.models import ConflictDecision
from central.db import db
from central.merged import Conflict
from central.models import Booking, Office, Suspension
from central.tokens import issue_token

WALKER = nik(1, "3601")


@pytest.fixture
def accounts(app):
    make_account("siti", "admin")
    make_account("vera", "viewer")
    admin, viewer = app.test_client(), app.test_client()
    log_in(admin, "siti")
    log_in(viewer, "vera")
    return admin, viewer


@pytest.fixture
def two_conflicts(client):
    """A walk-in for a NIK with a booking (first), then a booking cancelled but served."""
    with db.connection_context():
        srg = Office.get(Office.code == "SRG")
        Booking.create(code="SRG-BOOKED01", office=srg, date=TODAY, hour=9, nik=WALKER,
                       name="Budi", purpose="general")
        Booking.create(code="SRG-CANCEL01", office=srg, date=TODAY, hour=10, nik=nik(2),
                       name="Ani", purpose="general", status="cancelled",
                       created_at=datetime(2026, 11, 20, 3, 0))
        token = issue_token("SRG")
    events = Events("SRG")
    push(client, token, "SRG", events.ticket(TODAY, "A001", WALKER))
    push(client, token, "SRG", events.ticket(TODAY, "B001", nik(2), lane="booking",
                                             booking_code="SRG-CANCEL01")
         + [events("booking_checked_in", TODAY, ticket="B001", booking_code="SRG-CANCEL01",
                   nik=nik(2), verified=True)])
    with db.connection_context():
        return [c.id for c in Conflict.select().order_by(Conflict.id)]


def conflict_state(conflict_id):
    with db.connection_context():
        conflict = Conflict.get_by_id(conflict_id)
        decision = ConflictDecision.get_or_none(ConflictDecision.conflict == conflict_id)
    return conflict.status, decision and (decision.decision, decision.actor, decision.note,
                                          decision.suspension_id)


def test_conflicts_are_listed_oldest_first_and_an_admin_decides_one(accounts, two_conflicts):
    admin, viewer = accounts
    first, second = two_conflicts
    listed = admin.get("/api/v1/admin/conflicts").get_json()
    assert [(c["id"], c["kind"]) for c in listed["conflicts"]] == [
        (first, "booking_and_walk_in"), (second, "cancelled_but_served")]
    assert viewer.get("/api/v1/admin/conflicts").get_json()["conflicts"][0]["subject"] == (
        "3601********0001")
    path = f"/admin/conflicts/{second}/decide"
    assert post(viewer, path, {"decision": "accepted_served"}).status_code == 403
    assert post(admin, path, {"decision": "accepted_served"}, csrf=False).status_code == 400
    assert conflict_state(second) == ("open", None)
    refused = post(admin, path, {"decision": "data_error"})
    assert refused.status_code == 422 and "Tuliskan" in refused.get_data(as_text=True)
    done = post(admin, path, {"decision": "accepted_served", "note": "served, rightly"})
    assert done.status_code == 303
    assert conflict_state(second) == ("resolved", ("accepted_served", "siti",
                                                   "served, rightly", None))
    again = post(admin, path, {"decision": "data_error", "note": "x"})
    assert again.status_code == 409
    assert audit_rows("conflict.decided") == [("siti", "conflict.decided",
                                               f"conflict:{second}", "served, rightly")]
    decided = admin.get("/api/v1/admin/conflicts?status=decided").get_json()["conflicts"]
    assert [(c["id"], c["decision"]["by"]) for c in decided] == [(second, "siti")]
    page = admin.get("/admin/conflicts").get_data(as_text=True)
    assert f'id="conflict-{first}"' in page and f'id="conflict-{second}"' not in page


def test_a_conflict_is_described_in_the_readers_language(accounts, two_conflicts):
    """Kept as facts, worded when read: Indonesian on the page, English after the switch,
    and the viewer sees the NIK inside the sentence masked."""
    admin, viewer = accounts
    first = two_conflicts[0]
    row = admin.get("/admin/conflicts").get_data(as_text=True).split(
        f'id="conflict-{first}"')[1].split("</tr>")[0]
    assert f"NIK {WALKER} memiliki pemesanan dan tiket datang langsung pada" in row
    assert "dihitung sekali" in row and "counted once" not in row
    english = viewer.get("/api/v1/admin/conflicts", headers={"Accept-Language": "en"})
    detail = english.get_json()["conflicts"][0]["detail"]
    assert detail.startswith("NIK 3601********0001 has a booking and a walk-in ticket on ")
    assert WALKER not in detail


def test_open_a_suspension_from_a_conflict_decides_it_when_issued(accounts, two_conflicts):
    admin, _ = accounts
    first = two_conflicts[0]
    page = admin.get("/admin/conflicts").get_data(as_text=True)
    row = page.split(f'id="conflict-{first}"')[1].split("</tr>")[0]
    link = row.split('href="')[-1].split('"')[0]
    form = admin.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{WALKER}"' in form and f'name="conflict" value="{first}"' in form
    issued = post(admin, "/admin/suspensions", {"nik": WALKER, "months": "12",
                                                "starts_on": TODAY.isoformat(),
                                                "reason": "forged KTP", "conflict": first})
    assert issued.status_code == 303
    with db.connection_context():
        suspension = Suspension.get(Suspension.nik == WALKER)
    assert conflict_state(first) == ("resolved", ("suspended", "siti", "forged KTP",
                                                  suspension.id))
    assert [row[1] for row in audit_rows()] == ["suspension.issued", "conflict.decided"]


def test_suspensions_are_issued_searched_and_lifted_with_a_reason(accounts):
    admin, viewer = accounts
    form = {"nik": WALKER, "months": "5", "starts_on": TODAY.isoformat(), "reason": "forged"}
    short = post(admin, "/admin/suspensions", form)
    assert short.status_code == 422 and "6 sampai 24 bulan" in short.get_data(as_text=True)
    assert post(viewer, "/admin/suspensions", dict(form, months="24")).status_code == 403
    unsigned = post(admin, "/admin/suspensions", dict(form, months="24"), csrf=False)
    assert unsigned.status_code == 400
    with db.connection_context():
        assert Suspension.select().count() == 0
    assert post(admin, "/admin/suspensions", dict(form, months="24")).status_code == 303
    with db.connection_context():
        suspension = Suspension.get()
    assert (suspension.starts_on, suspension.ends_on) == (TODAY, date(2028, 11, 30))
    assert changes("suspension")[-1][3]["nik"] == WALKER        # every branch pulls it
    found = viewer.get(f"/api/v1/admin/suspensions?nik={WALKER}").get_json()["suspensions"]
    assert [(s["id"], s["nik"], s["state"]) for s in found] == [
        (suspension.id, "3601********0001", "active")]
    lift = f"/admin/suspensions/{suspension.id}/lift"
    assert post(admin, lift, {"reason": ""}).status_code == 422
    assert post(viewer, lift, {"reason": "appeal"}).status_code == 403
    assert post(admin, lift, {"reason": "appeal won"}).status_code == 303
    assert post(admin, lift, {"reason": "again"}).status_code == 409
    assert changes("suspension")[-1][3]["lifted"] is True
    assert audit_rows() == [("siti", "suspension.issued", f"suspension:{suspension.id}", "forged"),
                            ("siti", "suspension.lifted", f"suspension:{suspension.id}",
                             "appeal won")]
    page = admin.get(f"/admin/suspensions?nik={WALKER}").get_data(as_text=True)
    assert "appeal won" in page and "siti" in page


def test_a_booking_is_found_with_its_history_and_cancelled_by_an_admin(accounts, client,
                                                                       two_conflicts, book):
    admin, viewer = accounts
    found = admin.get("/api/v1/admin/bookings?q=srg-cancel01").get_json()["bookings"]
    steps = [step["what"] for step in found[0]["history"]]
    assert steps[0] == "created" and "checked_in" in steps and "finished" in steps
    assert "status.served" in steps and "conflict" in steps
    details = {step["what"]: step["detail"] for step in found[0]["history"]}
    assert details["created"].endswith(", 10.00 WIB")                 # as Indonesians write
    assert details["finished"].startswith("B001: Paspor terbit") and "Pemesanan SRG-CANCEL01 dibatalkan" \
        in details["conflict"]
    created = book(date=TUESDAY.isoformat(), nik=nik(9)).get_json()
    by_nik = viewer.get(f"/api/v1/admin/bookings?q={nik(9)}").get_json()["bookings"]
    assert [(b["code"], b["nik"]) for b in by_nik] == [(created["code"], "3601********0009")]
    path = f"/admin/bookings/{created['code']}/cancel"
    assert post(viewer, path, {"reason": "duplicate"}).status_code == 403
    assert post(admin, path, {"reason": ""}).status_code == 422
    assert post(admin, path, {"reason": "duplicate"}, csrf=False).status_code == 400
    assert post(admin, path, {"reason": "applicant asked by phone"}).status_code == 303
    with db.connection_context():
        assert Booking.get(Booking.code == created["code"]).status == "cancelled"
    assert changes("booking")[-1][3]["status"] == "cancelled"
    assert post(admin, path, {"reason": "again"}).status_code == 409
    assert post(admin, "/admin/bookings/SRG-CANCEL01/cancel",
                {"reason": "x"}).status_code == 409
    assert audit_rows("booking.cancelled") == [("siti", "booking.cancelled",
                                                f"booking:{created['code']}",
                                                "applicant asked by phone")]
    page = admin.get(f"/admin/bookings?q={created['code']}").get_data(as_text=True)
    assert "Dibatalkan oleh admin" in page and "applicant asked by phone" in page
