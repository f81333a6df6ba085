"""Central's refusals, each with the code the API answers."""
from sync.errors import AntreanError, Conflict, Forbidden, Invalid, NotFound  # noqa: F401


class SlotFull(Conflict):
    code = "slot_full"


class QuotaFull(Conflict):
    code = "quota_full"


class DuplicateBooking(Conflict):
    code = "duplicate_booking"


class WrongOffice(Conflict):
    code = "wrong_office"


class Suspended(Forbidden):
    code = "suspended"
