"""Property: whatever faults hit whichever pushes, every run ends with both sides equal."""
from datetime import timedelta

from sync_support import quick_sleep
from hypothesis import HealthCheck, given, settings, strategies as st
from sync_support import DAY, record_days
from test_job import assert_monotonic, assert_same_everywhere

from branch.db import db as branch_db
from sync.job import OK, run_once

FAULT = st.sampled_from(["none", "lose_request", "lose_response", "duplicate", "error_500"])
RUN = st.tuples(st.integers(0, 2), st.integers(0, 40), st.lists(FAULT, max_size=6))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(RUN, min_size=1, max_size=3))
def test_any_faults_in_any_order_end_equal(branch, central, runs):
    for day_offset, tickets, plan in runs:
        record_days(branch_db, "SRG", DAY + timedelta(days=day_offset), 1, tickets)
        central.faults.plan = list(plan)
        status, line = run_once(branch, sleep=quick_sleep)
        assert status == OK, line
        assert_same_everywhere()
    assert_monotonic(central.faults.cursors)
