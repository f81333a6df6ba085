"""The counter console: choose a counter, call next, recall, no-show, transfer, finish.

Views of the `pages` blueprint (imported by branch.pages). Each action is a
POST that redirects back to the console on success (so a reload repeats
nothing) and re-renders the console with the refusal and its status otherwise.
"""
from flask import flash, redirect, request, session, url_for

from sync.errors import AntreanError

from . import auth, counters, tickets
from .models import Counter, Ticket
from .pages import OUTCOMES, bp, render_staff


@bp.get("/counter")
@auth.login_required()
def counter():
    chosen = _chosen_counter()
    if chosen is None or request.args.get("choose"):
        return render_staff("counter_choose.html", counters=counters.open_counters(),
                            chosen=chosen)
    return _console(chosen)


@bp.post("/counter/choose")
@auth.login_required()
def counter_choose():
    name = request.form.get("counter", "")
    if Counter.get_or_none(Counter.name == name, Counter.active == True) is None:  # noqa: E712
        return render_staff("counter_choose.html", 404, counters=counters.open_counters(),
                            chosen=None, message=f"There is no open counter {name!r}.")
    session["counter"] = name
    return redirect(url_for("pages.counter"), 303)


@bp.post("/counter/call")
@auth.login_required()
def counter_call():
    return _act(lambda staff, name: counters.call_next(name, staff),
                lambda t: f"Calling {t.number}." if t else "Nobody is waiting.")


@bp.post("/counter/tickets/<int:ticket_id>/recall")
@auth.login_required()
def counter_recall(ticket_id):
    return _act(lambda staff, _: counters.recall(ticket_id, staff),
                lambda t: f"Calling {t.number} again.")


@bp.post("/counter/tickets/<int:ticket_id>/no-show")
@auth.login_required()
def counter_no_show(ticket_id):
    return _act(lambda staff, _: counters.no_show(ticket_id, staff),
                lambda t: f"{t.number} marked as not present.")


@bp.post("/counter/tickets/<int:ticket_id>/transfer")
@auth.login_required()
def counter_transfer(ticket_id):
    lane, reason = request.form.get("to_lane", ""), request.form.get("reason") or None
    return _act(lambda staff, _: counters.transfer(ticket_id, lane, staff, reason=reason),
                lambda t: f"{t.number} moved to the {lane} lane.")


@bp.post("/counter/tickets/<int:ticket_id>/finish")
@auth.login_required()
def counter_finish(ticket_id):
    outcome = request.form.get("outcome", "")
    return _act(lambda staff, _: counters.finish(ticket_id, outcome, staff),
                lambda t: f"{t.number} finished: {OUTCOMES.get(outcome, outcome).lower()}.")


@bp.post("/counter/override")
@auth.login_required(role="supervisor")
def counter_override():
    form = {k: request.form.get(k, "").strip() for k in ("nik", "lane", "reason")}
    return _act(lambda staff, _: tickets.issue_ticket(form["lane"], form["nik"],
                                                       reason=form["reason"] or None,
                                                       override_by=staff),
                lambda t: f"Issued {t.number}" + (" beyond the daily cap." if t.beyond_quota
                                                   else " (within the cap)."),
                form=form)


def _act(action, note, form=None):
    """Run a counter action; flash its note and redirect, or show the refusal."""
    chosen = _chosen_counter()
    if chosen is None:
        return redirect(url_for("pages.counter"), 303)
    try:
        result = action(auth.current_staff(), chosen.name)
    except AntreanError as exc:
        return _console(chosen, exc.status, message=exc.message, form=form or {})
    flash(note(result))
    return redirect(url_for("pages.counter"), 303)


def _console(chosen, status=200, **context):
    day = tickets.today()
    serving = [row["ticket_id"] for row in counters.current_tickets(day)
               if row["counter"] == chosen.name and row["status"] == "called"]
    context.setdefault("form", {})
    return render_staff("counter.html", status, counter=chosen,
                        current=Ticket.get_by_id(serving[0]) if serving else None,
                        waiting=counters.waiting_counts(day), **context)


def _chosen_counter():
    name = session.get("counter")
    if not name:
        return None
    return Counter.get_or_none(Counter.name == name, Counter.active == True)  # noqa: E712
