"""Central's sync API: tokens, push (idempotent, limits, quarantine), changes, digest."""
import gzip
import json
from datetime import timedelta

from sync_support import DAY, NIKS, Events, push

from central.changes import record_change
from central.db import db
from central.merging import day_digest, days_digests
from central.merged import (MergedTicket, OfficeSync, PassportTally, QuarantinedEvent,
                            ReceivedEvent)
from central.models import SigningKey
from central.tokens import issue_token
from sync import signing
from sync.database import is_postgres
from sync.digest import compute_digest


def test_every_endpoint_needs_a_token(api):
    for method, path in [("post", "/api/v1/sync/push"), ("get", "/api/v1/sync/changes"),
                         ("get", f"/api/v1/sync/digest?day={DAY}")]:
        response = getattr(api.client, method)(path)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"
        wrong = getattr(api.client, method)(path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "salah atau sudah dicabut" in wrong.json["message"]
        english = getattr(api.client, method)(path, headers={"Authorization": "Bearer nope",
                                                             "Accept-Language": "en"})
        assert "wrong or has been revoked" in english.json["message"]


def test_a_new_token_revokes_the_previous_one(api):
    old = api.auth()
    with db.connection_context():
        api.tokens["SRG"] = issue_token("SRG")
    assert api.client.get("/api/v1/sync/changes", headers=old).status_code == 401
    assert api.client.get("/api/v1/sync/changes", headers=api.auth()).status_code == 200
    with db.connection_context():
        assert ReceivedEvent.select().count() == 0


def test_a_token_acts_only_for_its_own_office(api):
    event = Events()
    refused = push(api, [event("ticket_called", ticket="A001", counter="1")], token_of="CLG")
    assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    assert "acts for office CLG, not SRG" in refused.json["message"]
    other = Events(office="CLG")
    mixed = push(api, [event("ticket_called", ticket="A001", counter="1"),
                       other("ticket_called", ticket="A001", counter="1")])
    assert mixed.status_code == 403
    query = api.client.get(f"/api/v1/sync/digest?day={DAY}&office=CLG", headers=api.auth())
    assert query.status_code == 403
    with db.connection_context():
        assert ReceivedEvent.select().count() == 0


def test_push_applies_once_and_the_cursor_never_goes_back(api):
    event = Events()
    batch = event.ticket("A001", NIKS[0]) + event.ticket("A002", NIKS[1])
    first = push(api, batch)
    assert first.status_code == 200
    assert first.json == {"applied": 6, "duplicates": 0, "quarantined": [], "cursor": 6}
    again = push(api, batch[:4])
    assert again.json == {"applied": 0, "duplicates": 4, "quarantined": [], "cursor": 6}
    with db.connection_context():
        assert ReceivedEvent.select().count() == 6
        assert OfficeSync.get(OfficeSync.office == "SRG").cursor == 6


def test_a_batch_of_old_and_new_events_applies_only_the_new_ones(api):
    """A re-sent batch that also carries new events: the old ones change nothing."""
    event = Events()
    first, second = event.ticket("A001", NIKS[0]), event.ticket("A002", NIKS[1])
    assert push(api, first[:2]).json["applied"] == 2
    answer = push(api, first + second).json
    assert answer == {"applied": 4, "duplicates": 2, "quarantined": [], "cursor": 6}
    with db.connection_context():
        assert ReceivedEvent.select().count() == 6
        assert OfficeSync.get(OfficeSync.office == "SRG").events == 6
        tickets = {t.number: t for t in MergedTicket.select()}
        assert {n: t.status for n, t in tickets.items()} == {"A001": "done", "A002": "done"}
        assert PassportTally.get().count == 1 and PassportTally.select().count() == 2


def test_gzip_bodies_are_accepted(api):
    body = gzip.compress(json.dumps({"office": "SRG", "events": Events().ticket(
        "A001", NIKS[0])}).encode())
    response = api.client.post("/api/v1/sync/push", data=body,
                               headers={**api.auth(), "Content-Encoding": "gzip",
                                        "Content-Type": "application/json"})
    assert response.status_code == 200 and response.json["applied"] == 3


def test_too_many_events_or_bytes_is_413(api):
    api.app.config["SYNC_MAX_BATCH_EVENTS"] = 5
    event = Events()
    too_many = push(api, [event("ticket_called", ticket=f"A{n:03d}", counter="1")
                          for n in range(6)])
    assert too_many.status_code == 413 and too_many.json["error"] == "batch_too_large"
    big = {"office": "SRG", "events": [event("ticket_called", ticket="A001",
                                             counter="x" * 1_100_000)]}
    packed = gzip.compress(json.dumps(big).encode())     # small on the wire, too big unpacked
    too_big = api.client.post("/api/v1/sync/push", data=packed,
                              headers={**api.auth(), "Content-Encoding": "gzip",
                                       "Content-Type": "application/json"})
    assert too_big.status_code == 413 and too_big.json["error"] == "batch_too_large"
    with db.connection_context():
        assert ReceivedEvent.select().count() == 0


def test_invalid_events_are_quarantined_with_the_reason_and_the_rest_apply(api):
    event = Events()
    good = event.ticket("A001", NIKS[0])
    bad_outcome = event("ticket_finished", ticket="A001", counter="1", outcome="lost",
                        regency="3601")
    unknown_kind = event("ticket_teleported", ticket="A001")
    future = dict(event("ticket_called", ticket="A001", counter="1"), schema_version=9)
    response = push(api, [good[0], bad_outcome, unknown_kind, future] + good[1:])
    assert response.status_code == 200
    reasons = {q["id"]: q["reason"] for q in response.json["quarantined"]}
    assert reasons == {
        bad_outcome["id"]: "invalid payload: outcome: Input should be 'passport_issued', "
                           "'rejected' or 'incomplete_documents'",
        unknown_kind["id"]: "unknown event kind 'ticket_teleported'",
        future["id"]: "unknown schema version 9"}
    assert response.json["applied"] == 3 and response.json["cursor"] == 6
    with db.connection_context():
        assert {q.event_id: q.reason for q in QuarantinedEvent.select()} == reasons
    assert push(api, [bad_outcome]).json["quarantined"][0]["id"] == bad_outcome["id"]


def test_one_invalid_event_among_many_of_its_kind_is_the_only_one_refused(api):
    """Events of a kind are validated together; one bad event must not sink its kind."""
    event = Events()
    issued = [event("ticket_issued", ticket=f"A00{n}", lane="general", nik=NIKS[n % 4],
                    regency=NIKS[n % 4][:4]) for n in range(1, 6)]
    issued[2]["payload"]["nik"] = "12345"
    issued[3]["created_at"] = "2026-11-23T08:00:00.250000+07:00"
    response = push(api, issued)
    assert response.json["applied"] == 4 and response.json["cursor"] == 5
    assert response.json["quarantined"] == [
        {"id": issued[2]["id"],
         "reason": "invalid payload: nik: String should have at least 16 characters"}]
    with db.connection_context():
        stored = {e.id: e for e in ReceivedEvent.select()}
        assert set(stored) == {e["id"] for n, e in enumerate(issued) if n != 2}
        first, late = stored[issued[0]["id"]], stored[issued[3]["id"]]
        assert first.payload == json.dumps(issued[0]["payload"], separators=(",", ":"),
                                           sort_keys=True)
        assert str(first.day) == "2026-11-23"
        assert str(late.created_at) == "2026-11-23 01:00:00.250000"    # stored in UTC
        assert QuarantinedEvent.get().event_id == issued[2]["id"]


def test_a_malformed_envelope_is_refused_whole(api):
    response = push(api, [{"id": "not-a-uuid", "seq": 1}])
    assert response.status_code == 422 and response.json["error"] == "invalid"


def test_changes_are_this_offices_and_everyones_in_centrals_order(api):
    keys = api.client.get("/api/v1/sync/changes?since=0", headers=api.auth()).json
    assert [c["kind"] for c in keys["changes"]] == ["key"]    # central's first signing key
    start = keys["cursor"]
    with db.connection_context():
        record_change("booking", "SRG-1", {"code": "SRG-1"}, office="SRG")
        record_change("booking", "CLG-1", {"code": "CLG-1"}, office="CLG")
        record_change("suspension", "1", {"id": 1}, office=None)
        record_change("office", "SRG", {"code": "SRG", "daily_quota": 140}, office="SRG")
    first = api.client.get(f"/api/v1/sync/changes?since={start}&limit=2",
                           headers=api.auth()).json
    assert [c["key"] for c in first["changes"]] == ["SRG-1", "1"]
    assert first["more"] is True and first["cursor"] == first["changes"][-1]["seq"]
    rest = api.client.get(f"/api/v1/sync/changes?since={first['cursor']}&limit=2",
                          headers=api.auth()).json
    assert [c["kind"] for c in rest["changes"]] == ["office"] and rest["more"] is False
    assert rest["changes"][0]["payload"] == {"code": "SRG", "daily_quota": 140}
    empty = api.client.get(f"/api/v1/sync/changes?since={rest['cursor']}",
                           headers=api.auth()).json
    assert empty == {"changes": [], "cursor": rest["cursor"], "more": False,
                     "pass_secrets": keys["pass_secrets"]}
    clg = api.client.get(f"/api/v1/sync/changes?since={start}", headers=api.auth("CLG")).json
    assert [c["key"] for c in clg["changes"]] == ["CLG-1", "1"]


def test_every_pull_brings_each_keys_pass_secret_and_nothing_public_does(api):
    """The secret that checks the NIK on a pass goes only to a branch, over its own
    authenticated pull: not in GET /api/v1/keys, not in the change log."""
    with db.connection_context():
        [key] = SigningKey.select()
    private = signing.load_private(key.private_key)
    answer = api.client.get("/api/v1/sync/changes?since=0", headers=api.auth()).json
    assert answer["pass_secrets"] == {key.kid: signing.pass_secret_text(private, "SRG")}
    secret = answer["pass_secrets"][key.kid]
    clg = api.client.get("/api/v1/sync/changes?since=0", headers=api.auth("CLG")).json
    assert clg["pass_secrets"] == {key.kid: signing.pass_secret_text(private, "CLG")}
    assert clg["pass_secrets"][key.kid] != secret       # an office gets only its own
    assert key.private_key not in json.dumps(answer)
    published = api.client.get("/api/v1/keys")
    assert published.status_code == 200 and secret not in published.get_data(as_text=True)
    assert secret not in json.dumps([c["payload"] for c in answer["changes"]])
    refused = api.client.get("/api/v1/sync/changes?since=0")
    assert refused.status_code == 401 and secret not in refused.get_data(as_text=True)


def test_digest_is_computed_from_the_events_central_holds(api):
    event = Events()
    batch = event.ticket("A001", NIKS[0]) + event.ticket("P001", NIKS[1], lane="priority")
    push(api, batch)
    digest = api.client.get(f"/api/v1/sync/digest?day={DAY}", headers=api.auth()).json
    expected = compute_digest((e["id"], e["kind"], e["payload"]) for e in batch)
    assert digest == {"office": "SRG", "day": DAY.isoformat(), **expected}
    assert digest["events"] == 6 and digest["tickets"] == 2
    assert digest["by_lane"] == {"general": 1, "priority": 1}
    assert digest["passports_by_regency"] == {NIKS[0][:4]: 1, NIKS[1][:4]: 1}
    bad = api.client.get("/api/v1/sync/digest?day=yesterday", headers=api.auth())
    assert bad.status_code == 422


def test_a_digest_read_inside_a_callers_transaction_is_the_same(api):
    """PostgreSQL accepts SET TRANSACTION only first in a transaction: a digest read
    inside one must not try it."""
    event = Events()
    push(api, event.ticket("A001", NIKS[0]))
    with db.connection_context():
        outside = day_digest("SRG", DAY)
        with db.atomic():
            db.execute_sql("SELECT 1")
            inside = day_digest("SRG", DAY)
    assert inside == outside and inside["events"] == 3


def test_a_plain_body_over_the_byte_limit_is_413(api):
    body = json.dumps({"office": "SRG", "events": [], "pad": "x" * 1_100_000})
    response = api.client.post("/api/v1/sync/push", data=body, headers={
        **api.auth(), "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json == {"error": "batch_too_large", "limit": 1_000_000,
                             "message": "A batch body holds at most 1000000 bytes; split it."}


def test_the_same_event_twice_in_one_batch_counts_once(api):
    issued, called, finished = Events().ticket("A001", NIKS[0])
    response = push(api, [issued, called, finished, finished])
    assert response.json == {"applied": 3, "duplicates": 0, "quarantined": [], "cursor": 3}
    digest = api.client.get(f"/api/v1/sync/digest?day={DAY}", headers=api.auth()).json
    assert digest["passports_by_regency"] == {NIKS[0][:4]: 1}


def test_digests_of_a_span_of_days_in_one_request(api):
    event = Events()
    later = DAY + timedelta(days=2)
    first_day = event.ticket("A001", NIKS[0])
    third_day = event.ticket("A001", NIKS[1], day=later)
    push(api, first_day + third_day)
    answer = api.client.get(f"/api/v1/sync/digests?first={DAY}&last={later}",
                            headers=api.auth()).json
    assert answer["office"] == "SRG"
    assert answer["digests"] == {
        DAY.isoformat(): compute_digest((e["id"], e["kind"], e["payload"]) for e in first_day),
        later.isoformat(): compute_digest((e["id"], e["kind"], e["payload"])
                                          for e in third_day)}
    too_long = api.client.get(f"/api/v1/sync/digests?first={DAY}&last={DAY + timedelta(92)}",
                              headers=api.auth())
    assert too_long.status_code == 422
    assert "last must be 0 to 91 days after first" in too_long.json["message"]


def test_digests_inside_a_transaction_leave_its_planner_settings_as_they_were(api):
    """On PostgreSQL the digests' counting statement turns sorting off for itself (it
    hashes the groups); the caller's transaction plans as before afterwards."""
    issued = Events().ticket("A001", NIKS[0])
    push(api, issued)
    with db.connection_context(), db.atomic():
        digests = days_digests("SRG", DAY, DAY)
        if is_postgres(db):
            assert db.execute_sql("SHOW enable_sort").fetchone()[0] == "on"
    assert digests == {DAY.isoformat(): compute_digest((e["id"], e["kind"], e["payload"])
                                                       for e in issued)}


def test_the_openapi_document_describes_the_sync_api(api):
    doc = api.client.get("/api/v1/openapi.json").json
    push_op = doc["paths"]["/api/v1/sync/push"]["post"]
    assert push_op["security"] == [{"office_token": []}]
    assert {"200", "401", "403", "413", "422"} <= set(push_op["responses"])
    assert doc["components"]["securitySchemes"]["office_token"]["scheme"] == "bearer"
    for path in ("changes", "digest", "digests"):
        assert f"/api/v1/sync/{path}" in doc["paths"]
