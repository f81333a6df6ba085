"""What the supervisor sees: the floor right now, and the day's figures for the head office.

All from the branch's own tables, so both work with central unreachable. The
day's figures count tickets by the lane that issued them and passports by the
NIK's regency, as the sync digest does, so they match central's merged counts
once sync has caught up.
"""
from flask import current_app
from peewee import SQL, fn

from sync.nik import mask_nik
from sync.regions import regency_name

from . import counters, limits, waits
from .clock import naive_utc
from .models import Call, Refusal, Ticket

LANES = ("booking", "priority", "general")
OUTCOME_COLUMNS = ("passport_issued", "rejected", "incomplete_documents", "no_show", "open")
MINUTES = SQL("(julianday(finished_at) - julianday(called_at)) * 1440")


def floor_now(day, now=None):
    """Waiting per lane (with the longest wait), the counters, caps and overrides, refusals."""
    now = naive_utc(now)
    return {"lanes": _lanes(day, now), "counters": _counters(day), "caps": caps(day),
            "overrides": _overrides(day), "refusals": _refusals(day)}


def _lanes(day, now):
    oldest = dict(Ticket.select(Ticket.lane, fn.MIN(Ticket.queued_at))
                  .where(Ticket.day == day, Ticket.status == "waiting")
                  .group_by(Ticket.lane).tuples())
    waiting, estimates = counters.waiting_counts(day), waits.lane_estimates(day, None)
    rows = []
    for lane in LANES:
        first = oldest.get(lane)
        longest = int((now - first).total_seconds() // 60) if first else None
        rows.append({"lane": lane, "waiting": waiting[lane], "longest_minutes": longest,
                     "estimate": estimates[lane]})
    return rows


def _counters(day):
    current = {row["counter"]: row for row in counters.current_tickets(day)}
    staff = dict(Call.select(Call.counter, Call.staff)
                 .where(Call.id.in_(Call.select(fn.MAX(Call.id)).where(Call.day == day)
                                    .group_by(Call.counter))).tuples())
    served = {counter: (count, avg) for counter, count, avg in
              Ticket.select(Ticket.counter, fn.COUNT(Ticket.id), fn.AVG(MINUTES))
              .where(Ticket.day == day, Ticket.status.in_(("done", "no_show")))
              .group_by(Ticket.counter).tuples()}
    rows = []
    for counter in counters.open_counters():
        row = current.get(counter.name, {})
        count, avg = served.get(counter.id, (0, None))
        rows.append({"counter": counter.name, "staff": staff.get(counter.id),
                     "number": row.get("number") if row.get("status") == "called" else None,
                     "served": count, "average_minutes": round(avg, 1) if avg else None})
    return rows


def caps(day):
    """Issued against each cap today: {name: (used, cap)}."""
    issued = dict(Ticket.select(Ticket.issued_lane, fn.COUNT(Ticket.id))
                  .where(Ticket.day == day).group_by(Ticket.issued_lane).tuples())
    config = current_app.config
    return {"general": (issued.get("general", 0), int(config["CAP_GENERAL"])),
            "priority": (issued.get("priority", 0), int(config["CAP_PRIORITY"])),
            "provisional": (limits.provisional_used(config["OFFICE"], day),
                            int(config["CAP_PROVISIONAL"]))}


def _overrides(day):
    return list(Ticket.select(Ticket.number, Ticket.issued_lane, Ticket.override_by,
                              Ticket.beyond_quota, Ticket.issued_at)
                .where(Ticket.day == day, Ticket.override_by.is_null(False))
                .order_by(Ticket.issued_at).dicts())


def _refusals(day):
    return [{"at": r.at, "nik": mask_nik(r.nik), "ends_on": r.suspension_ends_on}
            for r in Refusal.select().where(Refusal.day == day).order_by(Refusal.at)]


def day_summary(day):
    """The day's figures: tickets by lane and outcome, no-shows, passports by regency."""
    table = {lane: dict.fromkeys(("issued",) + OUTCOME_COLUMNS, 0) for lane in LANES}
    rows = (Ticket.select(Ticket.issued_lane, Ticket.status, Ticket.outcome, fn.COUNT(Ticket.id))
            .where(Ticket.day == day)
            .group_by(Ticket.issued_lane, Ticket.status, Ticket.outcome).tuples())
    for lane, status, outcome, count in rows:
        column = outcome if status == "done" else "no_show" if status == "no_show" else "open"
        table[lane]["issued"] += count
        table[lane][column] += count
    totals = {column: sum(table[lane][column] for lane in LANES) for column in table["general"]}
    passports = (Ticket.select(Ticket.regency, fn.COUNT(Ticket.id))
                 .where(Ticket.day == day, Ticket.status == "done",
                        Ticket.outcome == "passport_issued")
                 .group_by(Ticket.regency).order_by(Ticket.regency).tuples())
    return {"day": day, "by_lane": table, "totals": totals,
            "passports": [(code, regency_name(code), n) for code, n in passports],
            "beyond_quota": Ticket.select().where(Ticket.day == day,
                                                  Ticket.beyond_quota == True).count(),  # noqa
            "refusals": Refusal.select().where(Refusal.day == day).count()}


def days_with_tickets(limit=31):
    """The latest days with tickets, newest first (the summary's day picker)."""
    return [day for (day,) in Ticket.select(Ticket.day).distinct()
            .order_by(Ticket.day.desc()).limit(limit).tuples()]
