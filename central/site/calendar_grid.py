"""The booking window laid out as a calendar: weeks of seven days, Monday first."""
from datetime import date

from babel.dates import format_date

from sync.i18n import language


def weeks(office, days):
    """[[cell or None] * 7] for `days` (central.availability.calendar), with a month title
    on the first cell of each month. A cell: the day, its view and how it is marked."""
    if not days:
        return []
    first = date.fromisoformat(days[0]["date"])
    cells = [None] * first.weekday()
    for view in days:
        day = date.fromisoformat(view["date"])
        cells.append({"day": day, "view": view, "state": _state(office, day, view),
                      "month": format_date(day, "MMMM y", locale=language())
                      if day.day == 1 or day == first else None})
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def _state(office, day, view):
    """open | full | closed (a weekend or a closed date) | past (today, all slots begun)."""
    if view["closed_reason"]:
        return "closed"
    if view["available"] > 0:
        return "open"
    if all(slot["begun"] for slot in view["slots"]):
        return "past"
    return "full"


def closed_dates(office, days):
    """Closed days that are not weekly closing days (holidays, closed dates), with why."""
    return [(date.fromisoformat(v["date"]), v["closed_reason"]) for v in days
            if v["closed_reason"]
            and date.fromisoformat(v["date"]).isoweekday() in office.open_weekdays]
