"""Booking passes at the branch: a pass central signed proves a booking offline.

The kiosk and the counter take the pass as text (a QR reader types it like a
keyboard, or it is pasted). A valid pass for this office, today and the NIK
typed makes a verified check-in even when the booking has not been pulled yet;
anything else is refused with what the person should do.
"""
from flask import current_app

from sync import signing
from sync.i18n import _, format_day, format_hour

from . import errors, trust


def verify_pass(token, nik, day):
    """The sync.signing.Pass in `token` when it holds for this office, `day` and `nik`."""
    try:
        found = signing.read_pass(token, trust.keyring())
    except signing.BadSignature as exc:
        raise errors.InvalidPass(_refusal(exc.reason), reason=exc.reason) from None
    secret = None
    if found.version >= 2:
        secret = trust.pass_secret(found.kid)
        if secret is None:      # trusted, but no pull has brought its secret yet
            raise errors.InvalidPass(_refusal("unknown_key"), reason="unknown_key")
    here = current_app.config["OFFICE"]
    zone = current_app.config["TIMEZONE"]
    if found.office != here:
        raise errors.WrongOffice(_("This booking pass is for office %(office)s, not for this "
                                   "office (%(here)s).", office=found.office, here=here),
                                 office=found.office)
    if found.day != day:
        raise errors.WrongDay(_("This booking pass is for %(day)s at %(hour)s, not for today.",
                                day=format_day(found.day), hour=format_hour(found.hour, zone)),
                              day=found.day.isoformat())
    if not found.matches_nik(nik, secret):
        raise errors.BookingMismatch(_("This booking pass was made for another NIK. Please "
                                       "type the NIK of the person who booked."))
    return found


def _refusal(reason):
    if reason == "unknown_key":
        return _("This booking pass is signed by a key this office does not know (yet). "
                 "Please show your booking at the information desk.")
    if reason == "tampered":
        return _("This booking pass has been altered: its signature does not match. "
                 "Please show your booking at the information desk.")
    return _("This is not a booking pass that can be read. Scan the QR code again, "
             "or type your booking code instead.")
