"""Who may open the admin console: logins, lockout, CSRF, sessions that end, and the
separate worlds of admin sessions and branch sync tokens."""
import getpass

import pytest
from admin_support import PASSWORD, audit_rows, csrf_of, log_in, make_account, post

from central.admin.models import AdminAccount
from central.db import db
from central.tokens import issue_token

PAGES = ["/admin/", "/admin/office-day"]


@pytest.fixture
def viewer(app):
    return make_account("vera", "viewer")


def test_no_login_redirects_to_the_login_page_and_the_api_answers_401(client):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login?next=")
    api = client.get("/api/v1/admin/network")
    assert api.status_code == 401 and api.get_json()["error"] == "unauthorized"


def test_login_with_the_right_password_opens_the_pages_and_goes_to_next(client, viewer):
    wrong = log_in(client, "vera", "not the password")
    assert wrong.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    right = log_in(client, "vera", next_url="/admin/office-day?office=CLG")
    assert right.status_code == 303 and right.headers["Location"] == "/admin/office-day?office=CLG"
    for page in PAGES:
        assert client.get(page).status_code == 200
    assert client.get("/api/v1/admin/network").status_code == 200


def test_next_never_leads_to_another_host(client, viewer):
    response = log_in(client, "vera", next_url="//evil.example/admin")
    assert response.headers["Location"] == "/admin/"


def test_five_wrong_passwords_lock_the_login_and_the_page_says_until_when(client, viewer):
    for _ in range(5):
        assert log_in(client, "vera", "wrong password!").status_code == 401
    locked = log_in(client, "vera")             # the right password, refused while locked
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "Terlalu banyak kata sandi yang salah" in locked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_login_form_without_the_right_csrf_token_is_refused(client, viewer):
    csrf_of(client)     # the session has a token; the form sends none, then a wrong one
    for token in (None, "forged-token"):
        form = {"username": "vera", "password": PASSWORD}
        if token:
            form["csrf_token"] = token
        response = client.post("/admin/login", data=form)
        assert response.status_code == 400
        assert "Formulir ini sudah kedaluwarsa" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_logout_needs_its_token_and_ends_every_session_of_the_account(app, viewer):
    first, second = app.test_client(), app.test_client()
    log_in(first, "vera")
    log_in(second, "vera")
    assert post(first, "/admin/logout", csrf=False).status_code == 400
    assert first.get("/admin/").status_code == 200      # a forged logout changes nothing
    assert post(first, "/admin/logout").status_code == 303
    assert first.get("/admin/").status_code == 302
    assert second.get("/admin/").status_code == 302     # the other session ended too


def test_a_sync_token_opens_no_admin_page_and_a_session_opens_no_sync_endpoint(client, viewer):
    with db.connection_context():
        token = issue_token("SRG")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sync/changes", headers=bearer).status_code == 200
    assert client.get("/admin/", headers=bearer).status_code == 302
    assert client.get("/api/v1/admin/network", headers=bearer).status_code == 401
    log_in(client, "vera")
    assert client.get("/admin/").status_code == 200
    for path in ("/api/v1/sync/changes", "/api/v1/sync/digest?day=2026-11-30"):
        refused = client.get(path)
        assert refused.status_code == 401 and refused.get_json()["error"] == "unauthorized"


def test_cli_adds_lists_and_disables_accounts_and_audits_each(app, runner):
    added = runner.invoke(args=["admin", "add", "siti", "--role", "admin"],
                          input="a long enough password\n")
    assert added.exit_code == 0, added.output
    assert "created admin account siti (admin)" in added.output
    short = runner.invoke(args=["admin", "add", "budi", "--role", "viewer"], input="short\n")
    assert short.exit_code == 1 and "paling sedikit 10 karakter" in short.output
    client = app.test_client()
    assert log_in(client, "siti", "a long enough password").status_code == 303
    listed = runner.invoke(args=["admin", "list"])
    assert "siti\tadmin\tenabled" in listed.output and "budi" not in listed.output
    again = runner.invoke(args=["admin", "add", "siti", "--role", "viewer"],
                          input="another long password\n")
    assert "changed admin account siti (viewer)" in again.output
    assert client.get("/admin/").status_code == 302      # a new password ends the session
    client = app.test_client()
    assert log_in(client, "siti", "another long password").status_code == 303
    disabled = runner.invoke(args=["admin", "disable", "siti"])
    assert disabled.exit_code == 0, disabled.output
    assert client.get("/admin/").status_code == 302      # its session ended at once
    assert log_in(app.test_client(), "siti", "another long password").status_code == 401
    assert "siti\tviewer\tdisabled" in runner.invoke(args=["admin", "list"]).output
    assert runner.invoke(args=["admin", "disable", "nobody"]).exit_code == 1
    actor = f"cli:{getpass.getuser()}"
    assert audit_rows() == [(actor, "account.created", "account:siti", ""),
                            (actor, "account.changed", "account:siti", ""),
                            (actor, "account.disabled", "account:siti", "")]
    with db.connection_context():
        assert AdminAccount.select().count() == 1


def test_pages_are_indonesian_unless_switched_and_load_nothing_from_elsewhere(client, viewer):
    log_in(client, "vera")
    page = client.get("/admin/", headers={"Accept-Language": "en-US"})
    html = page.get_data(as_text=True)
    assert '<html lang="id">' in html and "Jaringan hari ini" in html
    assert "Content-Security-Policy" in page.headers
    assert "http://" not in html and "https://" not in html and "style=" not in html
    client.get("/lang/en?next=/admin/")
    assert "Network today" in client.get("/admin/").get_data(as_text=True)


def test_the_admin_reports_are_in_the_openapi_document_with_their_session_login(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("network", "office-day", "passports", "conflicts", "suspensions", "bookings",
                 "manifest/mismatches", "audit"):
        operation = doc["paths"][f"/api/v1/admin/{path}"]["get"]
        assert operation["security"] == [{"admin_session": []}], path
        assert "200" in operation["responses"] and "401" in operation["responses"], path
    assert doc["components"]["securitySchemes"]["admin_session"]["in"] == "cookie"
