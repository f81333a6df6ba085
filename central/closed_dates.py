"""Closed dates: national holidays and collective leave days (every office) and an office's
own closures. A closed date refuses new bookings for it (offices.day_closed_reason says
why), and each office's upcoming closed dates travel in its settings through the change
log, so branches learn of them as of any other setting.
"""
from peewee import IntegrityError

from sync.database import write_transaction
from sync.errors import Conflict, Invalid, NotFound
from sync.i18n import _, _l

from .changes import record_change
from .db import db
from .models import ClosedDate, Office

KINDS = {"national_holiday": _l("National holiday"),
         "collective_leave": _l("Collective leave day"),
         "office_closure": _l("Office closed")}


def closed_date_on(office, day):
    """The ClosedDate that closes `office` on `day`, or None (the office's own first)."""
    rows = list(ClosedDate.select().where(ClosedDate.day == day,
                                          ClosedDate.office.is_null()
                                          | (ClosedDate.office == office.code)))
    return sorted(rows, key=lambda row: row.office is None)[0] if rows else None


def upcoming(office_code, first_day):
    """The office's closed dates from `first_day` on, in date order."""
    return list(ClosedDate.select().where(ClosedDate.day >= first_day,
                                          ClosedDate.office.is_null()
                                          | (ClosedDate.office == office_code))
                .order_by(ClosedDate.day))


def closed_date_dict(row):
    return {"date": row.day.isoformat(), "kind": row.kind, "name": row.name,
            "every_office": row.office is None}


def add_closed_date(day, kind, name, office=None):
    """Close `day` (for every office if `office` is None); raises Invalid or Conflict."""
    name = (name or "").strip()
    if kind not in KINDS:
        raise Invalid(_("Choose what kind of closed date it is."))
    if not name:
        raise Invalid(_("Give the closed date a name, e.g. Hari Raya Idul Fitri."))
    with write_transaction(db):
        if office is not None and not Office.select().where(Office.code == office).exists():
            raise NotFound(_("There is no office with code %(code)s.", code=office))
        try:
            with db.atomic():
                row = ClosedDate.create(day=day, kind=kind, name=name[:120], office=office)
        except IntegrityError:
            raise Conflict(_("%(day)s is already a closed date there.",
                             day=day.isoformat())) from None
        _tell_offices(office)
    return row


def remove_closed_date(closed_id):
    """Open the day again; the removed row (so the caller can say what it was)."""
    with write_transaction(db):
        row = ClosedDate.get_or_none(ClosedDate.id == closed_id)
        if row is None:
            raise NotFound(_("There is no closed date %(id)s.", id=closed_id))
        row.delete_instance()
        _tell_offices(row.office)
    return row


def _tell_offices(code):
    """Every office affected gets its settings again in the change log (closed dates too)."""
    from .offices import office_dict
    offices = Office.select().order_by(Office.code)
    for office in (offices.where(Office.code == code) if code else offices):
        record_change("office", office.code, office_dict(office), office=office.code)
