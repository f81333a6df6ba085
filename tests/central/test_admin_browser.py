"""The admin console in a real browser: Debian's Chromium (Playwright) against central under
gunicorn on a temp SQLite file. Log in, read Network today, open Passports by regency,
download the CSV, decide a conflict, import the pilgrim list with its progress bar; no
page breaks the Content-Security-Policy (no inline script or style) or loads from
another host. One Chromium and one server for the module.
"""
import csv
import io
import os
import subprocess
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from test_site_browser import (BIN, CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, flask_cli,
                               free_port, wait_until_up)

PASSWORD = "browser admin password"
TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()

pytestmark = pytest.mark.browser


def events(today):
    """Two passports (Pandeglang, Lebak), and a check-in with a code central does not know."""
    seq, out = 0, []

    def event(kind, **payload):
        nonlocal seq
        seq += 1
        out.append({"id": str(uuid.uuid4()), "seq": seq, "office": "SRG",
                    "day": today.isoformat(), "kind": kind, "schema_version": 1,
                    "payload": payload, "created_at": f"{today.isoformat()}T02:00:00"})
    for number, nik in (("A001", "3601011708600001"), ("A002", "3602014101900002")):
        event("ticket_issued", ticket=number, lane="general", nik=nik, regency=nik[:4])
        event("ticket_called", ticket=number, counter="1")
        event("ticket_finished", ticket=number, counter="1", outcome="passport_issued",
              regency=nik[:4])
    event("ticket_issued", ticket="B001", lane="booking", nik="3673015705950002",
          regency="3673", booking_code="SRG-NOSUCH99")
    event("booking_checked_in", ticket="B001", booking_code="SRG-NOSUCH99",
          nik="3673015705950002", verified=False)
    return out


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """Central under gunicorn, an admin account, SRG's events pushed; its base URL."""
    folder = tmp_path_factory.mktemp("console")
    env = dict(os.environ, ANTREAN_DATABASE_URL=f"sqlite:///{folder / 'central.db'}")
    flask_cli(env, "init-db")
    flask_cli(env, "demo-data")
    subprocess.run([str(BIN / "flask"), "--app", "central", "admin", "add", "siti", "--role",
                    "admin"], input=PASSWORD + "\n", env=env, cwd=ROOT, check=True,
                   capture_output=True, text=True, timeout=60)
    token = subprocess.run([str(BIN / "flask"), "--app", "central", "office", "token", "SRG"],
                           env=env, cwd=ROOT, check=True, capture_output=True, text=True,
                           timeout=60).stdout.strip()
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--preload", "-w", "2", "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning",
                             "central:create_app()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/v1/health", proc)
        pushed = requests.post(f"{base}/api/v1/sync/push", timeout=10,
                               headers={"Authorization": f"Bearer {token}"},
                               json={"office": "SRG", "backlog": 0, "events": events(TODAY)})
        assert pushed.status_code == 200, pushed.text
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"!!! {CHROMIUM} is missing: the browser tests cannot run. "
                    "Install it with `make browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(chromium, console):
    """A laptop-sized page, logged in; what the console wrote as errors is collected."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900},
                                   accept_downloads=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and page.console_errors.append(
        f"{r.status} {r.url}"))
    page.on("request", lambda r: r.url.startswith(console) or page.console_errors.append(
        f"outside request: {r.url}"))
    page.goto(f"{console}/admin/")
    assert "/admin/login" in page.url
    page.fill("#username", "siti")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    yield page
    context.close()


def test_log_in_and_read_network_today(page, console):
    assert page.url == f"{console}/admin/"
    assert page.locator("h1").inner_text() == "Jaringan hari ini"
    srg = page.locator('tr[data-office="SRG"]')
    cells = srg.locator("td").all_inner_texts()
    assert cells[:2] == ["0 / 140", "1"] and cells[7] == "2"     # checked in; passports
    assert "senyap" in page.locator('tr[data-office="CLG"]').inner_text()   # never heard of
    page.screenshot(path=str(SCREENSHOTS / "antrean-admin-network.png"), full_page=True)
    assert page.console_errors == []


def test_passports_by_regency_charts_and_the_csv_download(page, console):
    page.get_by_role("link", name="Paspor per kabupaten/kota").click()
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart rect.bar").count() >= 2
    rows = page.locator("#passport-rows tbody tr").all_inner_texts()
    assert len(rows) == 2 and "Kab. Pandeglang" in rows[0] and "Kab. Lebak" in rows[1]
    page.screenshot(path=str(SCREENSHOTS / "antrean-admin-passports.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#csv").click()
    content = open(download.value.path(), encoding="utf-8").read()
    table = list(csv.reader(io.StringIO(content)))
    assert table[0][:5] == ["office_code", "office_name", "regency_code", "regency_name",
                            "passports_issued"]
    assert [r[:5] for r in table[1:]] == [
        ["SRG", "Kantor Imigrasi Serang", "3601", "Kab. Pandeglang", "1"],
        ["SRG", "Kantor Imigrasi Serang", "3602", "Kab. Lebak", "1"]]
    assert page.console_errors == []


def test_decide_a_conflict(page, console):
    page.get_by_role("link", name="Konflik").click()
    row = page.locator("#conflict-list tbody tr").first
    assert "SRG-NOSUCH99" in row.inner_text()
    row.get_by_label("Keputusan").select_option("data_error")
    row.get_by_label("Catatan").fill("kode salah ketik di kios")
    row.get_by_role("button", name="Putuskan").click()
    assert "diputuskan: Tandai sebagai kesalahan data" in page.locator(".message.ok").inner_text()
    assert page.locator("#conflict-list").count() == 0        # nothing waits any more
    page.get_by_label("Tampilkan").first.select_option("decided")
    page.get_by_role("button", name="Tampilkan").click()
    decided = page.locator("#conflict-list tbody tr").first.inner_text()
    assert "kode salah ketik di kios" in decided and "oleh siti" in decided
    assert page.console_errors == []


def test_import_the_pilgrim_list_with_a_progress_bar(page, console, tmp_path):
    lines = ["nik;nama;tanggal_lahir;kode_kabupaten;nomor_porsi;tahun_berangkat"]
    lines += [f"360101010190{n:04d};Jemaah {n};1990-01-01;3601;{3000000000 + n};2027"
              for n in range(1, 5001)]
    lines.append("bukan-nik;Salah;1990-01-01;3601;1;2027")
    path = tmp_path / "jemaah.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.get_by_role("link", name="Daftar jemaah").click()
    page.set_input_files("#file", str(path))
    with page.expect_request(f"{console}/admin/manifest/import") as sent:
        page.get_by_role("button", name="Impor").click()
    assert sent.value.resource_type == "xhr"        # manifest.js sent it, with its progress
    assert page.locator("#manifest-progress").is_visible()
    page.wait_for_url(f"{console}/admin/manifest/imports/*")
    assert page.locator("#added").inner_text() == "5.000"
    assert page.locator("#bad").inner_text() == "1"
    assert "5002" in page.locator("#import-errors").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "antrean-admin-import.png"), full_page=True)
    assert page.console_errors == []
