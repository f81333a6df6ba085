"""The branch's refusals, each with the status and code the API answers.

Every message is written for the person at the kiosk or the counter; the
pages show the same text the API returns.
"""
from sync.errors import AntreanError, Conflict, Forbidden, Invalid, NotFound  # noqa: F401


class Unauthorized(AntreanError):
    status, code = 401, "unauthorized"


class CsrfRequired(Forbidden):
    """An API write made on the strength of the session cookie, without the session's token."""
    code = "csrf_required"


class Suspended(Forbidden):
    """The NIK is on the local suspension list; `ends_on` says until when."""
    code = "suspended"

    def __init__(self, ends_on):
        super().__init__(f"This NIK's passport service is suspended until "
                         f"{ends_on:%d %B %Y}. Please ask at the information desk.",
                         ends_on=ends_on.isoformat())
        self.ends_on = ends_on


class CapReached(Conflict):
    """The lane's daily cap is used up; a supervisor may still override."""
    code = "cap_reached"


class WrongDay(Conflict):
    code = "wrong_day"


class WrongOffice(Conflict):
    code = "wrong_office"


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"


class BookingCancelled(Conflict):
    code = "booking_cancelled"


class BookingMismatch(Conflict):
    """The booking code belongs to another NIK."""
    code = "booking_mismatch"


class InvalidState(Conflict):
    """An operation that does not fit the ticket's status (e.g. finishing a waiting ticket)."""
    code = "invalid_state"


class NotElderly(Invalid):
    code = "not_elderly"


class InvalidNik(Invalid):
    code = "invalid_nik"


class InvalidPass(Invalid):
    """A booking pass that is unreadable, altered or signed by a key we do not trust."""
    code = "invalid_pass"


class OutdatedPass(Conflict):
    """A pass whose day or hour is no longer the booking's (it was rescheduled)."""
    code = "outdated_pass"


class SuspensionListUntrusted(AntreanError):
    """The local suspension list fails its check (changed outside Antrean): no NIK can be
    checked against it until sync brings central's signed copy again."""
    status, code = 503, "suspension_list_untrusted"
