"""The web layer both servers share (sync.webapp, websecurity, errors): secret key,
headers, body limits, unreadable bodies, cookies, redirects after login."""
import json

import pytest

from branch import create_app as create_branch
from central import create_app as create_central
from sync.websecurity import safe_next

KEY = "k" * 40


@pytest.fixture(params=["central", "branch"])
def server(request, tmp_path):
    """Either server, on a fresh SQLite file, as production would configure it (no TESTING)."""
    return make(request.param, tmp_path)


def make(which, tmp_path, **config):
    tmp_path.mkdir(parents=True, exist_ok=True)
    factory = create_central if which == "central" else create_branch
    app = factory({"DATABASE_URL": f"sqlite:///{tmp_path / f'{which}.db'}", "SECRET_KEY": KEY,
                   **config})
    with app.app_context():
        from central.db import init_db as central_init
        from branch.db import init_db as branch_init
        (central_init if which == "central" else branch_init)()
    return app


@pytest.mark.parametrize("which", ["central", "branch"])
@pytest.mark.parametrize("key", [None, "", "too-short-a-key"])
def test_a_server_refuses_to_start_without_a_real_secret_key(which, key, tmp_path, monkeypatch):
    monkeypatch.delenv("ANTREAN_SECRET_KEY", raising=False)
    factory = create_central if which == "central" else create_branch
    with pytest.raises(SystemExit) as refused:
        factory({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": key})
    assert "ANTREAN_SECRET_KEY" in str(refused.value)


def test_a_numeric_secret_key_stays_text_and_sessions_work(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTREAN_SECRET_KEY", "1234567890" * 4)
    app = create_branch({"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"})
    assert app.config["SECRET_KEY"] == "1234567890" * 4
    with app.app_context():
        from branch.db import init_db
        init_db()
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and "csrf_token" in page.get_data(as_text=True)
    assert "session=" in page.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/openapi.json", "/nowhere"])
def test_every_answer_carries_the_security_headers(server, path):
    response = server.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def api_post_path(server):
    return "/api/v1/bookings" if server.import_name == "central" else "/api/v1/tickets"


def test_a_body_over_the_limit_is_413_in_the_error_shape(server):
    body = b'{"nik": "' + b"1" * 300_000 + b'"}'
    response = server.test_client().post(api_post_path(server), data=body,
                                         content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_unreadable_bodies_are_400_and_415_not_500(server):
    client, path = server.test_client(), api_post_path(server)
    deep = "[" * 5000 + "]" * 5000
    cases = [(deep, "application/json", 400), ('{"lane": ', "application/json", 400),
             ("lane=general", "application/x-www-form-urlencoded", 415),
             ('{"lane": "general"}', "text/plain", 415)]
    for body, content_type, status in cases:
        response = client.post(path, data=body, content_type=content_type)
        assert response.status_code == status, (body[:20], response.get_data(as_text=True))
        assert set(response.get_json()) >= {"error", "message"}


def test_a_wrong_method_says_which_are_allowed(server):
    response = server.test_client().delete("/api/v1/health")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_the_session_cookie_is_secure_over_https_only_through_a_configured_proxy(tmp_path):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"}
    direct = make("branch", tmp_path / "direct").test_client().get("/login", headers=https)
    assert "Secure" not in direct.headers["Set-Cookie"]     # anyone can send that header
    proxied = make("branch", tmp_path / "proxied", PROXY_HOPS=1).test_client()
    cookie = proxied.get("/login", headers=https).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in make("branch", tmp_path / "tls").test_client().get(
        "https://localhost/login").headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "/\n/x", "evil.example", "",
                                    None, "/ /x", "/\r/evil.example"])
def test_a_login_never_sends_anyone_to_another_host(target):
    """Targets as the page receives them (decoded): a browser drops tabs and newlines."""
    assert safe_next(target, "/counter") == "/counter"


def test_a_path_on_this_site_is_kept():
    assert safe_next("/status?x=1", "/counter") == "/status?x=1"


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0A/x", "//evil.example",
                                    "/%5Cevil.example"])
def test_the_login_page_redirects_only_within_the_site(tmp_path, target):
    from branch.auth import create_staff
    app = make("branch", tmp_path)
    with app.app_context():
        create_staff("siti", "a-long-password", "staff")
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post(f"/login?next={target}", data={
        "username": "siti", "password": "a-long-password", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/counter"


def test_errors_are_json_with_code_and_message(server):
    response = server.test_client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert json.loads(response.data)["error"] == "not_found"
