"""Schemathesis against both servers' own OpenAPI documents, in process (WSGI).

Every operation of central's public, sync and admin APIs and of the branch's kiosk,
public and counter APIs gets generated requests, valid and invalid (Schemathesis's
positive and negative modes, its examples, coverage and fuzzing phases), each sent with
the login its operation takes: an office's sync token, a console session, a
supervisor's HTTP Basic, or none. No answer may be a 5xx, and each one's status code,
content type and body must be what the document gives for that operation.

The documents are the ones the servers serve, with examples added that name the rows
each test seeds (an office, a booking, a ticket, a counter), so some requests get past
404 and 422 to the answers that matter; what is valid stays what the server documents.
CI runs ANTREAN_PROOF_EXAMPLES examples per operation (Hypothesis's max_examples,
default 10); raise it for a longer hunt (docs/RELIABILITY.md).
"""
import base64
import copy
import os
import re
import tempfile
from datetime import datetime, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from branch import create_app as create_branch
from branch.auth import create_staff
from branch.cli import add_counters
from branch.db import db as branch_db, init_db as init_branch_db
from branch.models import Ticket
from central import create_app as create_central
from central.admin.accounts import save_account
from central.db import db as central_db, init_db as init_central_db
from central.merged import BranchReport
from central.models import Booking
from central.offices import add_demo_offices
from central.tokens import issue_token

# CI: the same 10 examples each run (derandomized); a longer hunt draws new ones each time.
EXAMPLES = int(os.environ.get("ANTREAN_PROOF_EXAMPLES") or 10)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance]
PROOF = settings(max_examples=EXAMPLES, deadline=None,
                 derandomize="ANTREAN_PROOF_EXAMPLES" not in os.environ,
                 suppress_health_check=list(HealthCheck))
DOCUMENT = "/api/v1/openapi.json"

# Monday 30 November 2026, 09:30 in Serang (UTC+7): both offices open, slots bookable.
NOW = datetime(2026, 11, 30, 2, 30, tzinfo=timezone.utc)
TUESDAY = "2026-12-01"
SUPERVISOR, PASSWORD = "supervisor", "schema-proof-password"
BOOKED_NIK, NEW_NIK = "3601011708600001", "3673015705950002"   # Pandeglang, Kota Serang
BOOKING_CODE = "SRG-PROOF234"
TICKET_NIK, KIOSK_NIK = "3604011505900001", "3604011505900002"
TICKET_TOKEN = "proof-ticket-token-0001"

# The seeded rows, by parameter or property name; a path's or a schema's own first.
CENTRAL_EXAMPLES = {
    "BookingRequest": {"nik": NEW_NIK, "office": "SRG", "date": TUESDAY, "hour": 10,
                       "name": "Budi Santoso", "purpose": "general"},
    "RescheduleRequest": {"nik": BOOKED_NIK, "date": TUESDAY, "hour": 11},
    "/api/v1/offices/{code}/slots": {"code": "SRG"},
    "code": BOOKING_CODE, "nik": BOOKED_NIK, "office": "SRG", "date": TUESDAY,
    "day": "2026-11-30", "first": "2026-11-30", "last": "2026-12-01",
    "from": "2026-11-01", "to": "2026-11-30", "q": "Siti",
}
PUSH_EXAMPLE = {"office": "SRG", "backlog": 0, "events": [{
    "id": "4f7d3c0e-9a51-4d0c-8a9e-2b6f1c3d5e70", "seq": 1, "office": "SRG",
    "day": "2026-11-30", "kind": "ticket_issued", "schema_version": 2,
    "created_at": "2026-11-30T09:30:00",
    "payload": {"ticket": "A001", "lane": "general", "nik": TICKET_NIK, "regency": "3604"}}]}
BRANCH_EXAMPLES = {
    "TicketRequest": {"nik": KIOSK_NIK, "lane": "general"},
    "ticket_id": 1, "token": TICKET_TOKEN, "name": "1",
}


def fixed_clock():
    return NOW


def central_config(url):
    return {"DATABASE_URL": url, "TESTING": True, "CLOCK": fixed_clock,
            "RATELIMIT_ENABLED": False}


def branch_config(url):
    return {"DATABASE_URL": url, "TESTING": True, "OFFICE": "SRG", "CLOCK": fixed_clock,
            "CENTRAL_URL": "http://127.0.0.1:9", "RATELIMIT_ENABLED": False}


