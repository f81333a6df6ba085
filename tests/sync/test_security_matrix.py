"""The security matrix of issue 13, as tests: every route of both servers, read from the
apps' own url_map (and their OpenAPI documents for the JSON bodies), against every way
in that must be refused. A new route cannot escape it: it is tested as a login-only
route unless it is named public below, and each path argument, query and body it needs
must be named here, or its rows fail saying so.

Columns: sync endpoints x (no token, wrong token, another office's token, a rotated-out
token past its grace); staff/admin routes x (no login, wrong role, no or wrong CSRF
token, a sync token instead of a session, a session instead of a sync token); every
answer carries the security headers; bodies over the limit, JSON a thousand deep, wrong
content types, ids beyond 64 bits, control characters in paths and queries; hostile
strings in every text field of every JSON body (central on SQLite and PostgreSQL), and
escaped wherever a page shows them; the earlier defects (1, 4, 5, 8, 9, 14) as rows.

Refusals are checked to change nothing: the database's every row is hashed before and
after. docs/RELIABILITY.md ("The security matrix") lists the rows and their counts.
"""
import base64
import hashlib
import json
import os
import re
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from werkzeug.routing import IntegerConverter

from branch import create_app as create_branch
from branch.auth import create_staff
from branch.cli import add_counters
from branch.db import db as branch_db, init_db as init_branch_db
from central import create_app as create_central
from central.admin.accounts import save_account
from central.admin.models import ManifestImport
from central.db import db as central_db, init_db as init_central_db
from central.offices import add_demo_offices
from central.tokens import issue_token
from sync import SCHEMA_VERSION
from sync.websecurity import HEADERS

PASSWORD = "correct horse battery"
CENTRAL_NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)     # Monday 07:00 WIB
BRANCH_NOW = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)     # Friday 09:30 WIB
TUESDAY = date(2026, 12, 1)
NIK = "3601011708600001"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
HUGE_IDS = (2 ** 64, 10 ** 23)
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


# Who logs in. The matrix's rows use ana, vera, siti and budi; the session and lockout
# rows (defects 8 and 9) end or lock their own accounts, so that nothing else is touched.
ACCOUNTS = {"central": {"ana": "admin", "vera": "viewer", "rudi": "admin", "lina": "admin"},
            "branch": {"siti": "staff", "budi": "supervisor", "dewi": "supervisor",
                       "eka": "staff"}}
SESSION_USER = {"central": "rudi", "branch": "dewi"}
LOCKED_USER = {"central": "lina", "branch": "eka"}


def nik(serial, regency="3601"):
    """A distinct valid NIK (born 1 January 1990)."""
    return f"{regency}01010190{serial:04d}"


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


# --- the routes, from the apps themselves ----------------------------------------------

def _bare_apps():
    """Both apps on throwaway databases, only to read their url_map and documents."""
    where = tempfile.mkdtemp(prefix="matrix-")
    central = create_central({"DATABASE_URL": f"sqlite:///{where}/c.db", "TESTING": True})
    branch = create_branch({"DATABASE_URL": f"sqlite:///{where}/b.db", "TESTING": True,
                            "OFFICE": "SRG", "CENTRAL_URL": "http://127.0.0.1:9"})
    return {"central": central, "branch": branch}


APPS = _bare_apps()


def routes(which, method=None, where=lambda route: True):
    """Every route of `which` (endpoint, rule, method, its path arguments and their
    converters), one per method, HEAD and OPTIONS left out; `where` filters them."""
    found = []
    for rule in APPS[which].url_map.iter_rules():
        for verb in sorted(rule.methods - SKIPPED_METHODS):
            route = SimpleNamespace(endpoint=rule.endpoint, rule=rule.rule, method=verb,
                                    arguments=rule.arguments, converters=rule._converters)
            if (method is None or verb == method) and where(route):
                found.append(route)
    return sorted(found, key=lambda r: (r.rule, r.method))


def ids(found):
    return [f"{r.method} {r.rule}" for r in found]


def is_api(route):
    return route.rule.startswith("/api/")


def is_page(route):
    return not is_api(route)


# Central: who may open what. Everything not named here needs an admin console session.
CENTRAL_PUBLIC = {
    "site.home", "site.choose", "site.office_calendar", "site.office_day", "site.book_form",
    "site.book_submit", "site.lookup", "site.lookup_submit", "site.booking_page",
    "site.booking_ics_file", "site.cancel", "site.move_calendar", "site.move_day",
    "site.move_submit", "site.static", "static", "set_language", "metrics", "health_check",
    "openapi_document", "bookings.book", "bookings.cancel", "bookings.lookup",
    "bookings.reschedule", "offices.list_offices", "offices.office_slots", "keys.list_keys",
    "admin.login", "admin.logout", "admin.static"}
# Branch: the kiosk, the board and a ticket's own status page are for everyone.
BRANCH_PUBLIC = {
    "pages.index", "pages.kiosk", "pages.kiosk_take", "pages.kiosk_checkin",
    "pages.kiosk_ticket", "pages.ticket_status", "pages.ticket_status_live", "pages.board",
    "pages.board_live", "pages.login", "pages.logout", "set_language", "static", "metrics",
    "health_check", "openapi_document", "api.board", "api.get_public_ticket",
    "api.create_ticket"}
PUBLIC = {"central": CENTRAL_PUBLIC, "branch": BRANCH_PUBLIC}


def is_sync(route):
    return route.rule.startswith("/api/v1/sync/")


def needs_staff(route):
    return route.endpoint not in BRANCH_PUBLIC


def needs_admin_session(route):
    return route.endpoint not in CENTRAL_PUBLIC and not is_sync(route)


def supervisor_only(app, route):
    """Branch routes for a supervisor: under /supervisor, or declared so by their login."""
    return route.rule.startswith("/supervisor") or _login_role(
        app.view_functions[route.endpoint]) == "supervisor"


def _login_role(view):
    """The role branch.auth.login_required(role=...) gives a view (None: any staff)."""
    while view is not None:
        names = view.__code__.co_freevars
        if "role" in names and "view" in names:
            return view.__closure__[names.index("role")].cell_contents
        view = getattr(view, "__wrapped__", None)
    return None


def admin_action(app, route):
    """Central routes a viewer may not use: every console write, and views marked admin_only."""
    from central.admin.web import admin_only
    if not needs_admin_session(route):
        return False
    marked = app.view_functions[route.endpoint].__code__ is admin_only(lambda: 0).__code__
    return marked or route.method == "POST"


