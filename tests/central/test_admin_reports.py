"""The console's reports against known events: Network today, Office day, Passports by
regency (page, CSV, JSON). Some events arrive late, after an outage, out of order, and
re-sent: every figure must still equal what the events received say."""
import csv
import io
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from admin_support import Events, log_in, make_account, push
from central_support import nik

from central.db import db
from central.merged import OfficeSync, ReceivedEvent
from central.models import Booking, Office
from central.tokens import issue_token



@pytest.fixture
def network(app, client, clock):
    """SRG and CLG with bookings and pushed events; their sync tokens."""
    # Central notes when a branch was last heard from by the real clock: so does this test.
    clock.now = datetime.now(timezone.utc).replace(microsecond=0)
    TODAY = clock.now.astimezone(ZoneInfo("Asia/Jakarta")).date()
    YESTERDAY = TODAY - timedelta(days=1)
    with db.connection_context():
        tokens = {code: issue_token(code) for code in ("SRG", "CLG")}
        srg = Office.get(Office.code == "SRG")
        for code, status, owner in (("SRG-CHECKIN1", "booked", nik(4, "3602")),
                                    ("SRG-WAITING1", "booked", nik(41)),
                                    ("SRG-CANCELD1", "cancelled", nik(42))):
            Booking.create(code=code, office=srg, date=TODAY, hour=9, nik=owner,
                           name="Siti", purpose="general", status=status)
    srg, clg = Events("SRG"), Events("CLG")
    morning = (srg.ticket(TODAY, "A001", nik(1, "3601"))
               + srg.ticket(TODAY, "A002", nik(2, "3602"), outcome="rejected")
               + srg.ticket(TODAY, "P001", nik(3, "3601"), lane="priority", reason="elderly")
               + srg.ticket(TODAY, "B001", nik(4, "3602"), lane="booking",
                            booking_code="SRG-CHECKIN1")
               + [srg("booking_checked_in", TODAY, ticket="B001", booking_code="SRG-CHECKIN1",
                      nik=nik(4, "3602"), verified=True)]
               + srg.ticket(TODAY, "A003", nik(5, "3601"), outcome="no_show")
               + srg.ticket(TODAY, "A004", nik(6, "3673"), outcome=None, beyond_quota=True,
                            staff="supervisor1")
               + [srg("suspended_refused", TODAY, nik=nik(7, "3601"),
                      suspension_ends_on="2028-01-01")])
    # After an outage: yesterday's events (the branch was offline), today's A005 with its
    # finish before its issue, and A004's finish.
    late = (srg.ticket(YESTERDAY, "A001", nik(8, "3601"))
            + srg.ticket(YESTERDAY, "A002", nik(9, "3601"))
            + srg.ticket(YESTERDAY, "A003", nik(10, "3602"))
            + srg.ticket(YESTERDAY, "P001", nik(11, "3602"), lane="priority",
                         outcome="incomplete_documents")
            + list(reversed(srg.ticket(TODAY, "A005", nik(12, "3602"))))
            + [srg("ticket_finished", TODAY, ticket="A004", counter="1",
                   outcome="passport_issued", regency="3673")])
    push(client, tokens["SRG"], "SRG", morning, backlog=len(late))
    push(client, tokens["SRG"], "SRG", late)
    assert push(client, tokens["SRG"], "SRG", morning)["duplicates"] == len(morning)
    push(client, tokens["CLG"], "CLG", clg.ticket(TODAY, "A001", nik(13, "3673")))
    make_account("vera", "viewer")
    log_in(client, "vera")
    return SimpleNamespace(tokens=tokens, now=clock.now, today=TODAY, yesterday=YESTERDAY)


def figures_from_events(office, day):
    """Passports by regency, counted straight from the stored events (not the tallies)."""
    with db.connection_context():
        events = ReceivedEvent.select().where(ReceivedEvent.office == office,
                                              ReceivedEvent.day == day,
                                              ReceivedEvent.kind == "ticket_finished")
        payloads = [json.loads(e.payload) for e in events]
    return Counter(p["regency"] for p in payloads if p["outcome"] == "passport_issued")


