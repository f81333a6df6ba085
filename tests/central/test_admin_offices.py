"""Offices in the console: settings and closed dates. A closed date refuses bookings and
the booking answer says why; every change reaches the branches through the change log."""
import pytest
from admin_support import audit_rows, log_in, make_account, post
from central_support import TUESDAY, changes

from central.db import db
from central.models import ClosedDate, Office

SETTINGS = {"name": "Kantor Imigrasi Serang", "timezone": "Asia/Jakarta", "daily_quota": "160",
            "slot_capacity": "25", "booking_window_days": "30", "hajj_regencies": "3601,3602",
            "open_days": ["1", "2", "3", "4", "5", "6"], "slot_hours": ["8", "9", "10"],
            "address": "Jl. Bhayangkara No. 1, Serang", "reason": "Saturday service"}


@pytest.fixture
def accounts(app):
    make_account("siti", "admin")
    make_account("vera", "viewer")
    admin, viewer = app.test_client(), app.test_client()
    log_in(admin, "siti")
    log_in(viewer, "vera")
    return admin, viewer


def srg():
    with db.connection_context():
        return Office.get(Office.code == "SRG")


def test_an_admin_changes_an_offices_settings_and_the_branch_is_told(accounts):
    admin, viewer = accounts
    assert post(viewer, "/admin/offices/SRG", SETTINGS).status_code == 403
    bad = post(admin, "/admin/offices/SRG", dict(SETTINGS, daily_quota="lots"))
    assert bad.status_code == 422 and "bilangan bulat" in bad.get_data(as_text=True)
    assert post(admin, "/admin/offices/SRG", dict(SETTINGS, slot_hours=[])).status_code == 422
    assert srg().daily_quota == 140
    assert post(admin, "/admin/offices/SRG", SETTINGS).status_code == 303
    office = srg()
    assert (office.daily_quota, office.slot_capacity, office.open_days, office.slot_hours) == (
        160, 25, "1,2,3,4,5,6", "8,9,10")
    assert office.address == "Jl. Bhayangkara No. 1, Serang"
    kind, key, where, payload = changes("office")[-1]
    assert (key, where, payload["daily_quota"], payload["slot_hours"]) == ("SRG", "SRG", 160,
                                                                           [8, 9, 10])
    assert audit_rows("office.updated") == [("siti", "office.updated", "office:SRG",
                                             "Saturday service")]
    page = admin.get("/admin/offices/SRG").get_data(as_text=True)
    assert 'value="160"' in page and "Pengaturan SRG disimpan" in page
    assert post(admin, "/admin/offices/SRG", SETTINGS).status_code == 303   # unchanged:
    assert len(audit_rows("office.updated")) == 1                           # no entry
    assert "disabled" in viewer.get("/admin/offices/SRG").get_data(as_text=True)


def test_a_national_holiday_refuses_bookings_everywhere_and_says_why(accounts, book, client):
    admin, viewer = accounts
    holiday = {"day": TUESDAY.isoformat(), "kind": "national_holiday",
               "name": "Hari Raya Idul Fitri", "office": ""}
    assert post(viewer, "/admin/closed-dates", holiday).status_code == 403
    assert book().status_code == 201 and book(nik="3601011708600002").status_code == 201
    before = len(changes("office"))
    assert post(admin, "/admin/closed-dates", holiday).status_code == 303
    refused = book(nik="3601011708600003", language="id")
    assert refused.status_code == 422
    assert "tutup pada Selasa, 1 Desember 2026: Hari Raya Idul Fitri" in (
        refused.get_json()["fields"]["date"])
    clg = book(office="CLG", nik="3673015705950002", purpose="general")
    assert clg.status_code == 422
    slots = client.get(f"/api/v1/offices/SRG/slots?date={TUESDAY}").get_json()
    assert slots["bookable"] is False
    told = changes("office")[before:]
    assert sorted(key for _, key, _, _ in told) == ["CLG", "SRG"]
    assert told[0][3]["closed_dates"] == [{"date": TUESDAY.isoformat(), "kind": "national_holiday",
                                          "name": "Hari Raya Idul Fitri", "every_office": True}]
    again = post(admin, "/admin/closed-dates", holiday)
    assert again.status_code == 409
    with db.connection_context():
        row = ClosedDate.get()
    path = f"/admin/closed-dates/{row.id}/remove"
    assert post(admin, path, {"reason": ""}).status_code == 422
    assert post(admin, path, {"reason": "moved by decree"}).status_code == 303
    assert book(nik="3601011708600003").status_code == 201
    assert [r[1:] for r in audit_rows() if r[1].startswith("closed_date")] == [
        ("closed_date.added", f"closed_date:{row.id}", ""),
        ("closed_date.removed", f"closed_date:{row.id}", "moved by decree")]


def test_an_office_closure_closes_that_office_only(accounts, book):
    admin, _ = accounts
    closure = {"day": TUESDAY.isoformat(), "kind": "office_closure",
               "name": "Renovasi gedung", "office": "SRG"}
    assert post(admin, "/admin/closed-dates", closure).status_code == 303
    assert book().status_code == 422
    assert book(office="CLG", nik="3673015705950002").status_code == 201
    assert post(admin, "/admin/closed-dates", dict(closure, office="XXX")).status_code == 404
    assert post(admin, "/admin/closed-dates", dict(closure, day="1 Des")).status_code == 422
