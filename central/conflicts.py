"""The rules that join branch events to central's own records, and the conflicts they find.

Nothing here is resolved silently: when offline and online disagree, the
rule decides what the merged view says and a Conflict row tells an admin.
- a booking cancelled online but served offline stays served;
- a person served offline while a suspension already existed is flagged;
- a check-in whose code is unknown or belongs to another NIK is flagged;
- a check-in with a booking for another day is flagged (the branch refuses one when its
  copy knows the booking; a provisional check-in cannot know), and the booking keeps its
  place on its own day;
- a booking and a walk-in for the same NIK and day count once, and are flagged.

A conflict keeps its facts (JSON in `detail`), not a sentence: `describe` words them in
the language of whoever reads them.
"""
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sync.database import iso_day
from sync.i18n import N_, _, format_day

from .bulk import select_rows
from .changes import record_change
from .db import db
from .merged import Conflict
from .models import Booking, Office, Suspension, naive_utc

# A merged ticket that came with a booking (1) or is a walk-in (0), in SQL.
BOOKED = ("(CASE WHEN COALESCE(booking_code, '') != '' OR lane = 'booking' "
          "THEN 1 ELSE 0 END)")
# The rules' lookups as one statement (see _probe); each row says what it found.
PROBE_SQL = ("SELECT 'suspended', NULL, nik FROM suspension WHERE nik IN {} "
             "UNION ALL SELECT 'both', day, nik FROM merged_ticket WHERE office = {} "
             "AND day IN {} AND nik IN {} GROUP BY day, nik "
             "HAVING min(" + BOOKED + ") = 0 AND max(" + BOOKED + ") = 1 "
             "UNION ALL SELECT 'booked', b.date, b.nik FROM booking b "
             "JOIN office o ON o.id = b.office_id WHERE o.code = {} AND b.date IN {} "
             "AND b.nik IN {} AND b.status != 'cancelled'")


def apply_rules(office, fresh, tickets):
    """Update bookings from check-ins and services; record every conflict found."""
    served = [ticket for ticket in tickets.values() if ticket["status"] == "done"]
    issued = {(e["day"].isoformat(), p["nik"]) for e, p in fresh
              if e["kind"] == "ticket_issued"}
    probe = _probe(office, {t["nik"] for t in served if t["nik"]}, issued)
    found = []
    found += _check_ins(office, fresh)
    found += _services(office, served, probe["suspended"])
    found += _walk_ins_with_bookings(office, issued, probe)
    if found:
        Conflict.insert_many(found).on_conflict_ignore().execute()


def _probe(office, served_niks, issued):
    """What the rules must look up, in one round trip: which served NIKs have a
    suspension, and which issued (day, NIK) pairs have merged tickets of both kinds
    or a booking made online. Nearly always nothing comes back."""
    found = {"suspended": set(), "both": set(), "booked": set()}
    if not served_niks and not issued:
        return found
    days, niks = {d for d, _ in issued}, {n for _, n in issued}
    for what, day, nik in select_rows(db, PROBE_SQL, served_niks, office, days, niks,
                                      office, days, niks):
        found[what].add(nik if what == "suspended" else (iso_day(day), nik))
    return found


# What each kind of conflict says; the unknown booking's by how the check-in was proven.
DETAILS = {
    ("unknown_booking", "provisional"): N_(
        "Ticket %(ticket)s was a provisional check-in with booking %(code)s, which central "
        "does not know."),
    ("unknown_booking", "pass"): N_(
        "Ticket %(ticket)s was a pass-verified check-in with booking %(code)s, which central "
        "does not know."),
    ("unknown_booking", "verified"): N_(
        "Ticket %(ticket)s was a verified check-in with booking %(code)s, which central does "
        "not know."),
    "booking_other_nik": N_(
        "Ticket %(ticket)s checked in booking %(code)s for NIK %(nik)s; the booking is for "
        "NIK %(booking_nik)s."),
    "booking_other_office": N_(
        "Ticket %(ticket)s checked in booking %(code)s, which is for office %(booking_office)s."),
    "booking_other_day": N_(
        "Ticket %(ticket)s was checked in on %(day)s with booking %(code)s, which is for "
        "%(booking_day)s."),
    "cancelled_but_served": N_(
        "Booking %(code)s was cancelled online, but ticket %(ticket)s served the person "
        "offline; it stays served."),
    "served_while_suspended": N_(
        "Ticket %(ticket)s served NIK %(nik)s on %(day)s, while suspension #%(suspension)s "
        "(%(starts_on)s to %(ends_on)s) already existed."),
    "booking_and_walk_in": N_(
        "NIK %(nik)s has a booking and a walk-in ticket on %(day)s; counted once."),
}
# The facts that are dates: written as people write them.
DAYS = ("day", "booking_day", "starts_on", "ends_on")


def _conflict(office, of_day, kind, subject, **facts):
    """A Conflict row; `facts` are what `describe` words (a `day` among them, often)."""
    return {"office": office, "day": of_day, "kind": kind, "subject": subject,
            "detail": json.dumps(facts, sort_keys=True, default=str)}


