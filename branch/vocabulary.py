"""The words people read for the branch's codes: lanes, priority reasons, outcomes, statuses.

One place, so the kiosk, the counter, the board and the messages name a lane
the same way. Lazy strings: each is translated when it is shown.
"""
from sync.i18n import _l

LANE_NAMES = {"general": _l("General"), "priority": _l("Priority"),
              "booking": _l("Booking check-in")}
REASON_NAMES = {"elderly": _l("Elderly (60 or over)"), "pregnant": _l("Pregnant"),
                "disability": _l("Disability"), "young_child": _l("With a child under 5")}
OUTCOME_NAMES = {"passport_issued": _l("Passport issued"), "rejected": _l("Rejected"),
                 "incomplete_documents": _l("Incomplete documents")}
STATUS_NAMES = {"waiting": _l("waiting"), "called": _l("called"), "done": _l("finished"),
                "no_show": _l("not present")}
BOOKING_STATUS_NAMES = {"checked_in": _l("checked in"), "served": _l("served")}


def lane_name(lane):
    return str(LANE_NAMES.get(lane, lane))


def status_name(status):
    return str(STATUS_NAMES.get(status, status))
