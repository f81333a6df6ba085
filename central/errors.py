"""Central's refusals, each with the code the API answers."""
from sync.errors import Conflict, Forbidden, Invalid, NotFound  # noqa: F401  (re-exported)


class SlotFull(Conflict):
    code = "slot_full"


class QuotaFull(Conflict):
    code = "quota_full"


class DuplicateBooking(Conflict):
    code = "duplicate_booking"


class NotCancellable(Conflict):
    code = "not_cancellable"


class WrongOffice(Conflict):
    code = "wrong_office"


class Suspended(Forbidden):
    code = "suspended"
