"""Constants and helpers shared by the central tests (a plain module, imported by name)."""
import json
from datetime import date, datetime, timezone

from central.db import db
from central.models import Booking, Change, Office

# Monday 30 November 2026, 07:00 in Serang (Asia/Jakarta is UTC+7).
MONDAY_7AM = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
SATURDAY = date(2026, 12, 5)

# Valid NIKs: 3601 Kab. Pandeglang (hajj: SRG), 3673 Kota Serang (hajj: CLG).
PANDEGLANG_MAN = "3601011708600001"
KOTA_SERANG_WOMAN = "3673015705950002"


class Clock:
    """app.config["CLOCK"]: returns `now`, which a test may move."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def nik(serial, regency="3601"):
    """A distinct valid NIK (born 1 January 1990) for the given serial number."""
    return f"{regency}01010190{serial:04d}"


def changes(kind=None):
    """The change log as (kind, key, office, payload) tuples, oldest first."""
    with db.connection_context():
        rows = list(Change.select().order_by(Change.seq))
    return [(c.kind, c.key, c.office, json.loads(c.payload)) for c in rows
            if kind is None or c.kind == kind]


def statuses(office="SRG"):
    """{status: count} of the office's bookings, read from the database."""
    with db.connection_context():
        rows = list(Booking.select().join(Office).where(Office.code == office))
    out = {}
    for row in rows:
        out[row.status] = out.get(row.status, 0) + 1
    return out
