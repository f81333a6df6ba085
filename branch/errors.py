"""The branch's refusals, each with the status and code the API answers.

Every message is written for the person at the kiosk or the counter; the
pages show the same text the API returns.
"""
from sync.errors import AntreanError, Conflict, Forbidden, Invalid, NotFound  # noqa: F401
from sync.i18n import _, format_day


class Unauthorized(AntreanError):
    status, code = 401, "unauthorized"


class CsrfRequired(Forbidden):
    """An API write made on the strength of the session cookie, without the session's token."""
    code = "csrf_required"


class Suspended(Forbidden):
    """The NIK is on the local suspension list; `ends_on` says until when."""
    code = "suspended"

    def __init__(self, ends_on):
        super().__init__(_("Passport service for this NIK is suspended until %(day)s. "
                           "Please ask at the information desk.", day=format_day(ends_on)),
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


class NotAWoman(Invalid):
    """The pregnant priority lane with a man's NIK (a woman's day of birth is stored + 40)."""
    code = "not_a_woman"


class NotYoungChild(Invalid):
    """The young-child priority lane for a child aged YOUNG_CHILD_AGE or over."""
    code = "not_young_child"


class NikWaiting(Conflict):
    """The NIK already holds a waiting ticket in this lane (branch.limits)."""
    code = "nik_waiting"


class NikDailyLimit(Conflict):
    """The NIK has taken the most tickets one person may take in a day."""
    code = "nik_daily_limit"


class ProvisionalCapReached(Conflict):
    """Today's check-ins the office cannot confirm (provisional) are used up."""
    code = "provisional_cap_reached"


class KioskKeyRequired(Forbidden):
    """This office issues tickets only from enrolled kiosks (ANTREAN_KIOSK_KEY)."""
    code = "kiosk_key_required"


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
