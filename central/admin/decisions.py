"""Conflicts that sync found, and how admins decide them.

A conflict is decided once: its row turns resolved (a conditional update, so
two admins deciding at once cannot both win), a ConflictDecision keeps what
was decided, by whom and why, and the audit log has it too, all in one
transaction. "Open a suspension" decides the conflict only when the
suspension is issued (central.admin.suspension_pages).
"""
from sync.database import write_transaction
from sync.errors import Conflict as Refused, Invalid, NotFound
from sync.i18n import _, _l

from ..conflicts import describe
from ..db import db
from ..merged import Conflict, MergedTicket
from ..models import Booking, naive_utc
from . import audit
from .models import ConflictDecision

KINDS = {
    "unknown_booking": _l("Check-in with a booking code central does not know"),
    "booking_other_nik": _l("Check-in with a booking of another NIK"),
    "booking_other_office": _l("Check-in with a booking for another office"),
    "booking_other_day": _l("Check-in with a booking for another day"),
    "cancelled_but_served": _l("Booking cancelled online but served offline"),
    "served_while_suspended": _l("Served while a suspension was in force"),
    "booking_and_walk_in": _l("Booking and walk-in ticket for one NIK and day"),
}
DECISIONS = {
    "accepted_served": _l("Accept as served"),
    "data_error": _l("Mark as a data error"),
    "suspended": _l("Suspension opened"),
}
CHOOSABLE = ("accepted_served", "data_error")   # "suspended" comes with a suspension
PER_PAGE = 100


def conflicts(status="open", office=None, kind=None, page=1):
    """(conflicts of the page, total): open ones oldest first, decided ones newest first."""
    query = Conflict.select().where(Conflict.status == ("open" if status == "open"
                                                         else "resolved"))
    if office:
        query = query.where(Conflict.office == office)
    if kind:
        query = query.where(Conflict.kind == kind)
    order = ((Conflict.created_at, Conflict.id) if status == "open"
             else (Conflict.resolved_at.desc(), Conflict.id.desc()))
    rows = list(query.order_by(*order).paginate(max(1, page), PER_PAGE))
    return rows, query.count()


def decisions_of(rows):
    """{conflict id: its ConflictDecision} for `rows`."""
    ids = [row.id for row in rows]
    if not ids:
        return {}
    return {d.conflict_id: d for d in ConflictDecision.select()
            .where(ConflictDecision.conflict.in_(ids))}


def conflict_nik(conflict):
    """The NIK a conflict is about (to pre-fill a suspension), or None if none is known."""
    if conflict.subject.isdigit() and len(conflict.subject) == 16:
        return conflict.subject
    ticket = (MergedTicket.select(MergedTicket.nik)
              .where(MergedTicket.office == conflict.office, MergedTicket.day == conflict.day,
                     (MergedTicket.number == conflict.subject)
                     | (MergedTicket.booking_code == conflict.subject))
              .where(MergedTicket.nik.is_null(False)).first())
    if ticket is not None:
        return ticket.nik
    booking = Booking.get_or_none(Booking.code == conflict.subject)
    return booking.nik if booking else None


def get_conflict(conflict_id):
    conflict = Conflict.get_or_none(Conflict.id == conflict_id)
    if conflict is None:
        raise NotFound(_("There is no conflict %(id)s.", id=conflict_id))
    return conflict


def decide(conflict_id, decision, note, actor, now, suspension_id=None):
    """Decide an open conflict (inside the caller's transaction, if any); the decision."""
    if decision not in DECISIONS:
        raise Invalid(_("Choose a decision."))
    if decision == "data_error" and not (note or "").strip():
        raise Invalid(_("Say what the data error is."))
    with write_transaction(db):
        conflict = get_conflict(conflict_id)
        taken = (Conflict.update(status="resolved", resolved_at=naive_utc(now))
                 .where(Conflict.id == conflict.id, Conflict.status == "open").execute())
        if not taken:
            raise Refused(_("Conflict %(id)s has been decided already.", id=conflict.id))
        made = ConflictDecision.create(conflict=conflict.id, decision=decision,
                                       note=(note or "").strip(), actor=actor,
                                       suspension_id=suspension_id, at=naive_utc(now))
        audit.record(actor, "conflict.decided", f"conflict:{conflict.id}", note,
                     decision=decision, kind=conflict.kind, office=conflict.office,
                     day=conflict.day, subject=conflict.subject, suspension=suspension_id)
    return made


def conflict_dict(conflict, decision, show_nik):
    """A conflict as the JSON API shows it (`show_nik` masks NIKs for a viewer)."""
    out = {"id": conflict.id, "office": conflict.office, "day": conflict.day,
           "kind": conflict.kind, "subject": show_nik(conflict.subject),
           "detail": show_nik(describe(conflict)), "status": conflict.status,
           "created_at": conflict.created_at, "resolved_at": conflict.resolved_at,
           "decision": None}
    if decision is not None:
        out["decision"] = {"decision": decision.decision, "note": decision.note,
                           "by": decision.actor, "at": decision.at,
                           "suspension_id": decision.suspension_id}
    return out
