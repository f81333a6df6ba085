"""Rate limits per client address on booking and lookup (sync.ratelimit through central)."""
import os
import re

import pytest
from central_support import MONDAY_7AM, TUESDAY, Clock, nik, statuses

from central import create_app
from central.db import db, init_db
from central.offices import add_demo_offices

REDIS_URL = os.environ.get("ANTREAN_TEST_REDIS_URL")


def central(url, **config):
    app = create_app({"DATABASE_URL": url, "TESTING": True, "CLOCK": Clock(MONDAY_7AM),
                      "RATELIMIT_BOOKING": "3/minute", **config})
    init_db()
    with db.connection_context():
        add_demo_offices()
    return app


def book(client, serial):
    return client.post("/api/v1/bookings", json={
        "office": "SRG", "date": TUESDAY.isoformat(), "hour": 9, "nik": nik(serial),
        "name": "Budi Santoso", "purpose": "general"})


def test_the_limit_answers_429_with_retry_after_and_books_nothing_more(central_db_url):
    client = central(central_db_url).test_client()
    assert [book(client, n).status_code for n in range(1, 4)] == [201, 201, 201]
    refused = book(client, 4)
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert statuses() == {"booked": 3}
    other = client.post("/api/v1/bookings", json={}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 422        # another address has its own budget


def test_rate_limits_switch_off_with_one_setting(central_db_url):
    client = central(central_db_url, RATELIMIT_ENABLED=False).test_client()
    assert [book(client, n).status_code for n in range(1, 6)] == [201] * 5


@pytest.mark.skipif(not REDIS_URL, reason="ANTREAN_TEST_REDIS_URL is not set")
def test_the_counts_live_in_redis_when_configured(tmp_path):
    import redis
    store = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-{os.getpid()}-{tmp_path.name}"
    app = central(f"sqlite:///{tmp_path / 'c.db'}", RATELIMIT_STORAGE_URL=REDIS_URL)
    app.extensions["antrean.limiter"]._key_prefix = prefix     # our keys only, for the check
    client = app.test_client()
    for n in range(1, 5):
        book(client, n)
    keys = [k.decode() for k in store.scan_iter(f"*{prefix}*")]
    assert keys, "no rate-limit counter was written to Redis"
    for key in keys:
        store.delete(key)


def site_book(client, serial, hour=9):
    form = client.get(f"/pesan/SRG/{TUESDAY}/{hour}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    return client.post(f"/pesan/SRG/{TUESDAY}/{hour}", data={
        "csrf_token": csrf, "nik": nik(serial), "name": "Budi Santoso"})


def test_the_site_s_form_shares_the_limit_and_says_so_in_indonesian(central_db_url):
    client = central(central_db_url).test_client()
    assert book(client, 1).status_code == 201                     # the API's budget ...
    assert [site_book(client, n).status_code for n in (2, 3)] == [303, 303]   # ... is the site's
    refused = site_book(client, 4)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert '<html lang="id">' in page and "Terlalu banyak permintaan" in page
    assert book(client, 5).status_code == 429
    assert statuses() == {"booked": 3}
    form = client.get(f"/pesan/SRG/{TUESDAY}/9")            # looking is never limited
    assert form.status_code == 200


def test_lookups_on_the_site_are_limited_too(central_db_url):
    client = central(central_db_url, RATELIMIT_LOOKUP="2/minute").test_client()
    page = client.get("/booking-saya")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    tries = [client.post("/booking-saya", data={"csrf_token": csrf, "code": f"SRG-2345ABC{n}",
                                                "nik": nik(n)}).status_code for n in range(2, 6)]
    assert tries == [404, 404, 429, 429]


@pytest.mark.skipif(not REDIS_URL, reason="ANTREAN_TEST_REDIS_URL is not set")
def test_the_site_s_counts_live_in_redis_too(tmp_path):
    import redis
    store = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-site-{os.getpid()}-{tmp_path.name}"
    app = central(f"sqlite:///{tmp_path / 'c.db'}", RATELIMIT_STORAGE_URL=REDIS_URL)
    app.extensions["antrean.limiter"]._key_prefix = prefix
    client = app.test_client()
    statuses_seen = [site_book(client, n).status_code for n in range(1, 5)]
    keys = [k.decode() for k in store.scan_iter(f"*{prefix}*")]
    for key in keys:
        store.delete(key)
    assert statuses_seen == [303, 303, 303, 429]
    assert keys, "the site's rate-limit counter was not written to Redis"
