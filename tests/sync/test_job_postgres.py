"""The job's hardest cases again, with central on PostgreSQL (its national deployment)."""
import pytest
import psycopg2

from test_end_to_end import test_booking_check_in_service_and_merge  # noqa: F401
from test_job import (test_a_batch_over_centrals_limit_is_split,  # noqa: F401
                      test_every_fault_in_one_run, test_reconcile_resends_a_day_central_lost)


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def central_url(request, postgres_database):
    """A clean PostgreSQL schema for central (skipped without ANTREAN_TEST_POSTGRES_URL)."""
    conn = psycopg2.connect(postgres_database)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    conn.close()
    return postgres_database
