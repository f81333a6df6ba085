"""Real Chromium against the branch under gunicorn: the kiosk's touch flow at portrait size
printing an 80 mm ticket, the board showing a call within 2 s, a ticket's status page.

One server and one browser for the module (each test opens its own pages). The
branch runs on a temp SQLite file with its central URL on a closed port. Chromium is
Debian's /usr/bin/chromium driven by Playwright; when it is missing the tests fail
loudly rather than skip (`make browser` installs it).
"""
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "browser-test-password"
NIK = "3604011505900001"
SCREENSHOTS = Path(os.environ.get("ANTREAN_SCREENSHOTS", "/tmp"))
PORTRAIT, LANDSCAPE, BOARD = ({"width": 1080, "height": 1920}, {"width": 1280, "height": 800},
                              {"width": 1920, "height": 1080})
MM = 96 / 25.4          # CSS pixels per millimetre
# The kiosk's own print is counted, not sent to a printer.
COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"

pytestmark = pytest.mark.browser


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_cli(*args, env):
    subprocess.run([str(BIN / "flask"), "--app", "branch", *args], env=env, cwd=ROOT,
                   check=True, capture_output=True, text=True, timeout=60)


def wait_until_up(url, proc):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:      # refused, or a worker still starting (timeout)
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in 20 s")


@pytest.fixture(scope="module")
def branch_server(tmp_path_factory):
    """The branch office SRG under gunicorn; yields its base URL."""
    folder = tmp_path_factory.mktemp("branch")
    env = dict(os.environ, ANTREAN_OFFICE="SRG",
               ANTREAN_DATABASE_URL=f"sqlite:///{folder / 'branch-srg.db'}",
               ANTREAN_CENTRAL_URL=f"http://127.0.0.1:{free_port()}",   # nobody listens
               ANTREAN_STATUS_REFRESH_SECONDS="1")
    flask_cli("init-db", env=env)
    flask_cli("demo-data", "--password", PASSWORD, env=env)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning",
                             "branch:create_app()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/v1/health", proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"!!! {CHROMIUM} is missing: the browser tests cannot run. "
                    "Install it with `make browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def tap_nik(page, digits):
    for digit in digits:
        page.locator(".step.active .keypad").get_by_role("button", name=digit,
                                                          exact=True).click()


def counter_console(browser, base, counter_name):
    page = browser.new_context().new_page()
    page.goto(f"{base}/counter")               # redirected to the login form
    page.fill("#username", "staff")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("button", name=f"Loket {counter_name}").click()
    return page


def test_kiosk_touch_flow_prints_an_80mm_ticket(branch_server, browser):
    context = browser.new_context(viewport=PORTRAIT, has_touch=True)
    context.add_init_script(COUNT_PRINTS)
    kiosk = context.new_page()
    kiosk.goto(f"{branch_server}/kiosk")
    assert kiosk.locator("html").get_attribute("lang") == "id"
    general = kiosk.get_by_role("button", name=re.compile("^Umum"))
    assert general.bounding_box()["height"] >= 180          # a finger's target, portrait
    general.tap()
    take = kiosk.get_by_role("button", name="Ambil nomor antrean").first
    expect(take).to_be_disabled()                           # 16 digits first
    tap_nik(kiosk, NIK)
    assert kiosk.locator("#nik").input_value() == NIK
    kiosk.screenshot(path=str(SCREENSHOTS / "antrean-kiosk.png"))
    take.tap()
    expect(kiosk.locator("#ticket-number")).to_have_text("A001")
    kiosk.wait_for_function("window.__prints === 1")        # it printed itself, once
    assert kiosk.locator("#ticket-ahead").inner_text() == "0"
    assert kiosk.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    kiosk.emulate_media(media="print")
    widths = kiosk.evaluate("""() => ({
        ticket: document.getElementById('ticket').getBoundingClientRect().width,
        body: document.body.getBoundingClientRect().width,
        overflow: document.body.scrollWidth,
        qr: document.querySelector('img.qr').getBoundingClientRect().width,
        done: getComputedStyle(document.querySelector('.ticket-actions')).display})""")
    assert widths["ticket"] <= 72 * MM + 1 and widths["body"] <= 72 * MM + 1, widths
    assert widths["overflow"] <= 80 * MM, widths           # nothing sticks out of the roll
    assert widths["qr"] >= 30 * MM and widths["done"] == "none", widths
    kiosk.screenshot(path=str(SCREENSHOTS / "antrean-ticket-print.png"))