def test_network_today_counts_each_office_on_its_day(client, network):
    rows = {r["office"]: r for r in client.get("/api/v1/admin/network").get_json()["offices"]}
    srg = rows["SRG"]
    assert {k: srg[k] for k in ("day", "booked", "quota", "tickets", "check_ins",
                                "walk_ins_general", "walk_ins_priority", "served", "no_shows",
                                "beyond_quota", "passports", "refusals")} == {
        "day": network.today.isoformat(), "booked": 2, "quota": 140, "tickets": 7, "check_ins": 1,
        "walk_ins_general": 5, "walk_ins_priority": 1, "served": 6, "no_shows": 1,
        "beyond_quota": 1, "passports": 5, "refusals": 1}
    assert srg["passports"] == sum(figures_from_events("SRG", network.today).values())
    assert (srg["backlog"], srg["silent"], srg["minutes_since_seen"]) == (0, False, 0)
    assert (rows["CLG"]["tickets"], rows["CLG"]["passports"], rows["CLG"]["booked"]) == (1, 1, 0)
    totals = client.get("/api/v1/admin/network").get_json()["totals"]
    assert (totals["passports"], totals["served"], totals["quota"]) == (6, 7, 280)
    page = client.get("/admin/").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="60">' in page
    assert 'data-office="SRG"' in page and "2 / 140" in page


def test_a_silent_branch_and_a_failed_reconcile_stand_out(client, network):
    with db.connection_context():
        seen = network.now.replace(tzinfo=None) - timedelta(minutes=61)
        OfficeSync.update(last_seen_at=seen).where(OfficeSync.office == "CLG").execute()
    srg_token = {"Authorization": f"Bearer {network.tokens['SRG']}"}
    client.post("/api/v1/sync/report", headers=srg_token,
                json={"ok": False, "reconciled": False, "error": "reconcile: 1 day(s) still "
                      "differ", "clock_drift": 400})
    rows = {r["office"]: r for r in client.get("/api/v1/admin/network").get_json()["offices"]}
    assert (rows["CLG"]["silent"], rows["CLG"]["minutes_since_seen"]) == (True, 61)
    assert (rows["SRG"]["silent"], rows["SRG"]["reconcile_failed"], rows["SRG"]["clock_off"]) == (
        False, True, True)
    page = client.get("/admin/").get_data(as_text=True)
    srg_row = page.split('data-office="SRG"')[1].split("</tr>")[0]
    clg_row = page.split('data-office="CLG"')[1].split("</tr>")[0]
    assert "rekonsiliasi gagal" in srg_row and "7 menit lebih lambat" in srg_row
    assert "senyap" in clg_row and "1 jam lalu" in clg_row
    assert 'class="attention"' in page.split('data-office="CLG"')[0].rsplit("<tr", 1)[1] + "\""


def test_office_day_shows_tickets_searchable_by_number_or_nik_and_refusals(client, network):
    day = client.get(f"/api/v1/admin/office-day?office=SRG&day={network.yesterday}").get_json()
    assert (day["tickets"], day["served"], day["passports"], day["people"]) == (4, 4, 3, 4)
    assert day["passports_by_regency"] == {"3601": 2, "3602": 1}
    assert day["passports_by_regency"] == figures_from_events("SRG", network.yesterday)
    today = client.get("/api/v1/admin/office-day?office=srg").get_json()
    assert today["passports_by_regency"] == figures_from_events("SRG", network.today) == {
        "3601": 2, "3602": 2, "3673": 1}
    assert [t["number"] for t in today["ticket_list"]] == ["A001", "A002", "A003", "A004", "A005",
                                                      "B001", "P001"]
    assert today["refusal_list"] == [{"nik": "3601********0007",
                                      "suspension_ends_on": "2028-01-01"}]
    by_nik = client.get(f"/api/v1/admin/office-day?office=SRG&q={nik(12, '3602')}").get_json()
    assert [(t["number"], t["status"], t["nik"]) for t in by_nik["ticket_list"]] == [
        ("A005", "done", "3602********0012")]      # a viewer sees NIKs masked
    by_number = client.get("/admin/office-day?office=SRG&q=b00").get_data(as_text=True)
    assert "SRG-CHECKIN1" in by_number and "A001" not in by_number.split('id="ticket-list"')[1]
    assert "3601********0007" in by_number and nik(7, "3601") not in by_number


