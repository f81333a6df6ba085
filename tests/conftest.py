"""Shared fixtures. The central suite runs on SQLite always and on PostgreSQL
when ANTREAN_TEST_POSTGRES_URL is set; each run uses its own throwaway database."""
import os
import secrets
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from postgres_support import empty_schema

PG_URL = os.environ.get("ANTREAN_TEST_POSTGRES_URL")

# The servers this suite starts as subprocesses (gunicorn, the sync job) refuse to run
# without a real secret key, as in production: the suite makes one for its own run.
os.environ.setdefault("ANTREAN_SECRET_KEY", secrets.token_hex(32))


def _admin_connection():
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def postgres_database():
    """A database of our own for this test run, dropped at the end."""
    if not PG_URL:
        pytest.skip("ANTREAN_TEST_POSTGRES_URL is not set")
    name = f"antrean_test_{uuid.uuid4().hex[:10]}"
    conn = _admin_connection()  # not `with conn`: psycopg2 2.9 opens a transaction there
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    parts = urlsplit(PG_URL)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    conn = _admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def central_db_url(request, tmp_path):
    """A fresh, empty central database URL: a temp SQLite file, or a clean PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    url = request.getfixturevalue("postgres_database")
    empty_schema(url)
    return url


def pytest_terminal_summary(terminalreporter):
    """Say plainly how many PostgreSQL tests ran, so CI output proves it."""
    counts = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = sum(1 for r in reports if "[postgres" in r.nodeid
                              and getattr(r, "when", "call") in ("call", "setup"))
    terminalreporter.write_line(
        "PostgreSQL tests: {passed} passed, {failed} failed, {skipped} skipped".format(**counts)
        + ("" if PG_URL else " (ANTREAN_TEST_POSTGRES_URL not set)"))
