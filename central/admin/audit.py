"""The audit log: every admin action, who took it, when, what it changed and why.

An entry is written in the same transaction as the action it records, so an
action without its entry (or an entry without its action) is never committed.
Entries are only ever added: there is no update or delete here, and the
database refuses both (migration 030's triggers).
"""
import getpass
import json

from sync.i18n import _l

from ..models import naive_utc
from ..offices import clock_now
from .models import AuditEntry

ACTIONS = {
    "suspension.issued": _l("Suspension issued"),
    "suspension.lifted": _l("Suspension lifted"),
    "conflict.decided": _l("Conflict decided"),
    "manifest.imported": _l("Pilgrim list imported"),
    "mismatch.marked": _l("Mismatch marked"),
    "office.created": _l("Office created"),
    "office.updated": _l("Office settings changed"),
    "closed_date.added": _l("Closed date added"),
    "closed_date.removed": _l("Closed date removed"),
    "booking.cancelled": _l("Booking cancelled by an admin"),
    "account.created": _l("Account created"),
    "account.changed": _l("Account changed"),
    "account.disabled": _l("Account disabled"),
}
PER_PAGE = 100


def record(actor, action, subject, reason="", /, **detail):
    """Append one entry (call it inside the action's transaction); the entry."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return AuditEntry.create(at=naive_utc(clock_now()), actor=str(actor)[:160], action=action,
                             subject=str(subject)[:160], reason=(reason or "").strip(),
                             detail=json.dumps(detail, default=str, sort_keys=True,
                                               ensure_ascii=False))


def cli_actor():
    """Who runs a CLI command: "cli:<operating-system user>"."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):     # no name for this uid (e.g. a bare container)
        return "cli:unknown"


def entries(action=None, actor=None, subject=None, first=None, last=None, page=1):
    """Entries newest first, filtered; (entries of the page, total matching)."""
    query = AuditEntry.select()
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if subject:
        query = query.where(AuditEntry.subject.contains(subject))
    if first:
        query = query.where(AuditEntry.at >= first)
    if last:
        query = query.where(AuditEntry.at < last)
    total = query.count()
    rows = list(query.order_by(AuditEntry.id.desc()).paginate(max(1, page), PER_PAGE))
    return rows, total


def entry_dict(entry):
    """An entry as the JSON API shows it."""
    return {"id": entry.id, "at": entry.at.isoformat() + "Z", "actor": entry.actor,
            "action": entry.action, "subject": entry.subject, "reason": entry.reason,
            "detail": json.loads(entry.detail)}


def about(subject):
    """Every entry about `subject` (e.g. "booking:SRG-7K3M9QXA"), oldest first."""
    return list(AuditEntry.select().where(AuditEntry.subject == subject)
                .order_by(AuditEntry.id))
