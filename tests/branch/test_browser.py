"""A real browser against a real server: kiosk ticket, counter calls it, the board shows it.

The branch runs under gunicorn (the production WSGI server) on a temp SQLite
file, with its central URL on a closed port. Chromium is Debian's
/usr/bin/chromium driven by Playwright; when it is missing the test fails
loudly rather than skipping (`make browser` installs it).
"""
import os
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
                 "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "browser-test-password"
NIK = "3604011505900001"
SCREENSHOTS = Path(os.environ.get("ANTREAN_SCREENSHOTS", "/tmp"))

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


@pytest.fixture
def branch_server(tmp_path):
    """The branch office SRG under gunicorn; yields its base URL."""
    env = dict(os.environ, ANTREAN_OFFICE="SRG",
               ANTREAN_DATABASE_URL=f"sqlite:///{tmp_path / 'branch-srg.db'}",
               ANTREAN_CENTRAL_URL=f"http://127.0.0.1:{free_port()}")  # nobody listens
    flask_cli("init-db", env=env)
    flask_cli("demo-data", "--password", PASSWORD, env=env)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "branch:create_app()"],
                            env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/v1/health", proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"!!! {CHROMIUM} is missing: the browser test cannot run. "
                    "Install it with `make browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_kiosk_ticket_is_called_at_a_counter_and_shown_on_the_board(branch_server, browser):
    board = browser.new_page(viewport={"width": 1280, "height": 720})
    board.goto(f"{branch_server}/board")                # opened first: it must refresh itself
    assert board.locator("#counter-2").inner_text() == "—"

    kiosk = browser.new_page(viewport={"width": 1080, "height": 1200})
    kiosk.goto(f"{branch_server}/kiosk")
    kiosk.fill("#nik", NIK)
    kiosk.screenshot(path=str(SCREENSHOTS / "antrean-kiosk.png"), full_page=True)
    kiosk.get_by_role("button", name="General").click()
    assert kiosk.locator("#ticket-number").inner_text() == "A001"

    counter = browser.new_context().new_page()
    counter.goto(f"{branch_server}/counter")          # redirected to the login form
    counter.fill("#username", "staff")
    counter.fill("#password", PASSWORD)
    counter.get_by_role("button", name="Log in").click()
    counter.get_by_role("button", name="Counter 2").click()
    counter.get_by_role("button", name="Call next").click()
    assert counter.locator("#current-number").inner_text() == "A001"

    expect(board.locator("#counter-2")).to_have_text("A001", timeout=15_000)
    assert board.locator("#counter-1").inner_text() == "—"
    board.screenshot(path=str(SCREENSHOTS / "antrean-board.png"))


def test_kiosk_refusal_keeps_the_number_typed(branch_server, browser):
    kiosk = browser.new_page()
    kiosk.goto(f"{branch_server}/kiosk")
    kiosk.fill("#nik", NIK)
    kiosk.get_by_role("button", name="Elderly").click()
    assert "60 or over" in kiosk.locator(".message.error").inner_text()
    assert kiosk.locator("#nik").input_value() == NIK