# --- what a request needs: path arguments, queries, bodies ---------------------------------

def path_values(world, route):
    """A real value for each path argument (by endpoint, then by argument name)."""
    by_endpoint = {
        "admin.office": {"code": "SRG"}, "admin.save_office": {"code": "SRG"},
        "offices.office_slots": {"code": "SRG"}, "set_language": {"code": "en"},
        "api.call_next": {"name": "1"}, "site.static": {"filename": "site.css"},
        "static": {"filename": "antrean.css"}}
    values = {}
    for name in route.arguments:
        value = by_endpoint.get(route.endpoint, {}).get(name, world.args.get(name))
        assert value is not None, f"name a sample value for <{name}> of {route.endpoint}"
        values[name] = value
    return values


def url(world, route, **values):
    values = {**path_values(world, route), **values}
    adapter = world.app.url_map.bind("localhost")
    built = adapter.build(route.endpoint, values, method=route.method, append_unknown=False)
    query = world.queries.get(route.endpoint)
    return f"{built}?{query}" if query else built


def json_body(world, route):
    return world.bodies.get(route.endpoint)


def assert_headers(response):
    """Every answer of both servers, refusals and errors included, carries the headers."""
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status, response.headers)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def call(client, method, target, **kw):
    response = client.open(target, method=method, **kw)
    assert response.status_code < 500, (method, target, response.get_data(as_text=True)[:300])
    assert_headers(response)
    return response


def assert_error_shape(response, *statuses):
    assert response.status_code in statuses, (response.status, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, dict) and {"error", "message"} <= set(body), response.data[:300]
    assert isinstance(body["error"], str) and body["message"], body


def snapshot(database):
    """{table: digest of its every row}: a refusal must leave it unchanged."""
    tables = {}
    for table in sorted(database.get_tables()):
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        rows = sorted(repr(row) for row in cursor.fetchall())
        tables[table] = hashlib.sha256(f"{len(rows)}:{rows}".encode()).hexdigest()
    return tables


class Unchanged:
    """with Unchanged(db): the block may write nothing at all."""

    def __init__(self, database):
        self.database = database

    def __enter__(self):
        with self.database.connection_context():
            self.before = snapshot(self.database)

    def __exit__(self, *exc):
        if exc[0] is None:
            with self.database.connection_context():
                after = snapshot(self.database)
            written = sorted(t for t in after if after[t] != self.before.get(t))
            assert not written, f"a refused request wrote to {written}"


def csrf_of(client, path):
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    if match:
        return match.group(1)
    with client.session_transaction() as session:
        return session["csrf"]


def page_login(client, path, username, password=PASSWORD, **extra):
    form = {"username": username, "password": password, "csrf_token": csrf_of(client, path)}
    return client.post(path + (f"?next={extra['next']}" if "next" in extra else ""), data=form)


# --- the worlds: each server with accounts, tokens and rows to point at --------------------

def build_central(url, clock=None, proxy_hops=0):
    """Central with the demo offices, tokens (SRG, CLG, SRG's rotated-out one), the
    console's accounts (ACCOUNTS), a booking and a manifest import."""
    clock = clock or Clock(CENTRAL_NOW)
    app = create_central({"DATABASE_URL": url, "TESTING": True, "CLOCK": clock,
                          "RATELIMIT_ENABLED": False, "PROXY_HOPS": proxy_hops})
    init_central_db()
    with app.app_context(), central_db.connection_context():     # the app's clock
        add_demo_offices()
        clock.now = CENTRAL_NOW - timedelta(hours=3)
        revoked = issue_token("SRG")
        tokens = {"SRG": issue_token("SRG", grace_hours=1), "CLG": issue_token("CLG")}
        clock.now = CENTRAL_NOW                      # the old SRG token's grace ended 2 h ago
        for username, role in ACCOUNTS["central"].items():
            save_account(username, PASSWORD, role)
        imported = ManifestImport.create(actor="ana", filename="list.csv", sha256="0" * 64)
    client = app.test_client()
    booked = client.post("/api/v1/bookings", json={
        "office": "SRG", "date": TUESDAY.isoformat(), "hour": 9, "nik": NIK,
        "name": "Budi Santoso", "purpose": "general"})
    assert booked.status_code == 201, booked.get_data(as_text=True)
    code = booked.get_json()["code"]
    world = SimpleNamespace(
        which="central", app=app, db=central_db, database=central_db.obj, clock=clock,
        tokens=tokens, revoked=revoked, code=code,
        args={"code": code, "office": "SRG", "day": TUESDAY.isoformat(), "hour": 9,
              "closed_id": 1, "conflict_id": 1, "suspension_id": 1,
              "import_id": imported.id, "filename": "admin.css"},
        queries={"offices.office_slots": f"date={TUESDAY}", "sync.changes": "office=SRG",
                 "sync.digest": f"office=SRG&day={TUESDAY}",
                 "sync.digests": f"office=SRG&first={TUESDAY}&last={TUESDAY}",
                 "admin_api.office_day": "office=SRG", "admin_api.bookings": "q=Budi"},
        bodies=central_bodies(code))
    world.bearer = lambda office="SRG": {"Authorization": f"Bearer {tokens[office]}"}
    # Each token's use is noted once a minute: noted now, so that a refused request of a
    # real token (another office's) has nothing left to note under this fixed clock.
    for office in tokens:
        assert client.get(f"/api/v1/sync/changes?office={office}",
                          headers=world.bearer(office)).status_code == 200
    return world


def central_bodies(code, serial=1):
    """A valid JSON body for each JSON write of central (the hostile rows vary them)."""
    return {
        "bookings.book": {"office": "SRG", "date": TUESDAY.isoformat(), "hour": 10,
                          "nik": nik(serial), "name": "Siti Aminah", "purpose": "general",
                          "phone": "0812 3456 789"},
        "bookings.cancel": {"nik": NIK}, "bookings.lookup": {"nik": NIK},
        "bookings.reschedule": {"nik": NIK, "date": TUESDAY.isoformat(), "hour": 11},
        "sync.push": {"office": "SRG", "backlog": 0, "events": [wire_event(serial)]},
        "sync.report": {"office": "SRG", "ok": False, "reconciled": None,
                        "error": "central unreachable", "clock_drift": 1.5},
    }


