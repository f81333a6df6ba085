"""What an applicant keeps: the pass as a QR code (segno) and the booking as a calendar entry
(icalendar) for the phone."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import segno
from icalendar import Calendar, Event

from sync.i18n import _

from ..documents import PURPOSE_NAMES, documents_for


def qr_data_uri(token):
    """The pass as an SVG QR code in a data: URI (the page's CSP allows data: images).

    Medium error correction: a scratched print or a dim phone screen still reads.
    """
    return segno.make(token, error="m").svg_data_uri(scale=5, border=4)


def booking_ics(booking):
    """The booking as an .ics calendar file: an hour at the office, in the office's zone."""
    office, zone = booking.office, ZoneInfo(booking.office.timezone)
    start = datetime(booking.date.year, booking.date.month, booking.date.day, booking.hour,
                     tzinfo=zone)
    event = Event()
    event.add("uid", f"{booking.code}@antrean")
    event.add("dtstamp", datetime.now(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=1))
    event.add("summary", _("Passport appointment %(code)s at %(office)s", code=booking.code,
                           office=office.name))
    event.add("location", ", ".join(part for part in (office.name, office.address) if part))
    bring = "\n".join(f"- {item}" for item in documents_for(booking.purpose))
    event.add("description", _("Booking code: %(code)s (%(purpose)s)\nBring:\n%(documents)s",
                               code=booking.code, purpose=PURPOSE_NAMES[booking.purpose],
                               documents=bring))
    calendar = Calendar()
    calendar.add("prodid", "-//Antrean//booking//ID")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
