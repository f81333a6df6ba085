"""The pilgrim list: importing the ministry's CSV (bad lines reported by number and reason,
good ones imported, the same file again changing nothing) and the mismatch report with
its marks."""
import io
import json

import pytest
from admin_support import Events, audit_rows, csrf_of, log_in, make_account, post, push
from central_support import TODAY, TUESDAY, nik

from central.admin.models import ManifestEntry, ManifestImport, MismatchMark
from central.db import db
from central.models import Booking, Office, Suspension
from central.tokens import issue_token

HEADER = "nik;nama;tanggal_lahir;kode_kabupaten;nomor_porsi;tahun_berangkat\n"
GOOD = [f"{nik(1)};Siti Aminah;1990-01-01;3601;1100000001;2027",
        f"{nik(2)};BUDI  santoso;01-01-1990;3601;1100000002;2027",
        f"{nik(3, '3602')};Ahmad Fauzi;1985-06-15;3602;1100000003;2028"]
BAD = ["3601010101900000;Nol Serial;1990-01-01;3601;1100000009;2027",      # line 5
       f"{nik(4)};Tanpa Tanggal;31-02-1990;3601;1100000004;2027",           # line 6
       f"{nik(1)};Siti Lagi;1990-01-01;3601;1100000005;2027",               # line 7
       f"{nik(5)};Kode Salah;1990-01-01;9999;1100000006;2027",              # line 8
       f"{nik(6)};Kurang Kolom;1990-01-01",                                 # line 9
       f"{nik(7)};Tahun Salah;1990-01-01;3601;1100000007;1999"]             # line 10
FILE = (HEADER + "\n".join(GOOD + BAD) + "\n").encode()


@pytest.fixture
def accounts(app):
    make_account("siti", "admin")
    make_account("vera", "viewer")
    admin, viewer = app.test_client(), app.test_client()
    log_in(admin, "siti")
    log_in(viewer, "vera")
    return admin, viewer


def upload(client, content, name="jemaah.csv", csrf=True):
    data = {"file": (io.BytesIO(content), name)}
    if csrf:
        data["csrf_token"] = csrf_of(client, "/admin/manifest")
    return client.post("/admin/manifest/import", data=data, content_type="multipart/form-data")


def entries():
    with db.connection_context():
        return {e.nik: (e.name, e.birth_date.isoformat(), e.regency, e.porsi, e.departure_year,
                        e.import_id, e.updated_at) for e in ManifestEntry.select()}


def test_bad_lines_are_reported_good_ones_imported_and_the_same_file_changes_nothing(accounts):
    admin, viewer = accounts
    assert upload(viewer, FILE).status_code == 403
    assert upload(admin, FILE, csrf=False).status_code == 400
    first = upload(admin, FILE)
    assert first.status_code == 303
    result = admin.get(first.headers["Location"]).get_data(as_text=True)
    with db.connection_context():
        record = ManifestImport.get()
    assert (record.rows, record.added, record.updated, record.unchanged, record.bad) == (
        9, 3, 0, 0, 6)
    lines = [line for line, _ in json.loads(record.errors)]
    assert lines == [5, 6, 7, 8, 9, 10]
    assert "NIK ini sudah ada di baris 2." in result and "9999" in result
    assert "bukan tahun antara 2000 dan 2100" in result
    listed = entries()
    assert listed[nik(2)][:5] == ("BUDI santoso", "1990-01-01", "3601", "1100000002", 2027)
    again = upload(admin, FILE)
    assert entries() == listed                              # not a value, not a timestamp
    with db.connection_context():
        second = ManifestImport.get_by_id(int(again.headers["Location"].rsplit("/", 1)[1]))
    assert (second.added, second.updated, second.unchanged, second.bad) == (0, 0, 3, 6)
    page = admin.get(again.headers["Location"]).get_data(as_text=True)
    assert "Ini berkas yang sama dengan impor 1." in page
    changed = upload(admin, FILE.replace(b"Ahmad Fauzi", b"Ahmad Fauzi Rahman"))
    assert changed.status_code == 303 and entries()[nik(3, "3602")][0] == "Ahmad Fauzi Rahman"
    assert [r[1] for r in audit_rows()] == ["manifest.imported"] * 3


def test_a_file_without_the_columns_imports_nothing_and_says_which_are_missing(accounts):
    admin, _ = accounts
    refused = upload(admin, b"nik,nama\n3601010101900001,Siti\n")
    assert refused.status_code == 422
    assert "Yang belum ada: birth_date, regency, porsi, departure_year" in refused.get_data(
        as_text=True)
    assert upload(admin, b"").status_code == 422
    with db.connection_context():
        assert ManifestImport.select().count() == 0 and ManifestEntry.select().count() == 0


