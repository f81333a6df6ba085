"""Helpers for the admin console tests: accounts, logged-in clients, CSRF tokens."""
import re

from central.admin.accounts import save_account
from central.admin.models import AuditEntry
from central.db import db

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_account(username, role):
    with db.connection_context():
        return save_account(username, PASSWORD, role)[0]


def csrf_of(client, path="/admin/login"):
    """The CSRF token a page of this session carries."""
    page = client.get(path).get_data(as_text=True)
    return CSRF.search(page).group(1)


def log_in(client, username, password=PASSWORD, next_url=None):
    form = {"username": username, "password": password, "csrf_token": csrf_of(client)}
    if next_url:
        form["next"] = next_url
    return client.post("/admin/login", data=form)


def post(client, path, data=None, csrf=True):
    """POST a console form, with this session's CSRF token unless csrf=False."""
    data = dict(data or {})
    if csrf:
        data["csrf_token"] = csrf_of(client, "/admin/")
    return client.post(path, data=data)


def audit_rows(action=None):
    """(actor, action, subject, reason) of the audit log, oldest first."""
    with db.connection_context():
        query = AuditEntry.select().order_by(AuditEntry.id)
        return [(e.actor, e.action, e.subject, e.reason) for e in query
                if action is None or e.action == action]


class Events:
    """Wire events with increasing seq, as a branch's outbox sends them."""

    def __init__(self, office):
        self.office, self.seq = office, 0

    def __call__(self, kind, day, **payload):
        import uuid
        self.seq += 1
        return {"id": str(uuid.uuid4()), "seq": self.seq, "office": self.office,
                "day": day.isoformat(), "kind": kind, "schema_version": 1,
                "payload": payload, "created_at": f"{day.isoformat()}T08:00:00"}

    def ticket(self, day, number, nik, lane="general", outcome="passport_issued", **issued):
        """Issued, called and finished (`outcome`; None: left waiting after issue;
        "no_show": called and not there)."""
        events = [self("ticket_issued", day, ticket=number, lane=lane, nik=nik,
                       regency=nik[:4], **issued)]
        if outcome is None:
            return events
        events.append(self("ticket_called", day, ticket=number, counter="2"))
        if outcome == "no_show":
            events.append(self("ticket_no_show", day, ticket=number, counter="2"))
        else:
            events.append(self("ticket_finished", day, ticket=number, counter="2",
                               outcome=outcome, regency=nik[:4]))
        return events


def push(client, token, office, events, backlog=0):
    response = client.post("/api/v1/sync/push", json={"office": office, "backlog": backlog,
                                                      "events": events},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
