"""The console's reports: Network today, an office's day with its tickets, and passports
by regency over a date range. Counted from the merged view (central.sync_reports)."""
from collections import Counter, defaultdict
from datetime import date, timedelta

from flask import current_app

from sync.regions import regency_name

from ..bulk import select_rows
from ..db import db, reading
from ..merged import MergedTicket
from ..models import Office, naive_utc
from ..offices import local_today
from ..sync_reports import day_figures, office_day, refusals, sync_health

TICKETS_SHOWN = 500
FIGURES = ("booked", "check_ins", "walk_ins_general", "walk_ins_priority", "served",
           "no_shows", "beyond_quota", "passports", "refusals", "tickets")
MAX_RANGE_DAYS = 731      # passports by regency: two years at most in one request


@reading()
def network_today(now):
    """One row per office, each on its own local today: figures and sync health."""
    offices = list(Office.select().order_by(Office.code))
    days = defaultdict(list)
    for office in offices:
        days[local_today(office, now)].append(office.code)
    figures = day_figures(days)
    health = {h["office"]: h for h in sync_health(naive_utc(now))}
    return [{**figures[o.code], **_flags(health[o.code]), "name": o.name,
             "quota": o.daily_quota, "timezone": o.timezone} for o in offices]


def _flags(health):
    """The sync health with what should stand out: silent, reconcile failed, clock off."""
    config = current_app.config
    minutes, drift = health["minutes_since_seen"], health["clock_drift"]
    return {**health,
            "silent": minutes is None or minutes > config["ADMIN_SILENT_MINUTES"],
            "reconcile_failed": health["reconciled"] is False,
            "run_failed": health["last_run_ok"] is False,
            "clock_off": drift is not None and abs(drift) > config["ADMIN_DRIFT_WARN_SECONDS"]}


def totals(rows):
    """The network's sums of the figures (for the table's last row)."""
    return {name: sum(row[name] for row in rows) for name in FIGURES + ("quota",)}


@reading()
def office_day_report(office, day, now, search=""):
    """An office's day: figures, sync health, tickets (searched by number or NIK), refusals."""
    health = next(h for h in sync_health(naive_utc(now)) if h["office"] == office.code)
    found, shown = tickets_of(office.code, day, search)
    return {**office_day(office, day), "name": office.name, "health": _flags(health),
            "ticket_rows": shown, "tickets_found": found, "search": search,
            "refusal_rows": refusals(office.code, day)}


def tickets_of(office, day, search=""):
    """(how many match, the first TICKETS_SHOWN) of the office-day's merged tickets:
    all, those of a NIK (16 digits), or those whose number starts with `search`."""
    query = MergedTicket.select().where(MergedTicket.office == office, MergedTicket.day == day)
    search = "".join(search.split()).upper()
    if search.isdigit() and len(search) == 16:
        query = query.where(MergedTicket.nik == search)
    elif search:
        query = query.where(MergedTicket.number.startswith(search))
    return query.count(), list(query.order_by(MergedTicket.number).limit(TICKETS_SHOWN))


def ticket_dict(ticket, show_nik):
    """A merged ticket as the JSON API shows it (`show_nik`: the viewer's mask function)."""
    return {"number": ticket.number, "lane": ticket.lane, "nik": show_nik(ticket.nik),
            "regency": ticket.regency, "reason": ticket.reason, "status": ticket.status,
            "outcome": ticket.outcome, "counter": ticket.counter,
            "booking_code": ticket.booking_code, "beyond_quota": ticket.beyond_quota,
            "override_staff": ticket.override_staff, "recalls": ticket.recalls}


# --- passports by regency ---------------------------------------------------------------

@reading()
def passports(first, last, office=None, regency=None):
    """Passports issued from `first` to `last` (inclusive), optionally of one office and
    one regency: rows by office and regency, totals by regency and by day.

    By office and regency, the months wholly inside the range are read from
    passport_month (twelve rows a year per office and regency, not 365) and the days
    at either end from passport_tally; by day, from passport_tally (its covering
    index streams the days in order).
    """
    by_pair = Counter()
    for table, column, lo, hi in _pieces(first, last):
        where, params = _passport_filter(column, lo, hi, office, regency)
        for code, reg, n in select_rows(db, f"SELECT office, regency, SUM(count) FROM {table} "
                                            f"WHERE {where} GROUP BY office, regency", *params):
            by_pair[(code, reg)] += int(n)
    where, params = _passport_filter("day", first, last, office, regency)
    by_day = {_as_date(day): int(n) for day, n in select_rows(
        db, "SELECT day, SUM(count) FROM passport_tally WHERE " + where
        + " GROUP BY day ORDER BY day", *params)}
    names = dict(Office.select(Office.code, Office.name).tuples())
    rows = [{"office": code, "office_name": names.get(code, code), "regency": reg,
             "regency_name": regency_name(reg), "passports": n}
            for (code, reg), n in sorted(by_pair.items()) if n]
    by_regency = Counter()
    for row in rows:
        by_regency[row["regency"]] += row["passports"]
    return {"from": first, "to": last, "office": office, "regency": regency, "rows": rows,
            "by_regency": dict(sorted(by_regency.items(), key=lambda kv: (-kv[1], kv[0]))),
            "by_day": _every_day(first, last, by_day), "total": sum(by_day.values())}


def _pieces(first, last):
    """[(table, column, from, to)] covering first..last: whole months from passport_month,
    the days before and after them from passport_tally."""
    lo = first if first.day == 1 else _next_month(first)
    after_last = last + timedelta(days=1)
    hi = after_last if after_last.day == 1 else after_last.replace(day=1)  # months end here
    if lo >= hi:
        return [("passport_tally", "day", first, last)]
    pieces = [("passport_month", "month", lo, hi - timedelta(days=1))]
    if first < lo:
        pieces.append(("passport_tally", "day", first, lo - timedelta(days=1)))
    if hi <= last:
        pieces.append(("passport_tally", "day", hi, last))
    return pieces


def _next_month(day):
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _passport_filter(column, first, last, office, regency):
    where, params = f"{column} BETWEEN {{}} AND {{}}", [first.isoformat(), last.isoformat()]
    if office:
        where, params = where + " AND office = {}", params + [office]
    if regency:
        where, params = where + " AND regency = {}", params + [regency]
    return where, params


def _every_day(first, last, counts):
    """{day: passports} for every day of the range, 0 where none were issued."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return {day: counts.get(day, 0) for day in days}


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value))