def served_document(make_app, config):
    """The document as the server serves it (made from the routes, not from the data)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(config(f"sqlite:///{tmp}/document.db"))
        response = app.test_client().get(DOCUMENT)
        assert response.status_code == 200
        return response.get_json()


def with_examples(document, examples, bodies=None):
    """A copy of `document` with `examples` added to parameters and properties by name
    (a path's or a schema's own entry first), and whole request bodies by path."""
    document = copy.deepcopy(document)
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", ()):
                value = examples.get(path, {}).get(parameter["name"],
                                                   examples.get(parameter["name"]))
                if value is not None:
                    parameter["example"] = value
            if path in (bodies or {}):
                operation["requestBody"]["content"]["application/json"]["example"] = \
                    bodies[path]
    for name, schema in document["components"]["schemas"].items():
        own = examples.get(name, {})
        for prop, definition in schema.get("properties", {}).items():
            value = own.get(prop, examples.get(prop))
            if value is not None and not isinstance(value, dict):
                definition["examples"] = [value]
    return document


CENTRAL = schemathesis.openapi.from_dict(with_examples(
    served_document(create_central, central_config), CENTRAL_EXAMPLES,
    {"/api/v1/sync/push": PUSH_EXAMPLE}))
BRANCH = schemathesis.openapi.from_dict(with_examples(
    served_document(create_branch, branch_config), BRANCH_EXAMPLES))
# The branch's public part needs no login (the kiosk key is unset).
PUBLIC_BRANCH = r"^/api/v1/(tickets|t/\{token\}|board|health|openapi\.json)$"
central_public = CENTRAL.exclude(path_regex=r"^/api/v1/(admin|sync)/")
central_sync = CENTRAL.include(path_regex=r"^/api/v1/sync/")
central_admin = CENTRAL.include(path_regex=r"^/api/v1/admin/")
branch_public = BRANCH.include(path_regex=PUBLIC_BRANCH)
branch_counter = BRANCH.exclude(path_regex=PUBLIC_BRANCH)


@pytest.fixture
def central(central_db_url):
    """Central on SQLite (and PostgreSQL): the demo offices (SRG, CLG), SRG's sync token,
    and a booking."""
    app = create_central(central_config(central_db_url))
    init_central_db()
    with central_db.connection_context():
        add_demo_offices()
    booked = app.test_client().post("/api/v1/bookings", json={
        "office": "SRG", "date": TUESDAY, "hour": 9, "nik": BOOKED_NIK,
        "name": "Siti Aminah", "purpose": "general"})
    assert booked.status_code == 201, booked.get_json()
    with central_db.connection_context():
        Booking.update(code=BOOKING_CODE).execute()
        token = issue_token("SRG")
    yield app, {"Authorization": f"Bearer {token}"}
    if not central_db.is_closed():
        central_db.close()


@pytest.fixture
def admin_session(central):
    """The session cookie of a console admin logged in through the login form; and one
    pushed event, so the office's day has something to report."""
    app, token = central
    with central_db.connection_context():
        save_account("proof-admin", PASSWORD, "admin")
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    form = {"username": "proof-admin", "password": PASSWORD,
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}
    assert client.post("/admin/login", data=form).status_code == 303
    assert client.post("/api/v1/sync/push", json=PUSH_EXAMPLE,
                       headers=token).status_code == 200
    return app, {"session": client.get_cookie("session").value}


@pytest.fixture
def branch(tmp_path):
    """The SRG branch: four counters, a supervisor (HTTP Basic), one waiting ticket."""
    app = create_branch(branch_config(f"sqlite:///{tmp_path / 'branch.db'}"))
    init_branch_db()
    with app.app_context():
        create_staff(SUPERVISOR, PASSWORD, "supervisor")
        add_counters(["1", "2", "3", "4"])
    issued = app.test_client().post("/api/v1/tickets", json={"lane": "general",
                                                             "nik": TICKET_NIK})
    assert issued.status_code == 201, issued.get_json()
    with app.app_context():
        Ticket.update(token=TICKET_TOKEN).execute()
    basic = base64.b64encode(f"{SUPERVISOR}:{PASSWORD}".encode()).decode()
    yield app, {"Authorization": f"Basic {basic}"}
    if not branch_db.is_closed():
        branch_db.close()


def conforms(schema, method, path, response, **case):
    """Schemathesis's checks on one answer a test got by hand."""
    case = schema[path][method].Case(**case)
    case.validate_response(response, checks=CHECKS)


@central_public.parametrize()
@PROOF
def test_central_public_api(case, central):
    """Bookings (book, look up, cancel, move), offices and slots, keys: no login."""
    app, _ = central
    case.call_and_validate(app=app, checks=CHECKS)


@central_sync.parametrize()
@PROOF
def test_central_sync_api_with_an_office_token(case, central):
    """Push, changes, digests, suspensions and the run report with SRG's token."""
    app, token = central
    case.call_and_validate(app=app, headers=token, checks=CHECKS)


@central_admin.parametrize()
@PROOF
def test_central_admin_api_with_an_admin_session(case, admin_session):
    """The console's reads (network, office day, passports, conflicts, audit, bookings,
    suspensions, manifest): an admin's session cookie."""
    app, cookies = admin_session
    case.call_and_validate(app=app, cookies=cookies, checks=CHECKS)


@branch_public.parametrize()
@PROOF
def test_branch_kiosk_and_public_api(case, branch):
    """The kiosk's tickets, the public ticket read by token, the board: no login."""
    app, _ = branch
    case.call_and_validate(app=app, checks=CHECKS)