def wire_event(serial, **payload):
    return {"id": str(uuid.uuid4()), "seq": serial, "office": "SRG",
            "day": TUESDAY.isoformat(), "kind": "ticket_issued",
            "schema_version": SCHEMA_VERSION, "created_at": "2026-12-01T08:00:00",
            "payload": {"ticket": f"A{serial:03d}", "lane": "general", "nik": nik(serial),
                        "regency": "3601", **payload}}


def build_branch(path, **config):
    """The SRG branch with counters 1-4, its staff (ACCOUNTS) and two tickets (one
    waiting, one called to counter 1)."""
    app = create_branch({"TESTING": True, "OFFICE": "SRG", "DATABASE_URL": f"sqlite:///{path}",
                         "CENTRAL_URL": "http://127.0.0.1:9", "CLOCK": Clock(BRANCH_NOW),
                         "RATELIMIT_ENABLED": False, **config})
    with app.app_context():
        init_branch_db()
        with branch_db.connection_context():
            add_counters(["1", "2", "3", "4"])
            for username, role in ACCOUNTS["branch"].items():
                create_staff(username, PASSWORD, role)
    client = app.test_client()
    tickets = [client.post("/api/v1/tickets", json={"lane": "general", "nik": nik(n, "3604")})
               for n in (1, 2)]
    assert all(t.status_code == 201 for t in tickets), tickets[0].get_data(as_text=True)
    called = client.post("/api/v1/counters/1/call", headers=basic("siti"))
    assert called.status_code == 200, called.get_data(as_text=True)
    first = tickets[0].get_json()
    token = first["status_url"].rstrip("/").rsplit("/", 1)[-1]
    world = SimpleNamespace(
        which="branch", app=app, db=branch_db, database=branch_db.obj,
        args={"ticket_id": first["id"], "token": token, "name": "1", "filename": "antrean.css"},
        queries={}, bodies=branch_bodies())
    return world


def branch_bodies(serial=10):
    return {
        "api.create_ticket": {"lane": "general", "nik": nik(serial, "3604")},
        "api.transfer": {"lane": "priority", "reason": "elderly"},
        "api.finish": {"outcome": "passport_issued"},
    }


def basic(username, password=PASSWORD):
    """HTTP Basic headers for a staff account."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(scope="module")
def central_world(tmp_path_factory):
    world = build_central(f"sqlite:///{tmp_path_factory.mktemp('central') / 'central.db'}")
    world.admin = logged_in(world, "ana")
    world.viewer = logged_in(world, "vera")
    yield world
    if not central_db.is_closed():
        central_db.close()


@pytest.fixture(scope="module")
def branch_world(tmp_path_factory):
    world = build_branch(tmp_path_factory.mktemp("branch") / "branch.db")
    world.staff = logged_in(world, "siti")
    world.supervisor = logged_in(world, "budi")
    for client, counter in ((world.staff, "1"), (world.supervisor, "2")):
        chosen = client.post("/counter/choose", data={"counter": counter,
                                                      "csrf_token": client.csrf})
        assert chosen.status_code in (302, 303), chosen.get_data(as_text=True)
    yield world


def logged_in(world, username):
    client = world.app.test_client()
    path = "/admin/login" if world.which == "central" else "/login"
    assert page_login(client, path, username).status_code == 303
    client.csrf = csrf_of(client, "/admin/" if world.which == "central" else "/counter")
    return client


@pytest.fixture
def central(central_world):
    """The module's central, its database bound again (other rows bind their own)."""
    central_db.initialize(central_world.database)
    return central_world


@pytest.fixture
def branch(branch_world):
    branch_db.initialize(branch_world.database)
    return branch_world


def world_of(request, which):
    """The module's world of `which` (these fixtures stand in for tests/sync/conftest's
    `central` and `branch`, which serve over HTTP)."""
    return request.getfixturevalue(which)


# === 1. sync endpoints x (no token, wrong token, another office's token, rotated out) ====

SYNC_ROUTES = routes("central", where=is_sync)
SYNC_CREDENTIALS = ["no_token", "wrong_token", "other_office", "rotated_out"]


def names_an_office(route):
    """Whether the request names an office (query or body): another office's token is
    then refused. The suspension list is national: any office's token may read it."""
    doc = APPS["central"].api_doc["paths"]
    operation = doc.get(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule), {}).get(
        route.method.lower(), {})
    params = {p["name"] for p in operation.get("parameters", [])}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = body.get("schema", {}).get("$ref", "")
    schema = APPS["central"].api_doc["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return "office" in params or "office" in schema.get("properties", {})


def sync_request(world, route, headers):
    body = json_body(world, route)
    kw = {"json": body} if route.method == "POST" else {}
    return call(world.app.test_client(), route.method, url(world, route), headers=headers, **kw)


@pytest.mark.parametrize("credential", SYNC_CREDENTIALS)
@pytest.mark.parametrize("route", SYNC_ROUTES, ids=ids(SYNC_ROUTES))
def test_a_sync_endpoint_refuses_anyone_but_its_office_and_writes_nothing(
        central, route, credential):
    if credential == "other_office" and not names_an_office(route):
        pytest.skip("the national suspension list is the same for every office")
    headers = {"no_token": {}, "wrong_token": {"Authorization": "Bearer " + "x" * 43},
               "other_office": central.bearer("CLG"),
               "rotated_out": {"Authorization": f"Bearer {central.revoked}"}}[credential]
    with Unchanged(central_db):
        response = sync_request(central, route, headers)
    assert_error_shape(response, 403 if credential == "other_office" else 401)


@pytest.mark.parametrize("route", SYNC_ROUTES, ids=ids(SYNC_ROUTES))
def test_a_sync_endpoint_answers_its_own_office(central, route):
    """The control: the same request with the office's own token is served."""
    if route.endpoint == "sync.push":
        central.bodies["sync.push"]["events"] = [wire_event(90)]
    response = sync_request(central, route, central.bearer())
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("route", SYNC_ROUTES, ids=ids(SYNC_ROUTES))
def test_an_admin_session_opens_no_sync_endpoint(central, route):
    client = central.admin
    body = json_body(central, route)
    with Unchanged(central_db):
        response = call(client, route.method, url(central, route),
                        headers={"X-CSRF-Token": client.csrf},
                        **({"json": body} if route.method == "POST" else {}))
    assert_error_shape(response, 401)


# === 2. staff and admin routes x (no login, wrong role, CSRF, the other credential) ======

ADMIN_ROUTES = routes("central", where=needs_admin_session)
STAFF_ROUTES = routes("branch", where=needs_staff)


def anonymous_request(world, route, client=None):
    """The route's request with no login (a POST form carries an anonymous session's own
    CSRF token, so only the login is missing)."""
    client = client or world.app.test_client()
    if route.method == "GET":
        return call(client, "GET", url(world, route))
    if is_api(route):
        return call(client, "POST", url(world, route), json=json_body(world, route))
    token = csrf_of(client, "/admin/login" if world.which == "central" else "/login")
    return call(client, "POST", url(world, route), data={"csrf_token": token})


def assert_sent_to_login(response, login_path):
    assert response.status_code == 302, (response.status, response.get_data(as_text=True))
    assert response.headers["Location"].startswith(login_path + "?next=")


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=ids(ADMIN_ROUTES))
def test_an_admin_route_without_a_login_is_refused_and_changes_nothing(central, route):
    with Unchanged(central_db):
        response = anonymous_request(central, route)
    if is_api(route):
        assert_error_shape(response, 401)
    else:
        assert_sent_to_login(response, "/admin/login")


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=ids(ADMIN_ROUTES))
def test_a_sync_token_opens_no_admin_route(central, route):
    client = central.app.test_client()
    with Unchanged(central_db):
        response = call(client, route.method, url(central, route), headers=central.bearer(),
                        **({"data": {}} if route.method == "POST" else {}))
    if is_api(route):
        assert_error_shape(response, 401)
    elif route.method == "POST":
        assert response.status_code == 400      # no CSRF token: refused before the login
    else:
        assert_sent_to_login(response, "/admin/login")


