"""The actions admins take, each with its audit entry in the same transaction.

The console's pages and the CLI (`office add|update`, `suspend`,
`lift-suspension`) both come here, so no action escapes the audit log. (Conflict
decisions and mismatch marks write theirs in central.admin.decisions and .mismatches.)
`actor` is an admin's username or cli:<os user>.
"""
from sync.database import write_transaction
from sync.errors import Conflict as Refused, Invalid
from sync.i18n import _

from ..booking import cancel_as_admin
from ..closed_dates import add_closed_date, remove_closed_date
from ..db import db
from ..models import Office, Suspension
from ..offices import office_dict, save_office
from ..suspensions import issue_suspension, lift_suspension, suspension_dict
from . import audit


def save_office_audited(actor, code, reason="", **fields):
    """save_office, and an audit entry naming each setting changed (old -> new)."""
    with write_transaction(db):
        existing = Office.get_or_none(Office.code == code.upper())
        before = office_dict(existing) if existing else {}
        office, outcome = save_office(code, **fields)
        if outcome != "unchanged":
            after = office_dict(office)
            changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            audit.record(actor, f"office.{outcome}", f"office:{office.code}", reason,
                         changed=changed)
    return office, outcome


def issue_suspension_audited(actor, nik, months, reason, starts_on, now, **context):
    """issue_suspension, audited; `context` (e.g. conflict=12) goes into the entry."""
    with write_transaction(db):
        suspension = issue_suspension(nik, months, reason, starts_on, now)
        issued = {k: v for k, v in suspension_dict(suspension).items() if k != "reason"}
        audit.record(actor, "suspension.issued", f"suspension:{suspension.id}", reason,
                     months=months, **issued, **context)
    return suspension


def lift_suspension_audited(actor, suspension_id, reason, now):
    """lift_suspension with a reason, audited (lifting twice changes nothing)."""
    if not (reason or "").strip():
        raise Invalid(_("Say why the suspension is lifted early."))
    with write_transaction(db):
        lifted = Suspension.get_or_none(Suspension.id == suspension_id)
        if lifted is not None and lifted.lifted_at is not None:
            raise Refused(_("Suspension %(id)s was lifted already.", id=suspension_id))
        suspension = lift_suspension(suspension_id, now)
        audit.record(actor, "suspension.lifted", f"suspension:{suspension.id}", reason,
                     nik=suspension.nik, ends_on=suspension.ends_on)
    return suspension


def cancel_booking_audited(actor, code, reason, now):
    """An admin cancels a booking (any NIK) with a reason; the place is free again."""
    if not (reason or "").strip():
        raise Invalid(_("Say why the booking is cancelled."))
    with write_transaction(db):
        booking = cancel_as_admin(code, now)
        audit.record(actor, "booking.cancelled", f"booking:{booking.code}", reason,
                     office=booking.office.code, date=booking.date, nik=booking.nik)
    return booking


def add_closed_date_audited(actor, day, kind, name, office=None):
    """Close a day (every office when `office` is None), audited."""
    with write_transaction(db):
        row = add_closed_date(day, kind, name, office)
        audit.record(actor, "closed_date.added", f"closed_date:{row.id}", "",
                     day=row.day, kind=row.kind, name=row.name, office=row.office)
    return row


def remove_closed_date_audited(actor, closed_id, reason):
    """Open a closed day again, with a reason, audited."""
    if not (reason or "").strip():
        raise Invalid(_("Say why the day opens again."))
    with write_transaction(db):
        row = remove_closed_date(closed_id)
        audit.record(actor, "closed_date.removed", f"closed_date:{closed_id}", reason,
                     day=row.day, kind=row.kind, name=row.name, office=row.office)
    return row
