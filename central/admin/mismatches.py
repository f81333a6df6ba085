"""The mismatch report: hajj bookings, and the tickets they were checked in with, whose NIK
is missing from the pilgrim list or whose name or birth date differs from it.

Names are compared case- and space-insensitively (manifest.name_key); the birth date
of a booking or ticket is the one its NIK encodes (DDMMYY, women +40), compared by
day, month and the year's last two digits, as the NIK holds them. Staff mark each
mismatch corrected or suspected falsification (which opens the suspension form
pre-filled); a marked mismatch leaves the open list, its mark kept and audited.
"""
from datetime import timedelta

from sync.database import write_transaction
from sync.errors import Conflict as Refused, Invalid, NotFound
from sync.i18n import _, _l

from ..bulk import select_rows
from ..db import db
from ..models import naive_utc
from . import audit
from .manifest import name_key
from .models import MismatchMark

DECISIONS = {"corrected": _l("Corrected"), "suspected": _l("Suspected falsification")}
PROBLEMS = {"missing": _l("NIK not on the pilgrim list"), "name": _l("Name differs"),
            "birth_date": _l("Birth date differs")}
LOOKBACK_DAYS = 365       # bookings of the last year and the future
SHOWN = 500

BOOKINGS_SQL = ("SELECT b.code, o.code, b.date, b.nik, b.name, b.status, m.nik, m.name, "
                "m.name_key, m.birth_date FROM booking b JOIN office o ON o.id = b.office_id "
                "LEFT JOIN manifest_entry m ON m.nik = b.nik WHERE b.purpose = 'hajj' "
                "AND b.status != 'cancelled' AND b.date >= {}")
BOOKINGS_ORDER = " ORDER BY b.date, b.code"
TICKETS_SQL = ("SELECT t.office, t.day, t.number, t.nik, b.code, b.nik, m.nik, m.birth_date "
               "FROM merged_ticket t JOIN booking b ON b.code = t.booking_code "
               "LEFT JOIN manifest_entry m ON m.nik = t.nik WHERE t.booking_code IS NOT NULL "
               "AND b.purpose = 'hajj' AND t.nik IS NOT NULL AND t.nik != b.nik "
               "AND b.date >= {}")
TICKETS_ORDER = " ORDER BY t.day, t.office, t.number"


def nik_birth(nik):
    """(day, month, 2-digit year) of the birth date a NIK encodes."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    return (day - 40 if day > 40 else day, month, year)


def _birth_of(value):
    text = str(value)         # a date from PostgreSQL, ISO text from SQLite
    return (int(text[8:10]), int(text[5:7]), int(text[2:4]))


def find_mismatches(today, status="open"):
    """(the mismatches shown, how many in all): open ones, marked ones, or all."""
    first = (today - timedelta(days=LOOKBACK_DAYS)).isoformat()
    found = [m for m in _booking_mismatches(first) + _ticket_mismatches(first) if m["problems"]]
    marks = _marks([m["key"] for m in found])
    for item in found:
        item["mark"] = marks.get(item["key"])
    if status != "all":
        found = [m for m in found if (m["mark"] is None) == (status == "open")]
    return found[:SHOWN], len(found)


def _booking_mismatches(first, code=None):
    sql, params = BOOKINGS_SQL + (" AND b.code = {}" if code else "") + BOOKINGS_ORDER, [first]
    out = []
    for code, office, day, nik, name, state, listed, list_name, list_key, born in select_rows(
            db, sql, *params, *([code] if code else [])):
        problems = _problems(nik, listed, born)
        if listed and name_key(name) != list_key:
            problems.append("name")
        out.append({"key": f"booking:{code}", "kind": "booking", "office": office,
                    "day": str(day), "ref": code, "nik": nik, "name": name, "status": state,
                    "list_name": list_name, "list_birth_date": born and str(born),
                    "problems": problems})
    return out


def _ticket_mismatches(first, ticket=None):
    where = " AND t.office = {} AND t.day = {} AND t.number = {}" if ticket else ""
    out = []
    for office, day, number, nik, code, booked_nik, listed, born in select_rows(
            db, TICKETS_SQL + where + TICKETS_ORDER, first, *(ticket or ())):
        out.append({"key": f"ticket:{office}/{day}/{number}", "kind": "ticket",
                    "office": office, "day": str(day), "ref": f"{number} ({code})",
                    "nik": nik, "name": None, "status": None, "list_name": None,
                    "list_birth_date": born and str(born),
                    "problems": _problems(nik, listed, born)})
    return out


def _problems(nik, listed, born):
    if not listed:
        return ["missing"]
    return [] if nik_birth(nik) == _birth_of(born) else ["birth_date"]


def _marks(keys):
    marks = {}
    for start in range(0, len(keys), 900):
        chunk = keys[start:start + 900]
        marks.update({m.key: m for m in MismatchMark.select().where(MismatchMark.key.in_(chunk))})
    return marks


def mark(key, decision, note, actor, now, suspension_id=None):
    """Mark the mismatch `key` (inside the caller's transaction, if any); the mark.
    A suspension issued for a mismatch already marked suspected is attached to it."""
    if decision not in DECISIONS:
        raise Invalid(_("Choose corrected or suspected falsification."))
    with write_transaction(db):
        existing = MismatchMark.get_or_none(MismatchMark.key == key)
        if existing is not None:
            if decision == "suspected" == existing.decision and suspension_id:
                existing.suspension_id = suspension_id
                existing.save()
                return existing
            raise Refused(_("This mismatch has been marked already."))
        item = current_mismatch(key)
        made = MismatchMark.create(key=key, nik=item["nik"], problems=",".join(item["problems"]),
                                   decision=decision, note=(note or "").strip(), actor=actor,
                                   suspension_id=suspension_id, at=naive_utc(now))
        audit.record(actor, "mismatch.marked", f"mismatch:{key}", note, decision=decision,
                     nik=item["nik"], problems=item["problems"], suspension=suspension_id)
    return made


def current_mismatch(key):
    """The mismatch `key` as the report finds it now; NotFound if there is none."""
    kind, _sep, ref = key.partition(":")
    parts = ref.split("/")
    if kind == "booking" and ref:
        found = _booking_mismatches("0001-01-01", code=ref)
    elif kind == "ticket" and len(parts) == 3:
        found = _ticket_mismatches("0001-01-01", ticket=parts)
    else:
        found = []
    for item in found:
        if item["problems"]:
            return item
    raise NotFound(_("There is no such mismatch (it may have been corrected meanwhile)."))


def suspension_reason(item):
    """The reason the suspension form is pre-filled with."""
    problems = "; ".join(str(PROBLEMS[p]) for p in item["problems"])
    return _("Suspected falsification of hajj data (%(ref)s at %(office)s on %(day)s): "
             "%(problems)s.", ref=item["ref"], office=item["office"], day=item["day"],
             problems=problems)