VIEWER_REFUSED = [r for r in ADMIN_ROUTES if admin_action(APPS["central"], r)]
VIEWER_READS = [r for r in ADMIN_ROUTES if r not in VIEWER_REFUSED]


@pytest.mark.parametrize("route", VIEWER_REFUSED, ids=ids(VIEWER_REFUSED))
def test_a_viewer_is_refused_every_admin_action_and_nothing_changes(central, route):
    client = central.viewer
    with Unchanged(central_db):
        kw = {"data": {"csrf_token": client.csrf, "reason": "x"}} if route.method == "POST" \
            else {}
        response = call(client, route.method, url(central, route), **kw)
    assert response.status_code == 403, response.get_data(as_text=True)


@pytest.mark.parametrize("route", VIEWER_READS, ids=ids(VIEWER_READS))
def test_a_viewer_and_an_admin_read_every_console_page(central, route):
    """The control of the rows above, and every console page's headers when served."""
    for client in (central.viewer, central.admin):
        response = call(client, "GET", url(central, route))
        assert response.status_code == 200, (route.rule, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=ids(STAFF_ROUTES))
def test_a_staff_route_without_a_login_is_refused_and_changes_nothing(branch, route):
    with Unchanged(branch_db):
        response = anonymous_request(branch, route)
    if is_api(route):
        assert_error_shape(response, 401)
    else:
        assert_sent_to_login(response, "/login")


STAFF_API = [r for r in STAFF_ROUTES if is_api(r)]


@pytest.mark.parametrize("route", STAFF_API, ids=ids(STAFF_API))
def test_a_wrong_basic_password_opens_no_staff_api_route(branch, route):
    """HTTP Basic (how programs log in) with a wrong password is a 401. Only the login
    failure itself is written, which the lockout counts. (A check costs a deliberately
    slow hash, so the pages, which share current_staff with the API, are left out.)"""
    from branch.models import LoginFailure
    with branch_db.connection_context():
        failures = LoginFailure.select().count()
    response = call(branch.app.test_client(), route.method, url(branch, route),
                    headers=basic("siti", "wrong password"),
                    **({"json": json_body(branch, route)} if is_api(route) and
                       route.method == "POST" else {}))
    assert_error_shape(response, 401)
    with branch_db.connection_context():
        assert LoginFailure.select().count() <= failures + 1
        LoginFailure.delete().execute()          # the next rows start with no failures


SUPERVISOR_ROUTES = [r for r in STAFF_ROUTES if supervisor_only(APPS["branch"], r)]


@pytest.mark.parametrize("route", SUPERVISOR_ROUTES, ids=ids(SUPERVISOR_ROUTES))
def test_counter_staff_are_refused_every_supervisor_route(branch, route):
    ways = [(branch.staff, {"data": {"csrf_token": branch.staff.csrf}}
             if route.method == "POST" else {})]
    if is_api(route) or route.method == "GET":      # HTTP Basic: programs, and reads
        ways.append((branch.app.test_client(), {"headers": basic("siti")}))
    for client, kw in ways:
        with Unchanged(branch_db):
            response = call(client, route.method, url(branch, route), **kw)
        assert response.status_code == 403, response.get_data(as_text=True)
    response = call(branch.supervisor, route.method, url(branch, route),
                    **({"data": {"csrf_token": branch.supervisor.csrf}}
                       if route.method == "POST" else {}))
    assert response.status_code != 403


STAFF_READS = [r for r in STAFF_ROUTES if r.method == "GET"]


@pytest.mark.parametrize("route", STAFF_READS, ids=ids(STAFF_READS))
def test_staff_pages_and_reads_are_served_to_the_right_role(branch, route):
    """Counter staff read every staff page but the supervisor's; a supervisor reads all."""
    staff = call(branch.staff, "GET", url(branch, route))
    assert staff.status_code == (403 if route in SUPERVISOR_ROUTES else 200), route.rule
    assert call(branch.supervisor, "GET", url(branch, route)).status_code == 200


FORM_WRITES = {"central": routes("central", "POST", is_page),
               "branch": routes("branch", "POST", is_page)}
FORM_CASES = [(which, r) for which in ("central", "branch") for r in FORM_WRITES[which]]


def _session_for(world, route):
    """The client a form write is made with: the console's admin, the branch's supervisor,
    or (a public form) an anonymous session that has its own CSRF token."""
    if world.which == "central":
        if needs_admin_session(route):
            return world.admin
    elif needs_staff(route):
        return world.supervisor
    client = world.app.test_client()
    client.csrf = csrf_of(client, "/admin/login" if world.which == "central" else "/login")
    return client


@pytest.mark.parametrize("token", ["no_token", "wrong_token"])
@pytest.mark.parametrize("which,route", FORM_CASES,
                         ids=[f"{w}-{i}" for w, r in FORM_CASES for i in ids([r])])
