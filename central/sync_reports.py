"""What the admin pages show from the merged view: offices' days, and each branch's sync health.

Every figure is counted from the merged tables, which central.merging folds
from the events received (and only from them): a late batch after an outage
changes the figures of the days it brings, and nothing else. The reports read the
replica when there is one (`reading`): a few seconds old is fine there. The open
conflicts are what an admin acts on, so they are read where the decision is written.
"""
from peewee import fn

from sync.database import write_transaction

from .bulk import select_rows
from .conflicts import BOOKED
from .db import db, reading
from .merged import (BranchReport, Conflict, MergedRefusal, MergedTicket, OfficeSync,
                     PassportTally, QuarantinedEvent)
from .models import Office, utcnow

TICKET_FIGURES = ("tickets", "check_ins", "walk_ins_general", "walk_ins_priority", "served",
                  "no_shows", "beyond_quota")
# One pass over an office-day's merged tickets. A ticket that came with a booking is a
# check-in; any other is a walk-in of its lane (a transfer moves it to its new lane).
TICKETS_SQL = ("SELECT office, COUNT(*), "
               f"SUM(CASE WHEN {BOOKED} = 1 THEN 1 ELSE 0 END), "
               f"SUM(CASE WHEN {BOOKED} = 0 AND lane = 'general' THEN 1 ELSE 0 END), "
               f"SUM(CASE WHEN {BOOKED} = 0 AND lane = 'priority' THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN status = 'no_show' THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN beyond_quota THEN 1 ELSE 0 END) "
               "FROM merged_ticket WHERE day = {} AND office IN {} GROUP BY office")
# Booked: every booking of the day but the cancelled ones (an expired one held its place).
BOOKED_SQL = ("SELECT o.code, COUNT(*) FROM booking b JOIN office o ON o.id = b.office_id "
              "WHERE b.date = {} AND o.code IN {} AND b.status != 'cancelled' GROUP BY o.code")
PASSPORTS_SQL = ("SELECT office, SUM(count) FROM passport_tally WHERE day = {} "
                 "AND office IN {} GROUP BY office")
REFUSALS_SQL = ("SELECT office, COUNT(*) FROM merged_refusal WHERE day = {} "
                "AND office IN {} GROUP BY office")


@reading()
def day_figures(days):
    """{office code: figures} for `days` ({date: [office codes]}; each office its own day)."""
    figures = {}
    for day, codes in days.items():
        tickets = {row[0]: row[1:] for row in select_rows(db, TICKETS_SQL, day, codes)}
        booked = dict(select_rows(db, BOOKED_SQL, day, codes))
        passports = dict(select_rows(db, PASSPORTS_SQL, day, codes))
        refusals = dict(select_rows(db, REFUSALS_SQL, day, codes))
        for code in codes:
            counts = dict(zip(TICKET_FIGURES, tickets.get(code) or [0] * len(TICKET_FIGURES)))
            counts = {k: int(v or 0) for k, v in counts.items()}
            figures[code] = {"office": code, "day": day.isoformat(),
                             "booked": booked.get(code, 0), **counts,
                             "walk_ins": counts["walk_ins_general"] + counts["walk_ins_priority"],
                             "passports": int(passports.get(code) or 0),
                             "refusals": refusals.get(code, 0)}
    return figures


@reading()
def office_day(office, day):
    """One office's day: the figures above, the quota, people (a NIK counts once) and
    passports by regency."""
    tickets = MergedTicket.select().where(MergedTicket.office == office.code,
                                          MergedTicket.day == day)
    return {**day_figures({day: [office.code]})[office.code], "quota": office.daily_quota,
            "people": tickets.select(MergedTicket.nik).distinct().count(),
            "passports_by_regency": dict(
                PassportTally.select(PassportTally.regency, PassportTally.count)
                .where(PassportTally.office == office.code, PassportTally.day == day)
                .order_by(PassportTally.regency).tuples())}


@reading()
def refusals(office, day):
    """The NIKs the office refused as suspended that day, in the order received."""
    return list(MergedRefusal.select().where(MergedRefusal.office == office,
                                             MergedRefusal.day == day)
                .order_by(MergedRefusal.id))


@reading()
def sync_health(now=None):
    """Per office: last heard from, cursor, backlog it reported, quarantined, open
    conflicts, and what its job said of its last run (outcome, reconcile, clock drift)."""
    now = now or utcnow()
    syncs = {s.office: s for s in OfficeSync.select()}
    reports = {r.office: r for r in BranchReport.select()}
    quarantined = _counts(QuarantinedEvent.select(QuarantinedEvent.office,
                                                  fn.COUNT(QuarantinedEvent.id))
                          .group_by(QuarantinedEvent.office))
    conflicts = _counts(Conflict.select(Conflict.office, fn.COUNT(Conflict.id))
                        .where(Conflict.status == "open").group_by(Conflict.office))
    return [{**_health(office.code, syncs.get(office.code), now, quarantined, conflicts),
             **_report(reports.get(office.code))}
            for office in Office.select().order_by(Office.code)]


def _health(code, sync, now, quarantined, conflicts):
    seen = sync.last_seen_at if sync else None
    return {"office": code, "last_seen_at": seen,
            "minutes_since_seen": round((now - seen).total_seconds() / 60) if seen else None,
            "cursor": sync.cursor if sync else 0, "events": sync.events if sync else 0,
            "backlog": sync.backlog if sync else None,
            "quarantined": quarantined.get(code, 0), "open_conflicts": conflicts.get(code, 0)}


def _report(report):
    if report is None:
        return {"reported_at": None, "last_run_ok": None, "reconciled": None,
                "last_error": None, "clock_drift": None}
    return {"reported_at": report.reported_at, "last_run_ok": report.ok,
            "reconciled": report.reconciled, "last_error": report.error,
            "clock_drift": report.clock_drift}


def record_run_report(office, fields):
    """Keep what `office`'s job said of its run (only the latest is kept). The clock
    drift to the millisecond: PostgreSQL's real cannot hold a value like 2e-163."""
    if fields.get("clock_drift") is not None:
        fields = {**fields, "clock_drift": round(fields["clock_drift"], 3)}
    with write_transaction(db):
        (BranchReport.insert(office=office, reported_at=utcnow(), **fields)
         .on_conflict(conflict_target=[BranchReport.office],
                      update={getattr(BranchReport, k): v
                              for k, v in {"reported_at": utcnow(), **fields}.items()})
         .execute())


def _counts(query):
    return dict(query.tuples())


def open_conflicts(office=None):
    """Conflicts waiting for an admin's decision, oldest first."""
    query = Conflict.select().where(Conflict.status == "open").order_by(Conflict.created_at)
    return list(query.where(Conflict.office == office) if office else query)
