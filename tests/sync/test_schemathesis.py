"""Schemathesis against both servers' own OpenAPI documents, and what it found."""
from central.db import db as central_db
from central.merged import BranchReport


def test_a_subnormal_clock_drift_is_recorded_not_a_500(api):
    """PostgreSQL's real cannot hold 2e-163 (out of range): central keeps the drift to
    the millisecond."""
    answer = api.client.post("/api/v1/sync/report", headers=api.auth(),
                             json={"ok": True, "clock_drift": 1.9699994335900583e-163})
    assert answer.status_code == 200, answer.get_json()
    with central_db.connection_context():
        assert BranchReport.get(BranchReport.office == "SRG").clock_drift == 0.0