def test_a_form_write_without_its_csrf_token_is_refused_and_changes_nothing(
        request, which, route, token):
    world = world_of(request, which)
    client = _session_for(world, route)
    form = {"reason": "x", "username": "ana", "password": PASSWORD, "nik": NIK}
    if token == "wrong_token":
        form["csrf_token"] = "x" * 43
    with Unchanged(world.db):
        response = call(client, "POST", url(world, route), data=form)
    assert response.status_code == 400, (route.rule, response.status)
    # "This form has expired" (a kiosk: "the screen had timed out", press once more).
    page = response.get_data(as_text=True)
    assert "kedaluwarsa" in page or "expired" in page or "timed out" in page, page


API_WRITES = routes("branch", "POST", lambda r: is_api(r) and needs_staff(r))


@pytest.mark.parametrize("token", ["no_token", "wrong_token"])
@pytest.mark.parametrize("route", API_WRITES, ids=ids(API_WRITES))
def test_an_api_write_on_the_session_cookie_needs_its_csrf_header(branch, route, token):
    headers = {} if token == "no_token" else {"X-CSRF-Token": "x" * 43}
    with Unchanged(branch_db):
        response = call(branch.supervisor, "POST", url(branch, route), headers=headers,
                        json=json_body(branch, route))
    assert_error_shape(response, 403)
    assert response.get_json()["error"] == "csrf_required"


def test_every_public_name_is_a_route():
    """The allow-lists name only routes that exist (a renamed route is not left open)."""
    for which, names in PUBLIC.items():
        assert names <= set(APPS[which].view_functions), names - set(APPS[which].view_functions)


# === 3. every page and API answer carries the security headers ==============================

PUBLIC_READS = [(which, r) for which in ("central", "branch")
                for r in routes(which, "GET", lambda r, w=which: r.endpoint in PUBLIC[w])]


@pytest.mark.parametrize("which,route", PUBLIC_READS,
                         ids=[f"{w}-{i}" for w, r in PUBLIC_READS for i in ids([r])])
def test_every_public_page_and_answer_is_served_with_the_security_headers(
        request, which, route):
    """Staff and console pages get the same check in the rows above (call() checks every
    answer the matrix receives: refusals, redirects and errors too)."""
    world = world_of(request, which)
    response = call(world.app.test_client(), "GET", url(world, route))
    if route.endpoint == "static" and not os.path.isdir(world.app.static_folder):
        assert response.status_code == 404         # central serves its files per blueprint
    else:
        assert response.status_code in (200, 302, 303), (route.rule, response.status)


@pytest.mark.parametrize("which", ["central", "branch"])
def test_errors_and_wrong_methods_carry_the_headers_too(request, which):
    world = world_of(request, which)
    client = world.app.test_client()
    for method, path, status in (("GET", "/nowhere", 404), ("DELETE", "/api/v1/health", 405),
                                 ("GET", "/api/v1/nowhere", 404)):
        assert call(client, method, path).status_code == status


# === 4. bodies over limits, JSON a thousand deep, wrong types, huge ids, control chars ====

POSTS = [(which, r) for which in ("central", "branch") for r in routes(which, "POST")]
POST_IDS = [f"{w}-{i}" for w, r in POSTS for i in ids([r])]


def privileged(world, route):
    """The client and headers that pass every check the route has, but the one tested."""
    if world.which == "central":
        if is_sync(route):
            return world.app.test_client(), world.bearer()
        if needs_admin_session(route):
            return world.admin, {"X-CSRF-Token": world.admin.csrf}
    elif needs_staff(route):
        return world.supervisor, {"X-CSRF-Token": world.supervisor.csrf}
    client = world.app.test_client()
    client.csrf = csrf_of(client, "/admin/login" if world.which == "central" else "/login")
    return client, {"X-CSRF-Token": client.csrf}


def body_limit(world, route):
    if is_sync(route):
        return world.app.config["SYNC_MAX_BATCH_BYTES"]
    if route.endpoint == "admin.manifest_import":
        return world.app.config["MANIFEST_MAX_BYTES"]
    return world.app.config["MAX_CONTENT_LENGTH"]


@pytest.mark.parametrize("which,route", POSTS, ids=POST_IDS)
def test_a_body_over_the_limit_is_413(request, which, route):
    world = world_of(request, which)
    client, headers = privileged(world, route)
    content_type = "application/json" if is_api(route) else "application/x-www-form-urlencoded"
    body = b"x" * (body_limit(world, route) + 1)
    with Unchanged(world.db):
        response = call(client, "POST", url(world, route), data=body, headers=headers,
                        content_type=content_type)
        if is_api(route):
            assert_error_shape(response, 413)
            assert response.get_json()["error"] in ("too_large", "batch_too_large")
        else:
            assert response.status_code == 413


JSON_WRITES = [(w, r) for w, r in POSTS if is_api(r)]
JSON_IDS = [f"{w}-{i}" for w, r in JSON_WRITES for i in ids([r])]


@pytest.mark.parametrize("which,route", JSON_WRITES, ids=JSON_IDS)
def test_json_nested_a_thousand_deep_is_a_400_and_another_type_a_415(request, which, route):
    world = world_of(request, which)
    client, headers = privileged(world, route)
    target = url(world, route)
    with Unchanged(world.db):
        deep = call(client, "POST", target, data="[" * 1000 + "]" * 1000, headers=headers,
                    content_type="application/json")
        assert_error_shape(deep, 400 if route.endpoint != "sync.push" else 422)
        body = json.dumps(json_body(world, route) or {})
        for content_type in ("text/plain", "application/x-www-form-urlencoded"):
            typed = call(client, "POST", target, data=body, headers=headers,
                         content_type=content_type)
            assert_error_shape(typed, 415)


INT_ROUTES = [(which, r) for which in ("central", "branch") for r in routes(
    which, where=lambda r: any(isinstance(c, IntegerConverter) for c in r.converters.values()))]


@pytest.mark.parametrize("which,route", INT_ROUTES,
                         ids=[f"{w}-{i}" for w, r in INT_ROUTES for i in ids([r])])
def test_an_id_beyond_64_bits_in_a_path_is_a_4xx(request, which, route):
    world = world_of(request, which)
    client, headers = privileged(world, route)
    kw = {"json": json_body(world, route)} if is_api(route) and route.method == "POST" else \
        ({"data": {"csrf_token": client.csrf}} if route.method == "POST" else {})
    ints = {name: c for name, c in route.converters.items() if isinstance(c, IntegerConverter)}
    with Unchanged(world.db):
        for huge in HUGE_IDS + (None,):         # None: one past the converter's own maximum
            target = _with_values(world, route, {
                name: c.max + 1 if huge is None else huge for name, c in ints.items()})
            response = call(client, route.method, target, headers=headers, **kw)
            assert 400 <= response.status_code < 500, (target, response.status)