def test_passports_by_regency_page_json_and_csv_agree_with_the_events(client, network):
    query = f"from={network.yesterday}&to={network.today}"
    report = client.get(f"/api/v1/admin/passports?{query}").get_json()
    assert [(r["office"], r["regency"], r["passports"]) for r in report["rows"]] == [
        ("CLG", "3673", 1), ("SRG", "3601", 4), ("SRG", "3602", 3), ("SRG", "3673", 1)]
    expected = (figures_from_events("SRG", network.today)
                + figures_from_events("SRG", network.yesterday)
                + figures_from_events("CLG", network.today))
    assert report["by_regency"] == dict(expected) and report["total"] == 9
    assert report["by_day"] == {network.yesterday.isoformat(): 3, network.today.isoformat(): 6}
    only = client.get(f"/api/v1/admin/passports?{query}&office=SRG&regency=3602").get_json()
    assert (only["total"], only["by_day"][network.today.isoformat()]) == (3, 2)
    response = client.get(f"/admin/reports/passports.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["office_code", "office_name", "regency_code", "regency_name",
                       "passports_issued", "from", "to"]
    assert [r[:5] for r in rows[1:]] == [
        ["CLG", "Kantor Imigrasi Cilegon", "3673", "Kota Serang", "1"],
        ["SRG", "Kantor Imigrasi Serang", "3601", "Kab. Pandeglang", "4"],
        ["SRG", "Kantor Imigrasi Serang", "3602", "Kab. Lebak", "3"],
        ["SRG", "Kantor Imigrasi Serang", "3673", "Kota Serang", "1"]]
    page = client.get(f"/admin/passports?{query}").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 2 and "Kab. Pandeglang: 4" in page


def test_bad_report_ranges_are_refused_with_a_message(client, network):
    backwards = client.get(f"/admin/passports?from={network.today}&to={network.yesterday}")
    assert backwards.status_code == 400
    assert "sebelum tanggal mulai" in backwards.get_data(as_text=True)
    bad = client.get("/admin/reports/passports.csv?from=30-11-2026&to=2026-11-30")
    assert bad.status_code == 400 and "bukan tanggal" in bad.get_data(as_text=True)
    api = client.get("/api/v1/admin/passports?from=2020-01-01&to=2026-01-01")
    assert api.status_code == 400 and api.get_json()["error"] == "bad_request"
    assert client.get("/api/v1/admin/passports?office=XXX").status_code == 404


def test_ranges_over_whole_months_and_loose_days_agree_with_the_events(app, client):
    """A month wholly inside a range is read from passport_month, the days around it from
    passport_tally; both must give what the events say, also when m034 builds the months
    from the days a central already holds."""
    from datetime import date

    from central.migrations import m034_passport_months
    with db.connection_context():
        token = issue_token("SRG")
    srg, days = Events("SRG"), [date(2026, 9, 28), date(2026, 9, 30), date(2026, 10, 1),
                                date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)]
    batch = []
    for n, day in enumerate(days * 2):
        batch += srg.ticket(day, f"A{n:03d}", nik(n + 1, "3601" if n % 3 else "3602"))
    push(client, token, "SRG", batch)
    make_account("vera", "viewer")
    log_in(client, "vera")

    def report(first, last):
        return client.get(f"/api/v1/admin/passports?from={first}&to={last}").get_json()

    def expected(first, last):
        counts = Counter()
        for day in days:
            if first <= day <= last:
                counts += figures_from_events("SRG", day)
        return dict(counts)
    ranges = [(date(2026, 9, 29), date(2026, 11, 1)), (date(2026, 10, 1), date(2026, 10, 31)),
              (date(2026, 9, 1), date(2026, 11, 30)), (date(2026, 10, 2), date(2026, 10, 30)),
              (date(2026, 9, 30), date(2026, 10, 31))]
    for first, last in ranges:
        got = report(first, last)
        assert {r["regency"]: r["passports"] for r in got["rows"]} == expected(first, last)
        assert got["total"] == sum(expected(first, last).values())
    with db.connection_context():
        held = db.execute_sql("SELECT office, month, regency, count FROM passport_month "
                              "ORDER BY month, regency").fetchall()
        db.execute_sql("DROP TABLE passport_month")
        m034_passport_months.up(db, None)
        rebuilt = db.execute_sql("SELECT office, month, regency, count FROM passport_month "
                                 "ORDER BY month, regency").fetchall()
    assert [tuple(map(str, r)) for r in rebuilt] == [tuple(map(str, r)) for r in held]
    assert len(held) == 5       # Sep and Oct: Pandeglang, Lebak; Nov: Pandeglang only