def describe(conflict):
    """What the conflict says, in the reader's language (a request's or the app's default)."""
    try:
        facts = json.loads(conflict.detail)
    except ValueError:
        facts = None
    if not isinstance(facts, dict):
        return conflict.detail              # worded in English by a release before facts
    message = DETAILS.get((conflict.kind, facts.get("how"))) or DETAILS.get(conflict.kind)
    if message is None:
        return conflict.detail
    shown = {k: format_day(date.fromisoformat(v)) if k in DAYS else v for k, v in facts.items()}
    return _(message, **shown)


def _bookings(codes):
    if not codes:
        return {}
    query = Booking.select(Booking, Office).join(Office).where(Booking.code.in_(list(codes)))
    return {b.code: b for b in query}


def _check_ins(office, fresh):
    check_ins = [(e, p) for e, p in fresh if e["kind"] == "booking_checked_in"]
    bookings, found = _bookings({p["booking_code"] for _, p in check_ins}), []
    for event, payload in check_ins:
        booking = bookings.get(payload["booking_code"])
        problem = _check_in_problem(office, booking, payload, event["day"])
        if problem:
            found.append(_conflict(office, event["day"], problem[0], payload["booking_code"],
                                   **problem[1]))
        elif booking.status == Booking.ACTIVE:
            _set_booking(booking, "checked_in", payload["ticket"])
    return found


def _check_in_problem(office, booking, payload, day):
    ticket, code, nik = payload["ticket"], payload["booking_code"], payload["nik"]
    how = ("provisional" if not payload["verified"]
           else "pass" if payload.get("by_pass") else "verified")
    if booking is None:
        return "unknown_booking", {"ticket": ticket, "code": code, "how": how}
    if booking.nik != nik:
        return "booking_other_nik", {"ticket": ticket, "code": booking.code, "nik": nik,
                                     "booking_nik": booking.nik}
    if booking.office.code != office:
        return "booking_other_office", {"ticket": ticket, "code": booking.code,
                                        "booking_office": booking.office.code}
    if booking.date != day:
        return "booking_other_day", {"ticket": ticket, "code": booking.code, "day": day,
                                     "booking_day": booking.date}
    return None


def _services(office, served, suspended):
    """Finished tickets (`served`): their bookings become served; suspended people (any
    of `suspended`, the NIKs with a suspension) are flagged.

    Every finished ticket the batch touched is looked at, not only those it
    finished: when a late batch brings the NIK or booking code of a ticket
    already finished, the rules run then. They are idempotent.
    """
    found = _suspended_served(office, served, suspended)
    bookings = _bookings({t["booking_code"] for t in served if t["booking_code"]})
    for ticket in served:
        booking = bookings.get(ticket["booking_code"])
        if booking is None or booking.nik != ticket["nik"] or booking.office.code != office:
            continue    # already flagged at check-in
        if booking.status == "cancelled":
            found.append(_conflict(office, ticket["day"], "cancelled_but_served", booking.code,
                                   code=booking.code, ticket=ticket["number"]))
        if booking.status != "served":
            _set_booking(booking, "served", ticket["number"])
    return found


def _suspended_served(office, served, suspended):
    if not suspended:       # almost nobody is suspended
        return []
    by_nik = {}
    for suspension in Suspension.select().where(Suspension.nik.in_(list(suspended))):
        by_nik.setdefault(suspension.nik, []).append(suspension)
    zone = ZoneInfo(Office.get(Office.code == office).timezone)
    return [_conflict(office, t["day"], "served_while_suspended", t["number"],
                      ticket=t["number"], nik=t["nik"], day=t["day"], suspension=s.id,
                      starts_on=s.starts_on, ends_on=s.ends_on)
            for t in served for s in by_nik.get(t["nik"], [])
            if _in_force(s, date.fromisoformat(t["day"]), zone)]


def _in_force(suspension, day, zone):
    """Issued by the end of the office's `day`, covering `day`, and not lifted before
    that day ended. The suspension's times are UTC, the day is the office's: the end
    of the day is compared in UTC (in Jakarta it is 17:00 UTC)."""
    day_end = naive_utc(datetime.combine(day + timedelta(days=1), time(), tzinfo=zone))
    return (suspension.starts_on <= day <= suspension.ends_on
            and suspension.created_at < day_end
            and (suspension.lifted_at is None or suspension.lifted_at >= day_end))


def _walk_ins_with_bookings(office, issued, probe):
    """A NIK with a walk-in ticket and a booking the same day is one person, flagged once.

    The probe found the pairs of `issued` ((day, NIK)) with both kinds of merged
    ticket, or with a booking made online; for the latter, the walk-in tickets
    are looked for here. Nearly every NIK has neither.
    """
    both, online = set(probe["both"]), probe["booked"]
    if online:
        walk_ins = select_rows(db, "SELECT DISTINCT day, nik FROM merged_ticket WHERE office = {} "
                                   "AND day IN {} AND nik IN {} AND " + BOOKED + " = 0",
                               office, {d for d, _ in online}, {n for _, n in online})
        both |= {(iso_day(day), nik) for day, nik in walk_ins} & online
    return [_conflict(office, day, "booking_and_walk_in", nik, nik=nik, day=day)
            for day, nik in sorted(both & issued)]


def _set_booking(booking, status, ticket):
    """Move a booking on and tell its office (the branch's copy follows the change log)."""
    from .booking import booking_dict
    booking.status, booking.ticket = status, ticket
    booking.save()
    record_change("booking", booking.code, booking_dict(booking), office=booking.office.code)