def _with_values(world, route, values):
    """The route's URL with some path values replaced (built by hand: the converter would
    refuse to build an id it does not match)."""
    target = route.rule
    for name in route.arguments:
        value = values.get(name, path_values(world, route)[name])
        target = re.sub(rf"<(?:[^:>]+:)?{name}>", quote(str(value), safe=""), target)
    query = world.queries.get(route.endpoint)
    return f"{target}?{query}" if query else target


ALL_ROUTES = [(which, r) for which in ("central", "branch") for r in routes(which)]
ALL_IDS = [f"{w}-{i}" for w, r in ALL_ROUTES for i in ids([r])]


@pytest.mark.parametrize("char", ["\x00", "\x1b"], ids=["NUL", "ESC"])
@pytest.mark.parametrize("which,route", ALL_ROUTES, ids=ALL_IDS)
def test_control_characters_in_a_path_or_a_query_are_a_4xx(request, which, route, char):
    world = world_of(request, which)
    client, headers = privileged(world, route)
    kw = {"data": {"csrf_token": getattr(client, "csrf", "")}} if route.method == "POST" else {}
    texts = [n for n, c in route.converters.items() if not isinstance(c, IntegerConverter)]
    targets = [_with_values(world, route, {n: f"A{char}B" for n in texts})] if texts else [
        route.rule.rstrip("/") + quote(char)]
    base = url(world, route)
    targets.append(base + ("&" if "?" in base else "?") + "q=" + quote(f"x{char}y"))
    with Unchanged(world.db):
        for target in targets:
            response = call(client, route.method, target, headers=headers, **kw)
            assert 400 <= response.status_code < 500, (target, response.status)


# === 5. hostile strings in every text field of every JSON body ============================

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE = {
    "nul": "Budi\u0000Santoso",                 # JSON's \u0000: PostgreSQL cannot store it
    "control": "Budi\u001bSantoso",
    "long": "x" * 10_000,
    "rtl_override": "Budi \u202eosotnaS",
    "sql": "x'); DROP TABLE booking; --",
    "script": SCRIPT,
    "lone_surrogate": "Budi\ud800",              # JSON allows it ("\ud800"), UTF-8 does not
    "astral": "Budi \U0001f600",
}
RAW_NUL = "raw_nul_byte"                        # a NUL byte in the JSON text itself


def json_writes(which):
    """(endpoint, route) of every write whose body the OpenAPI document says is JSON."""
    app, found = APPS[which], []
    for route in routes(which, "POST", is_api):
        operation = _operation(app, route)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            found.append((route, content["application/json"]["schema"]))
    return found


def _operation(app, route):
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule)
    return app.api_doc["paths"].get(path, {}).get(route.method.lower(), {})


def text_fields(app, schema, body, prefix=()):
    """Paths of the string fields: every one the schema declares (through $ref, arrays
    and nested objects) and every string the sample body holds (free-form payloads)."""
    paths = set(_schema_strings(app, schema, prefix))
    paths |= set(_body_strings(body, prefix))
    return sorted(paths, key=str)


def _resolve(app, schema):
    while "$ref" in schema:
        schema = app.api_doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _schema_strings(app, schema, prefix, depth=0):
    schema = _resolve(app, schema)
    if depth > 4:
        return
    for name, field in schema.get("properties", {}).items():
        options = [_resolve(app, f) for f in field.get("anyOf", [field])]
        if any(o.get("type") == "string" for o in options):
            yield prefix + (name,)
        for option in options:
            if option.get("type") == "array" and "items" in option:
                yield from _schema_strings(app, option["items"], prefix + (name, 0), depth + 1)
            elif option.get("properties"):
                yield from _schema_strings(app, option, prefix + (name,), depth + 1)


def _body_strings(value, prefix):
    if isinstance(value, str):
        yield prefix
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _body_strings(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value[:1]):
            yield from _body_strings(item, prefix + (i,))


def with_value(body, path, value):
    body = json.loads(json.dumps(body))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def stored_strings(database):
    """Every text value stored anywhere, JSON documents' strings included."""
    found = set()
    for table in database.get_tables():
        for row in database.execute_sql(f'SELECT * FROM "{table}"').fetchall():
            for cell in row:
                if isinstance(cell, str):
                    found.add(cell)
                    if cell[:1] in "{[":
                        found.update(_body_leaves(cell))
    return found


