"""The audit log (/admin/audit): every admin action, newest first, filtered by action, by
who took it, by subject and by date."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request

from ..models import naive_utc
from .audit import ACTIONS, PER_PAGE, entries
from .web import bp, query_day, render


def audit_filters(args):
    """{action, actor, subject, first, last} from the query (dates are local days)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    first, last = query_day("from", None), query_day("to", None)
    return {"action": args.get("action") if args.get("action") in ACTIONS else None,
            "actor": (args.get("actor") or "").strip()[:160] or None,
            "subject": (args.get("subject") or "").strip()[:160] or None,
            "first": first and naive_utc(datetime.combine(first, time(), zone)),
            "last": last and naive_utc(datetime.combine(last + timedelta(days=1), time(), zone)),
            "from": first, "to": last}


def page_number(args):
    text = args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 1_000_000 else 1


@bp.get("/audit")
def audit():
    filters, page = audit_filters(request.args), page_number(request.args)
    rows, total = entries(filters["action"], filters["actor"], filters["subject"],
                          filters["first"], filters["last"], page)
    return render("audit.html", rows=rows, total=total, page=page, filters=filters,
                  pages=max(1, -(-total // PER_PAGE)), actions=ACTIONS,
                  query={k: request.args[k] for k in ("action", "actor", "subject", "from",
                                                       "to") if request.args.get(k)})