@pytest.fixture(params=["basic", "session"])
def staff_login(request, branch):
    """What a counter sends: HTTP Basic, or the pages' session cookie (logged in through
    /login) with the session's CSRF token in X-CSRF-Token."""
    app, basic = branch
    if request.param == "basic":
        return {"headers": basic}
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    assert client.post("/login", data={"username": SUPERVISOR, "password": PASSWORD,
                                       "csrf_token": csrf}).status_code == 303
    client.get("/status")               # a page of the new session makes its token
    with client.session_transaction() as session:
        csrf = session["csrf"]
    return {"headers": {"X-CSRF-Token": csrf},
            "cookies": {"session": client.get_cookie("session").value}}


@branch_counter.parametrize()
@PROOF
def test_branch_counter_api_with_a_staff_login(case, branch, staff_login):
    """Call, recall, no-show, transfer, finish, a ticket by id, status: HTTP Basic, or
    the session cookie with its CSRF header."""
    app, _ = branch
    case.call_and_validate(app=app, checks=CHECKS, **staff_login)


# What the runs above found, each kept as a plain regression test.

def test_refusals_before_any_view_are_documented(central, branch):
    """JSON that does not parse (400), a body that is not JSON (415), one past
    MAX_CONTENT_LENGTH (413) and a query with a control character (400) are answered
    before any view runs, by sync.webapp and sync.textguard, on every operation."""
    central_app, token = central
    branch_app, basic = branch
    unreadable = {"data": b"{", "content_type": "application/json"}
    not_json = {"data": b"nik=1", "content_type": "application/x-www-form-urlencoded"}
    too_large = {"json": {"name": "x" * 300_000}}
    for body, status in [(unreadable, 400), (not_json, 415), (too_large, 413)]:
        answer = central_app.test_client().post("/api/v1/bookings", **body)
        assert answer.status_code == status
        conforms(CENTRAL, "POST", "/api/v1/bookings", answer)
        answer = branch_app.test_client().post("/api/v1/tickets/1/finish", headers=basic,
                                               **body)
        assert answer.status_code == status
        conforms(BRANCH, "POST", "/api/v1/tickets/{ticket_id}/finish", answer,
                 path_parameters={"ticket_id": 1})
    answer = central_app.test_client().get("/api/v1/sync/changes?office=SRG%01",
                                           headers=token)
    assert answer.status_code == 400
    conforms(CENTRAL, "GET", "/api/v1/sync/changes", answer, query={"office": "SRG\x01"})


def test_a_subnormal_clock_drift_is_recorded_not_a_500(api):
    """PostgreSQL's real cannot hold 2e-163 (out of range): central keeps the drift to
    the millisecond."""
    answer = api.client.post("/api/v1/sync/report", headers=api.auth(),
                             json={"ok": True, "clock_drift": 1.9699994335900583e-163})
    assert answer.status_code == 200, answer.get_json()
    with central_db.connection_context():
        assert BranchReport.get(BranchReport.office == "SRG").clock_drift == 0.0


def test_a_locked_staff_login_answers_a_documented_429(branch):
    """Five wrong passwords lock the user (sync.logins): every operation that takes
    HTTP Basic may then answer 429, which its document must give."""
    app, basic = branch
    client = app.test_client()
    wrong = {"Authorization": "Basic " + base64.b64encode(
        f"{SUPERVISOR}:wrong".encode()).decode()}
    for _ in range(5):
        assert client.get("/api/v1/status", headers=wrong).status_code == 401
    for method, path, parameters in [("GET", "/api/v1/status", {}),
                                     ("GET", "/api/v1/tickets/{ticket_id}", {"ticket_id": 1}),
                                     ("POST", "/api/v1/counters/{name}/call", {"name": "1"})]:
        locked = client.open(path.format(**parameters), method=method, headers=basic)
        assert (locked.status_code, locked.get_json()["error"]) == (429, "login_locked")
        conforms(BRANCH, method, path, locked, path_parameters=parameters)


def test_central_rate_limits_answer_a_documented_429(tmp_path):
    """With the booking site's limits on (as in production), the 11th booking in a
    minute from one address is 429, which the operation documents."""
    app = create_central({**central_config(f"sqlite:///{tmp_path / 'c.db'}"),
                          "RATELIMIT_ENABLED": True})
    init_central_db()
    with central_db.connection_context():
        add_demo_offices()
    client = app.test_client()
    answers = [client.post("/api/v1/bookings", json={}) for _ in range(11)]
    assert [a.status_code for a in answers] == [422] * 10 + [429]
    conforms(CENTRAL, "POST", "/api/v1/bookings", answers[-1], body={})
    looked = [client.post(f"/api/v1/bookings/{BOOKING_CODE}/lookup", json={"nik": NEW_NIK})
              for _ in range(21)]
    assert looked[-1].status_code == 429
    conforms(CENTRAL, "POST", "/api/v1/bookings/{code}/lookup", looked[-1],
             path_parameters={"code": BOOKING_CODE}, body={"nik": NEW_NIK})
