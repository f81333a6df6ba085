"""The booking site in a real browser on a phone: Debian's Chromium (Playwright), a 360 x 740
touch screen, JavaScript switched off (no page needs it), central under gunicorn on a temp
SQLite file. Book, see the QR, look up from another phone, move, cancel; every refusal in
Indonesian; each page at most 100 KB in all and nothing from another host.

One Chromium and one server for the module; the clock is the real one, so the days are
found in the calendar as an applicant finds them.
"""
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "java_script_enabled": False, "device_scale_factor": 2}
NIK, SUSPENDED, KOTA_SERANG = "3601011708600001", "3602014101900002", "3673015705950002"
MAX_PAGE_BYTES = 100 * 1024
SCREENSHOTS = Path(os.environ.get("ANTREAN_SCREENSHOTS", "/tmp"))

pytestmark = pytest.mark.browser


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_cli(env, *args):
    subprocess.run([str(BIN / "flask"), "--app", "central", *args], env=env, cwd=ROOT,
                   check=True, capture_output=True, text=True, timeout=60)


def wait_until_up(url, proc):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:      # refused, or a worker still starting
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in 30 s")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Central under gunicorn with SRG, CLG and TNG (2 places a day, 1 an hour); its URL."""
    folder = tmp_path_factory.mktemp("site")
    env = dict(os.environ, ANTREAN_DATABASE_URL=f"sqlite:///{folder / 'central.db'}",
               ANTREAN_RATELIMIT_ENABLED="false")      # one address books many times here
    flask_cli(env, "init-db")
    flask_cli(env, "demo-data")
    flask_cli(env, "office", "add", "TNG", "--name", "Kantor Imigrasi Tangerang",
              "--quota", "2", "--slot-capacity", "1", "--open-days", "1,2,3,4,5,6,7")
    flask_cli(env, "suspend", SUSPENDED, "--months", "12", "--reason", "forged letter")
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--preload", "-w", "2", "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning",
                             "central:create_app()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/v1/health", proc)
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


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(**PHONE)
    yield context.new_page()
    context.close()


def first_open_day(page, skip=0):
    """Click the calendar's first open day (after `skip` of them)."""
    page.locator("table.calendar td.open a").nth(skip).click()


def book(page, site, office_name="Kantor Imigrasi Serang", purpose="Paspor umum", nik=NIK,
         skip_days=0):
    page.goto(site)
    page.get_by_label(office_name).check()
    page.get_by_label(purpose).check()
    page.get_by_role("button", name="Lihat hari yang tersedia").click()
    first_open_day(page, skip_days)
    page.get_by_role("link", name="Pilih").first.click()
    page.fill("#nik", nik)
    page.fill("#name", "Siti Aminah")
    page.get_by_role("button", name="Booking tempat ini").click()