def test_kiosk_refusal_in_plain_indonesian_at_1280x800(branch_server, browser):
    kiosk = browser.new_context(viewport=LANDSCAPE, has_touch=True).new_page()
    kiosk.goto(f"{branch_server}/kiosk")
    kiosk.get_by_role("button", name=re.compile("^Prioritas")).tap()
    kiosk.get_by_role("button", name=re.compile("^Lansia")).tap()
    tap_nik(kiosk, "3604011505900002")
    kiosk.get_by_role("button", name="Ambil nomor antrean").first.tap()
    message = kiosk.locator(".message.error")
    expect(message).to_contain_text("60 tahun ke atas")
    expect(message).to_contain_text("Silakan ambil nomor antrean umum")
    assert kiosk.locator("#nik").input_value() == "3604011505900002"
    assert kiosk.locator(".step.active").get_attribute("data-step") == "nik"


def test_the_board_shows_a_new_call_highlighted_within_2_seconds(branch_server, browser):
    requests.post(f"{branch_server}/api/v1/tickets", json={"lane": "general",
                                                           "nik": "3604011505900003"})
    board = browser.new_context(viewport=BOARD).new_page()
    board.goto(f"{branch_server}/board")                # opened first: it must keep current
    counter = counter_console(browser, branch_server, "2")
    before = board.locator("#counter-2").inner_text()
    counter.get_by_role("button", name="Panggil berikutnya").click()
    number = counter.locator("#current-number").inner_text()
    called_at = time.monotonic()
    expect(board.locator("#row-2")).to_have_class(re.compile("latest"), timeout=2000)
    expect(board.locator("#latest-number")).to_have_text(number, timeout=2000)
    assert time.monotonic() - called_at < 2.0
    assert board.locator("#counter-2").inner_text() == number != before
    assert "loket dua" in board.locator("body").get_attribute("data-announced")
    board.screenshot(path=str(SCREENSHOTS / "antrean-board.png"))


def test_a_tickets_status_page_follows_it_to_the_counter(branch_server, browser):
    issued = requests.post(f"{branch_server}/api/v1/tickets",
                           json={"lane": "general", "nik": "3604011505900004"}).json()
    phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    phone.goto(issued["status_url"])
    expect(phone.locator("#ticket-number")).to_have_text(issued["number"])
    expect(phone.locator("#ticket-state")).to_have_text("Menunggu")
    assert NIK not in phone.content()
    counter = counter_console(browser, branch_server, "3")
    counter.get_by_role("button", name="Panggil berikutnya").click()
    called = counter.locator("#current-number").inner_text()
    if called != issued["number"]:      # someone else's first: serve it, call again
        counter.get_by_role("button", name="Paspor terbit").click()
        counter.get_by_role("button", name="Panggil berikutnya").click()
    expect(phone.locator("#ticket-state")).to_contain_text("silakan ke loket 3", timeout=5000)


def test_the_day_summary_prints_on_one_a4_page(branch_server, browser):
    page = browser.new_context(viewport={"width": 794, "height": 1123}).new_page()   # A4
    page.goto(f"{branch_server}/supervisor/day")
    page.fill("#username", "supervisor")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#summary h1")).to_have_text("Rekap akhir hari")
    page.emulate_media(media="print")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 1123, height                   # one sheet
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).display") == "none"