def test_a_large_list_may_exceed_the_body_limit_other_forms_keep(accounts):
    admin, _ = accounts
    rows = [f"{nik(n)},Jemaah {n},1990-01-01,3601,{2000000000 + n},2027" for n in range(1, 7001)]
    big = ("nik,name,birth_date,regency_code,porsi_number,departure_year\n"
           + "\n".join(rows)).encode()
    assert len(big) > 256 * 1024
    assert upload(admin, big).status_code == 303
    assert len(entries()) == 7000
    padded = post(admin, "/admin/suspensions", {"reason": "x" * (300 * 1024)})
    assert padded.status_code == 413


@pytest.fixture
def hajj(app, client, accounts):
    """The list, and hajj bookings that match it, differ from it, or are missing from it."""
    upload(accounts[0], FILE)
    with db.connection_context():
        srg = Office.get(Office.code == "SRG")
        for code, owner, name in (("SRG-SAME0001", nik(1), "siti  AMINAH"),
                                  ("SRG-NAME0001", nik(2), "Budi Hartono"),
                                  ("SRG-MISS0001", nik(8), "Dewi Lestari"),
                                  ("SRG-BORN0001", nik(3, "3602"), "Ahmad Fauzi")):
            Booking.create(code=code, office=srg, date=TUESDAY, hour=9, nik=owner, name=name,
                           purpose="hajj")
        Booking.create(code="SRG-GENERAL1", office=srg, date=TUESDAY, hour=9, nik=nik(9),
                       name="Umum", purpose="general")
        token = issue_token("SRG")
    events = Events("SRG")
    push(client, token, "SRG", events.ticket(TODAY, "B001", nik(10), lane="booking",
                                             booking_code="SRG-SAME0001"))
    return accounts


def test_the_mismatch_report_lists_missing_names_and_birth_dates(hajj):
    admin, viewer = hajj
    page = viewer.get("/admin/manifest/mismatches").get_data(as_text=True)
    keys = [part.split('"')[0] for part in page.split('data-key="')[1:]]
    assert keys == ["booking:SRG-BORN0001", "booking:SRG-MISS0001", "booking:SRG-NAME0001",
                    f"ticket:SRG/{TODAY}/B001"]
    row = page.split('data-key="booking:SRG-NAME0001"')[1].split("</tr>")[0]
    assert "Nama berbeda" in row and "BUDI santoso" in row and "3601********0002" in row
    assert "NIK tidak ada dalam daftar jemaah" in page.split('data-key="booking:SRG-MISS0001"')[1]
    assert "Tanggal lahir berbeda" in page.split('data-key="booking:SRG-BORN0001"')[1]


def test_marking_corrected_or_suspected_which_opens_the_suspension_form(hajj):
    admin, viewer = hajj
    mark = "/admin/manifest/mismatches/mark"
    assert post(viewer, mark, {"key": "booking:SRG-NAME0001",
                               "decision": "corrected"}).status_code == 403
    assert post(admin, mark, {"key": "booking:SRG-NAME0001", "decision": "corrected",
                              "note": "name fixed by phone"}).status_code == 303
    assert post(admin, mark, {"key": "booking:SRG-NAME0001",
                              "decision": "corrected"}).status_code == 409
    assert post(admin, mark, {"key": "booking:SRG-SAME0001",
                              "decision": "corrected"}).status_code == 404
    suspected = post(admin, mark, {"key": "booking:SRG-MISS0001", "decision": "suspected"})
    assert suspected.status_code == 303
    form = admin.get(suspected.headers["Location"]).get_data(as_text=True)
    assert f'value="{nik(8)}"' in form and 'value="booking:SRG-MISS0001"' in form
    assert "Dugaan pemalsuan data haji (SRG-MISS0001" in form
    issued = post(admin, "/admin/suspensions", {"nik": nik(8), "months": "24",
                                                "starts_on": TODAY.isoformat(),
                                                "reason": "Dugaan pemalsuan",
                                                "mismatch": "booking:SRG-MISS0001"})
    assert issued.status_code == 303
    with db.connection_context():
        marks = {m.key: (m.decision, m.actor, m.suspension_id) for m in MismatchMark.select()}
        suspension = Suspension.get(Suspension.nik == nik(8))
    assert marks == {"booking:SRG-NAME0001": ("corrected", "siti", None),
                     "booking:SRG-MISS0001": ("suspected", "siti", suspension.id)}
    open_page = admin.get("/admin/manifest/mismatches").get_data(as_text=True)
    assert "SRG-NAME0001" not in open_page and "SRG-BORN0001" in open_page
    marked = admin.get("/admin/manifest/mismatches?status=marked").get_data(as_text=True)
    assert f"Penangguhan #{suspension.id}" in marked
    assert [r[1:3] for r in audit_rows() if r[1] == "mismatch.marked"] == [
        ("mismatch.marked", "mismatch:booking:SRG-NAME0001"),
        ("mismatch.marked", "mismatch:booking:SRG-MISS0001")]
