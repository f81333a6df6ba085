"""Who may take which lane: the NIK itself, and the priority lane's reasons.

A NIK tells age and sex offline (sync.nik): the elderly lane needs ELDERLY_AGE
or over, the pregnant lane a woman's NIK (a woman's day of birth is stored plus
40), the young-child lane the child's own NIK showing an age under
YOUNG_CHILD_AGE. Disability is taken as chosen. Every refusal says what to do.
"""
from typing import get_args

from flask import current_app

from sync import nik as niks
from sync.i18n import _
from sync.schema import LANE_LETTERS, Reason

from . import errors

LANES = tuple(LANE_LETTERS)
REASONS = get_args(Reason)


def checked_nik(nik, day, whose=None):
    """The parsed NIK, or InvalidNik in the reader's language (`whose`="child": the child's)."""
    try:
        return niks.parse_nik(nik, today=day)
    except niks.InvalidNik as exc:
        if whose:       # the kiosk reopens the child's NIK; the API names the field
            raise errors.InvalidNik(_("The child's NIK: %(reason)s", reason=str(exc)),
                                    field="child_nik") from None
        raise errors.InvalidNik(str(exc)) from None


def check_reason(lane, reason, parsed, day, child_nik=None):
    """Refuse a reason that does not fit the lane or the NIK; the child's parsed NIK, if any."""
    if lane not in LANES:
        raise errors.Invalid(_("Unknown lane %(lane)s; choose general, priority or booking.",
                               lane=repr(lane)))
    if child_nik and reason != "young_child":
        raise errors.Invalid(_("A child's NIK is only given for the priority lane for a "
                               "young child."))
    if lane != "priority":
        if reason:
            raise errors.Invalid(_("A reason is only given for the priority lane."))
        return None
    if reason not in REASONS:
        raise errors.Invalid(_("The priority lane needs a reason: elderly, pregnant, "
                               "disability or a young child."))
    if reason == "elderly":
        _check_elderly(parsed, day)
    elif reason == "pregnant" and parsed.sex != "F":
        raise errors.NotAWoman(_("The priority lane for pregnant women needs the woman's own "
                                 "NIK, and this NIK is a man's. Please enter your own NIK, "
                                 "or take a general ticket."))
    elif reason == "young_child":
        return _young_child(child_nik, day)
    return None


def _check_elderly(parsed, day):
    age, limit = parsed.age_on(day), int(current_app.config["ELDERLY_AGE"])
    if age < limit:
        raise errors.NotElderly(_("The priority lane for the elderly is for people aged "
                                  "%(limit)s or over; this NIK's holder is %(age)s. Please "
                                  "take a general ticket.", limit=limit, age=age))


def _young_child(child_nik, day):
    """The child's parsed NIK, if the child is young enough: read from the NIK like an age."""
    if not child_nik:
        raise errors.Invalid(_("The priority lane for a young child needs the child's NIK "
                               "too (it is on the family card, the Kartu Keluarga)."),
                             field="child_nik")
    child = checked_nik(child_nik, day, whose="child")
    age, limit = child.age_on(day), int(current_app.config["YOUNG_CHILD_AGE"])
    if age >= limit:
        raise errors.NotYoungChild(_("The priority lane for a young child is for children "
                                     "under %(limit)s; this child is %(age)s. Please take a "
                                     "general ticket.", limit=limit, age=age),
                                   field="child_nik")
    return child