def _body_leaves(text):
    try:
        document = json.loads(text)
    except ValueError:
        return set()
    leaves, stack = set(), [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            leaves.add(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return leaves


# A booking code is kept in its one written form (branch.tickets: stripped, upper case).
CANONICAL = {"booking_code": lambda code: code.strip().upper()}


def send_hostile(world, route, body, path, value, case):
    """POST `body` (holding `value`) as the route's own user; a reason if the answer is
    wrong, else None. Right: a 4xx in the error shape, or a 2xx that stored `value`."""
    client, headers = privileged(world, route)
    text = json.dumps(body)
    if case == RAW_NUL:
        text = text.replace("\\u0000", "\x00")
    response = client.post(url(world, route), data=text.encode("utf-8", "surrogatepass"),
                           headers=headers, content_type="application/json")
    assert_headers(response)
    status, answer = response.status_code, response.get_json(silent=True)
    if status >= 500:
        return f"{status}: {response.get_data(as_text=True)[:200]}"
    if status >= 400:
        ok = isinstance(answer, dict) and {"error", "message"} <= set(answer)
        return None if ok else f"{status} without the error shape"
    if route.endpoint == "sync.push" and answer["quarantined"]:
        return None if all(q["reason"] for q in answer["quarantined"]) else "no reason"
    with world.db.connection_context():
        stored = stored_strings(world.db)
    if value not in stored and CANONICAL.get(path[-1], str)(value) not in stored:
        return f"{status} but {value[:30]!r} is not stored as sent"
    return None


def hostile_rows(world, bodies_for):
    """Every (route, field, case) of the server's JSON writes; the reasons of wrong ones."""
    wrong, count, serial = [], 0, 100
    for route, schema in json_writes(world.which):
        for path in text_fields(world.app, schema, bodies_for(serial).get(route.endpoint)):
            for case, value in [*HOSTILE.items(), (RAW_NUL, HOSTILE["nul"])]:
                serial += 1
                body = bodies_for(serial).get(route.endpoint)
                assert body is not None, f"name a sample JSON body for {route.endpoint}"
                reason = send_hostile(world, route, with_value(body, path, value), path,
                                      value, case)
                count += 1
                if reason:
                    wrong.append((route.rule, ".".join(map(str, path)), case, reason))
    return wrong, count


def central_hostile_bodies(world):
    def bodies(serial):
        found = central_bodies(world.code, serial)
        day = TUESDAY + timedelta(days=serial % 4)       # Tuesday to Friday, 08:00 to 15:00
        found["bookings.book"].update(date=day.isoformat(), hour=8 + serial % 8)
        found["sync.push"]["events"][0]["seq"] = 1000 + serial
        return found
    return bodies


@pytest.mark.slow
def test_hostile_strings_in_every_json_field_of_central_are_refused_or_kept(central_db_url):
    """On SQLite and PostgreSQL: NUL, control characters, 10,000 characters, an RTL
    override, SQL, a script, a lone surrogate, an emoji, in every text field."""
    world = build_central(central_db_url)
    try:
        wrong, count = hostile_rows(world, central_hostile_bodies(world))
        assert count >= 150, count
        assert not wrong, wrong
        assert_escaped_on_every_page(world, script_in_central(world))
    finally:
        if not central_db.is_closed():
            central_db.close()


@pytest.mark.slow
def test_hostile_strings_in_every_json_field_of_the_branch_are_refused_or_kept(tmp_path):
    world = build_branch(tmp_path / "branch.db", CAP_PROVISIONAL=1000)
    world.supervisor = logged_in(world, "budi")

    def bodies(serial):
        found = branch_bodies(serial)
        found["api.create_ticket"].update(lane="booking", booking_code="SRG-AB12CD34")
        return found
    wrong, count = hostile_rows(world, bodies)
    assert count >= 60, count
    assert not wrong, wrong
    # A booking code holds letters, digits and dashes only (the rows above saw SCRIPT
    # refused), so the text a branch page shows that staff chose is a counter's name.
    with world.app.app_context(), branch_db.connection_context():
        add_counters([SCRIPT])
    assert_escaped_on_every_page(world, [world.supervisor], also=[world.app.test_client()])


def script_in_central(world):
    """A script stored where central's pages show it: a booking's name, a branch's last
    error, a pushed counter's name. The clients that should see it (admin, applicant)."""
    client = world.app.test_client()
    booked = client.post("/api/v1/bookings", json={
        "office": "SRG", "date": TUESDAY.isoformat(), "hour": 14, "nik": nik(9999),
        "name": SCRIPT, "purpose": "general"})
    assert booked.status_code == 201, booked.get_data(as_text=True)
    code = booked.get_json()["code"]
    found = client.post("/booking-saya", data={"code": code, "nik": nik(9999),
                                              "csrf_token": csrf_of(client, "/booking-saya")})
    assert found.status_code == 303, found.get_data(as_text=True)
    world.args["code"] = code
    reported = client.post("/api/v1/sync/report", json={"ok": False, "error": SCRIPT},
                           headers=world.bearer())
    assert reported.status_code == 200
    admin = logged_in(world, "ana")
    world.queries["admin.bookings"] = f"q={code}"
    return [admin, client]


def assert_escaped_on_every_page(world, clients, also=()):
    """Every page (GET route) each client may open shows the stored script escaped, never
    as markup; at least one page of each of `clients` shows it (`also`: need not)."""
    for client in [*clients, *also]:
        shown = 0
        for route in routes(world.which, "GET"):
            response = client.get(url(world, route))
            assert response.status_code < 500, route.rule
            page = response.get_data(as_text=True).lower()     # a code is upper case
            assert SCRIPT not in page or response.mimetype == "application/json", route.rule
            shown += ESCAPED_SCRIPT in page
        assert shown or client in also, f"no page showed the stored script to {client}"


# A role row of section 2, here because it reads the documents' JSON bodies.

def _override_writes():
    """Public JSON writes whose body may ask for a supervisor's override (an `override`
    field in the document): the flag needs the supervisor's login the route does not."""
    found = []
    for route, schema in json_writes("branch"):
        if "override" in _resolve(APPS["branch"], schema).get("properties", {}):
            found.append(route)
    return found


OVERRIDES = _override_writes()


@pytest.mark.parametrize("route", OVERRIDES, ids=ids(OVERRIDES))
def test_an_override_in_a_public_write_needs_a_supervisor(branch, route):
    body = {**json_body(branch, route), "override": True}
    for client, headers, status in (
            (branch.app.test_client(), {}, 401),
            (branch.app.test_client(), basic("siti"), 403),
            (branch.staff, {"X-CSRF-Token": branch.staff.csrf}, 403)):
        with Unchanged(branch_db):
            response = call(client, "POST", url(branch, route), json=body, headers=headers)
        assert_error_shape(response, status)


def test_the_override_rows_found_the_ticket_api():
    """The row above is not empty by accident: the ticket API documents its flag."""
    assert [route.endpoint for route in OVERRIDES] == ["api.create_ticket"]


# === 6. the earlier defects of issue 13, as rows =========================================
# Each row states the defect's rule on both servers where it applies; the tests named in
# docs/RELIABILITY.md prove the finer points (messages, windows, CLI output).

LOGIN_PATH = {"central": "/admin/login", "branch": "/login"}
HOME_PATH = {"central": "/admin/", "branch": "/status"}
USER = {"central": "ana", "branch": "budi"}


@pytest.mark.parametrize("which", ["central", "branch"])
def test_defect_1_no_server_runs_on_a_built_in_key_and_a_forged_cookie_opens_nothing(
        request, which, tmp_path, monkeypatch):
    """A cookie signed with any key but the server's own (the old built-in one, say) is
    no login; without ANTREAN_SECRET_KEY outside the test suite, no server starts."""
    from flask.sessions import SecureCookieSessionInterface
    world = world_of(request, which)
    forger = create_branch if which == "branch" else create_central
    monkeypatch.delenv("ANTREAN_SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as refused:
        forger({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert "ANTREAN_SECRET_KEY" in str(refused.value)
    key = "staff_id" if which == "branch" else "admin_id"
    fake = SimpleNamespace(secret_key="dev", config=world.app.config)
    cookie = SecureCookieSessionInterface().get_signing_serializer(fake).dumps(
        {key: 1, f"{key}_version": 0, "_permanent": True})
    client = world.app.test_client()
    client.set_cookie("session", cookie)
    assert call(client, "GET", HOME_PATH[which]).status_code == 302


def test_defect_4_public_reads_show_no_booking_code_and_lookups_need_code_and_nik(
        central, branch):
    ticket = branch.app.test_client().post("/api/v1/tickets", json={
        "lane": "booking", "nik": nik(77, "3604"), "booking_code": "SRG-SECRET77"})
    assert ticket.status_code == 201
    token = ticket.get_json()["status_url"].rsplit("/", 1)[-1]
    for path in (f"/api/v1/t/{token}", f"/t/{token}", f"/kiosk/ticket/{token}"):
        shown = call(branch.app.test_client(), "GET", path).get_data(as_text=True)
        assert "SRG-SECRET77" not in shown and nik(77, "3604") not in shown, path
    assert call(branch.app.test_client(), "GET",
                f"/api/v1/tickets/{ticket.get_json()['id']}").status_code == 401
    client, code = central.app.test_client(), central.code
    assert call(client, "GET", f"/api/v1/bookings/{code}").status_code in (404, 405)
    assert_error_shape(call(client, "POST", f"/api/v1/bookings/{code}/lookup", json={}), 422)
    wrong_nik = call(client, "POST", f"/api/v1/bookings/{code}/lookup", json={"nik": nik(5)})
    wrong_code = call(client, "POST", "/api/v1/bookings/SRG-ZZZZZZZZ/lookup", json={"nik": NIK})
    assert_error_shape(wrong_nik, 404)
    assert wrong_nik.get_json() == wrong_code.get_json()
    found = call(client, "POST", f"/api/v1/bookings/{code}/lookup", json={"nik": NIK})
    assert found.status_code == 200 and found.get_json()["nik"] == NIK[:4] + "*" * 8 + NIK[12:]
    assert NIK not in found.get_data(as_text=True)
    assert_error_shape(call(client, "POST", f"/api/v1/bookings/{code}/cancel", json={}), 422)


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0A/x", "//evil.example",
                                    "https://evil.example/"])
@pytest.mark.parametrize("which", ["central", "branch"])
def test_defect_5_a_login_never_redirects_to_another_host(request, which, target):
    world = world_of(request, which)
    client = world.app.test_client()
    response = page_login(client, LOGIN_PATH[which], USER[which], next=target)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location, location


@pytest.mark.parametrize("which", ["central", "branch"])
def test_defect_8_five_wrong_passwords_lock_the_login_and_unknown_names_cost_the_same(
        request, which):
    world = world_of(request, which)
    client, path, user = world.app.test_client(), LOGIN_PATH[which], LOCKED_USER[which]

    def timed(username):
        started = time.perf_counter()
        assert page_login(client, path, username, "a wrong password").status_code == 401
        return time.perf_counter() - started
    # Alternated, and judged by each kind's fastest try: other work on this machine only
    # ever adds time, so the minimum is the login's own cost.
    known, unknown = [], []
    for _ in range(3):
        known.append(timed(user))
        unknown.append(timed("nobody-at-all"))
    fastest_known, fastest_unknown = min(known), min(unknown)
    assert abs(fastest_known - fastest_unknown) < max(0.05, 0.5 * fastest_known), (
        known, unknown)
    for _ in range(2):                                      # five wrong ones in all
        assert page_login(client, path, user, "a wrong password").status_code == 401
    locked = page_login(client, path, user)                 # now the right password
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    if which == "branch":                                   # HTTP Basic: the same lock
        assert_error_shape(call(world.app.test_client(), "GET", "/api/v1/status",
                                headers=basic(user)), 429)


@pytest.mark.parametrize("which", ["central", "branch"])
def test_defect_9_a_session_ends_on_logout_and_when_idle_and_is_secure_behind_https(
        request, which, tmp_path, monkeypatch):
    from itsdangerous import TimestampSigner
    world = world_of(request, which)
    client = logged_in(world, SESSION_USER[which])
    with client.session_transaction() as session:
        copied = dict(session)
    assert call(client, "GET", HOME_PATH[which]).status_code == 200
    logout = "/admin/logout" if which == "central" else "/logout"
    assert call(client, "POST", logout, data={"csrf_token": client.csrf}).status_code == 303
    with client.session_transaction() as session:
        session.update(copied)                      # the cookie copied before the logout
    assert call(client, "GET", HOME_PATH[which]).status_code == 302
    idle = logged_in(world, SESSION_USER[which])
    assert call(idle, "GET", HOME_PATH[which]).status_code == 200
    later = time.time() + 60 * world.app.config["SESSION_IDLE_MINUTES"] + 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    assert call(idle, "GET", HOME_PATH[which]).status_code == 302
    monkeypatch.undo()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"}
    direct = world.app.test_client().get(LOGIN_PATH[which], headers=https)
    assert "Secure" not in direct.headers["Set-Cookie"]     # anyone may send that header
    factory = create_branch if which == "branch" else create_central
    proxied = factory({"DATABASE_URL": f"sqlite:///{tmp_path / 'proxied.db'}", "TESTING": True,
                       "PROXY_HOPS": 1})
    with proxied.app_context():
        (init_branch_db if which == "branch" else init_central_db)()
    cookie = proxied.test_client().get(LOGIN_PATH[which], headers=https)
    assert "Secure" in cookie.headers["Set-Cookie"] and "HttpOnly" in cookie.headers["Set-Cookie"]


def test_defect_14_a_rotated_token_works_through_its_grace_only(tmp_path):
    world = build_central(f"sqlite:///{tmp_path / 'central.db'}")
    runner, client = world.app.test_cli_runner(), world.app.test_client()
    again = runner.invoke(args=["office", "token", "SRG"])
    assert again.exit_code != 0 and "--rotate" in again.output
    old = world.bearer()
    rotated = runner.invoke(args=["office", "token", "SRG", "--rotate", "--grace-hours", "2"])
    assert rotated.exit_code == 0, rotated.output
    new = {"Authorization": f"Bearer {rotated.stdout.strip().splitlines()[0]}"}
    for headers in (old, new):
        assert call(client, "GET", "/api/v1/sync/changes", headers=headers).status_code == 200
    world.clock.now += timedelta(hours=2, minutes=1)
    assert_error_shape(call(client, "GET", "/api/v1/sync/changes", headers=old), 401)
    assert call(client, "GET", "/api/v1/sync/changes", headers=new).status_code == 200
    listed = runner.invoke(args=["office", "tokens"])
    assert world.tokens["SRG"] not in listed.output and "SRG" in listed.output
