"""Central's /metrics for sync: events by result, the sync endpoints timed, office lag."""
from metrics_support import scrape, value
from sync_support import NIKS, Events


def test_pushes_count_events_and_time_the_sync_endpoints(api):
    client, auth = api.client, api.auth()
    before = scrape(client)
    event = Events()
    batch = event.ticket("A001", NIKS[0]) + event.ticket("A002", NIKS[1])
    for body in (batch, batch[:2]):
        answer = client.post("/api/v1/sync/push", json={"office": "SRG", "events": body},
                             headers=auth)
        assert answer.status_code == 200
    assert client.get("/api/v1/sync/changes", headers=auth).status_code == 200
    after = scrape(client)
    delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)
    assert delta("antrean_sync_events_total", office="SRG", result="applied") == 6
    assert delta("antrean_sync_events_total", office="SRG", result="duplicate") == 2
    assert delta("antrean_http_request_duration_seconds_count", endpoint="sync.push",
                 method="POST", status="200") == 2
    assert delta("antrean_http_request_duration_seconds_count", endpoint="sync.changes",
                 method="GET", status="200") == 1
    lag = value(after, "antrean_office_sync_lag_seconds", office="SRG")
    assert 0 <= lag < 60
    assert value(after, "antrean_office_sync_lag_seconds", office="CLG") == float("inf")
    assert value(after, "antrean_office_sync_backlog_events", office="SRG") == 0