def test_book_see_the_qr_look_up_move_and_cancel(site, chromium, phone):
    book(phone, site)
    assert phone.locator(".message.ok").inner_text().startswith("Tempat Anda sudah dipesan")
    code = phone.locator("#booking-code").inner_text()
    qr = phone.locator("#pass-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["height"] >= 200           # large enough to scan
    assert phone.locator("#booking-status").inner_text() == "Status: aktif"
    phone.screenshot(path=str(SCREENSHOTS / "antrean-site-booking.png"), full_page=True)
    phone.emulate_media(media="print")
    assert not phone.get_by_role("button", name="Batalkan booking").is_visible()
    assert qr.is_visible()                                         # printable with the pass
    phone.emulate_media(media="screen")

    other = chromium.new_context(**PHONE).new_page()               # another phone: code + NIK
    other.goto(f"{site}/booking/{code}")
    assert other.url.endswith(f"/booking-saya?code={code}")
    other.fill("#nik", NIK)
    other.get_by_role("button", name="Cari booking saya").click()
    assert other.locator("#booking-code").inner_text() == code
    before = other.locator(".summary dd").nth(2).inner_text()      # the day
    other.get_by_role("link", name="Pindah ke hari atau jam lain").click()
    first_open_day(other, skip=1)
    other.get_by_role("button", name="Pindah ke sini").last.click()
    assert "sudah dipindahkan" in other.locator(".message.ok").inner_text()
    assert other.locator(".summary dd").nth(2).inner_text() != before
    other.get_by_label("Ya, batalkan booking ini").check()
    other.get_by_role("button", name="Batalkan booking").click()
    assert other.locator("#booking-status").inner_text() == "Status: dibatalkan"
    assert other.locator("#pass-qr").count() == 0
    other.context.close()


def test_each_refusal_is_said_in_indonesian_next_to_its_field(site, phone):
    book(phone, site, nik="36010117086")
    assert phone.locator("#nik-error").inner_text() == ("NIK terdiri dari 16 angka; NIK ini "
                                                        "berisi 11 angka.")
    assert phone.locator("#name").input_value() == "Siti Aminah"    # kept as typed
    book(phone, site, nik=SUSPENDED)
    assert "ditangguhkan dari layanan paspor sampai" in phone.locator("#nik-error").inner_text()
    book(phone, site, purpose="Ibadah haji", nik=KOTA_SERANG)
    assert "dilayani oleh Kantor Imigrasi Cilegon" in phone.locator("#nik-error").inner_text()
    phone.get_by_role("link", name="Booking di Kantor Imigrasi Cilegon").click()
    assert phone.locator("h1").inner_text() == "Pilih hari"          # CLG's calendar, offered

    book(phone, site, nik="3601011708600009")
    code = phone.locator("#booking-code").inner_text()
    book(phone, site, nik="3601011708600009", skip_days=1)
    assert "sudah memiliki booking aktif" in phone.locator("#nik-error").inner_text()
    assert code not in phone.content()          # a NIK alone does not get the code
    phone.get_by_role("link", name="Buka booking saya untuk memindahkan atau "
                                   "membatalkannya").click()
    assert phone.locator("#code").input_value() == ""       # the code is for them to give


def test_a_full_slot_and_a_full_day_are_said_above_the_form(site, phone):
    """Someone else takes the place while the applicant is filling in the form."""
    def open_form(hour_index):
        phone.goto(f"{site}/pesan/TNG")
        first_open_day(phone, skip=1)        # not today: its later hours may be few
        phone.get_by_role("link", name="Pilih").nth(hour_index).click()
        _, _, office, day, hour = urlsplit(phone.url).path.split("/")
        return day, int(hour)

    def taken_by_someone_else(day, hour, serial):
        answer = requests.post(f"{site}/api/v1/bookings", json={
            "office": "TNG", "date": day, "hour": hour, "nik": f"36010117086000{serial}",
            "name": "Orang lain", "purpose": "general"}, timeout=10)
        assert answer.status_code == 201, answer.text

    def submit():
        phone.fill("#nik", "3601011708600022")
        phone.fill("#name", "Budi Santoso")
        phone.get_by_role("button", name="Booking tempat ini").click()

    day, hour = open_form(0)
    taken_by_someone_else(day, hour, 41)
    submit()
    assert "sudah penuh; silakan pilih jam lain" in phone.locator("#slot-error").inner_text()
    day, hour = open_form(0)                                 # the next free hour that day
    taken_by_someone_else(day, hour + 1, 42)                 # the day's second and last place
    submit()
    assert "Semua 2 kuota online" in phone.locator("#slot-error").inner_text()


PAGES = ["/", "/pesan/SRG?purpose=hajj", "/booking-saya", "/tidak-ada"]


def test_every_page_weighs_at_most_100_kb_and_loads_nothing_from_elsewhere(site, phone):
    sizes, hosts = {}, set()
    phone.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    phone.on("requestfinished", lambda request: sizes.__setitem__(
        request.url, request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]))
    weights = {}
    visits = PAGES + ["book"]
    for page in visits:
        sizes.clear()
        if page == "book":
            book(phone, site, nik="3601011708600031", skip_days=2)   # ends on the booking + QR
        else:
            phone.goto(f"{site}{page}")
        phone.wait_for_load_state("networkidle")
        weights[page] = sum(sizes.values())
    assert hosts == {urlsplit(site).netloc}, hosts
    assert all(0 < weight <= MAX_PAGE_BYTES for weight in weights.values()), weights
    print("page weights (bytes, all responses):", weights)
