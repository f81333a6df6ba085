"""What the admin pages show from the merged view: an office's day, and each branch's sync health."""
from peewee import fn

from .merged import Conflict, MergedRefusal, MergedTicket, OfficeSync, PassportTally, QuarantinedEvent
from .models import Booking, Office, utcnow

WALK_IN_LANES = ("general", "priority")


def office_day(office, day):
    """Booked vs quota, walk-ins, served, people (a NIK counts once), passports by regency."""
    tickets = MergedTicket.select().where(MergedTicket.office == office.code,
                                          MergedTicket.day == day)
    lanes = dict(tickets.select(MergedTicket.lane, fn.COUNT(MergedTicket.id))
                 .group_by(MergedTicket.lane).tuples())
    return {
        "office": office.code, "day": day.isoformat(), "quota": office.daily_quota,
        "booked": (Booking.select().where(Booking.office == office, Booking.date == day,
                                          Booking.status != "cancelled").count()),
        "walk_ins": sum(lanes.get(lane, 0) for lane in WALK_IN_LANES),
        "check_ins": lanes.get("booking", 0),
        "served": tickets.where(MergedTicket.status == "done").count(),
        "people": tickets.select(MergedTicket.nik).distinct().count(),
        "beyond_quota": tickets.where(MergedTicket.beyond_quota == True).count(),  # noqa: E712
        "refusals": (MergedRefusal.select().where(MergedRefusal.office == office.code,
                                                  MergedRefusal.day == day).count()),
        "passports_by_regency": dict(
            PassportTally.select(PassportTally.regency, PassportTally.count)
            .where(PassportTally.office == office.code, PassportTally.day == day)
            .order_by(PassportTally.regency).tuples()),
    }


def sync_health(now=None):
    """Per office: last heard from, cursor, backlog it reported, quarantined, open conflicts."""
    now = now or utcnow()
    syncs = {s.office: s for s in OfficeSync.select()}
    quarantined = _counts(QuarantinedEvent.select(QuarantinedEvent.office,
                                                  fn.COUNT(QuarantinedEvent.id))
                          .group_by(QuarantinedEvent.office))
    conflicts = _counts(Conflict.select(Conflict.office, fn.COUNT(Conflict.id))
                        .where(Conflict.status == "open").group_by(Conflict.office))
    return [_health(office.code, syncs.get(office.code), now, quarantined, conflicts)
            for office in Office.select().order_by(Office.code)]


def _health(code, sync, now, quarantined, conflicts):
    seen = sync.last_seen_at if sync else None
    return {"office": code, "last_seen_at": seen,
            "minutes_since_seen": round((now - seen).total_seconds() / 60) if seen else None,
            "cursor": sync.cursor if sync else 0, "events": sync.events if sync else 0,
            "backlog": sync.backlog if sync else None,
            "quarantined": quarantined.get(code, 0), "open_conflicts": conflicts.get(code, 0)}


def _counts(query):
    return dict(query.tuples())


def open_conflicts(office=None):
    """Conflicts waiting for an admin's decision, oldest first."""
    query = Conflict.select().where(Conflict.status == "open").order_by(Conflict.created_at)
    return list(query.where(Conflict.office == office) if office else query)
