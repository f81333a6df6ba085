"""The counter console: choose a counter, call next, recall, no-show, transfer, finish.

Views of the `pages` blueprint (imported by branch.pages). Each action is a
POST that redirects back to the console on success (so a reload repeats
nothing) and re-renders the console with the refusal and its status otherwise.
counter.js keeps the page current without a reload: it polls /counter/live
(waiting per lane, the next numbers, this counter's own ticket, the sync
banner), whose pieces are rendered by the same templates as the page.
"""
from flask import flash, jsonify, redirect, render_template, request, session, url_for

from sync.errors import AntreanError
from sync.i18n import _

from . import auth, counters, status as sync_state, tickets
from .models import Counter, Ticket
from .pages import bp, render_staff
from .vocabulary import OUTCOME_NAMES, lane_name

NEXT_SHOWN = 5          # next numbers shown per lane
POLL_MILLISECONDS = 3000


@bp.get("/counter")
@auth.login_required()
def counter():
    chosen = _chosen_counter()
    if chosen is None or request.args.get("choose"):
        return render_staff("counter_choose.html", counters=counters.open_counters(),
                            chosen=chosen)
    return _console(chosen)


@bp.get("/counter/live")
@auth.login_required()
def counter_live():
    chosen = _chosen_counter()
    if chosen is None:
        return jsonify(error="no_counter", message=_("Choose your counter first.")), 409
    context = _console_context(chosen)
    kind, words = sync_state.summary()
    return jsonify(current_key=context["current_key"],
                   queue=render_template("counter_queue.html", **context),
                   current=render_template("counter_current.html", **context),
                   banner=sync_state.banner(), sync=words, sync_kind=kind)


@bp.post("/counter/choose")
@auth.login_required()
def counter_choose():
    name = request.form.get("counter", "")[:32]
    if Counter.get_or_none(Counter.name == name, Counter.active == True) is None:  # noqa: E712
        return render_staff("counter_choose.html", 404, counters=counters.open_counters(),
                            chosen=None, message=_("There is no open counter %(name)s.",
                                                   name=repr(name)))
    session["counter"] = name
    return redirect(url_for("pages.counter"), 303)


@bp.post("/counter/call")
@auth.login_required()
def counter_call():
    return _act(lambda staff, name: counters.call_next(name, staff),
                lambda t: _("Calling %(number)s.", number=t.number) if t
                else _("Nobody is waiting."))


@bp.post("/counter/tickets/<int:ticket_id>/recall")
@auth.login_required()
def counter_recall(ticket_id):
    return _act(lambda staff, _name: counters.recall(ticket_id, staff),
                lambda t: _("Calling %(number)s again.", number=t.number))


@bp.post("/counter/tickets/<int:ticket_id>/no-show")
@auth.login_required()
def counter_no_show(ticket_id):
    return _act(lambda staff, _name: counters.no_show(ticket_id, staff),
                lambda t: _("%(number)s marked as not present.", number=t.number))


@bp.post("/counter/tickets/<int:ticket_id>/transfer")
@auth.login_required()
def counter_transfer(ticket_id):
    lane, reason = request.form.get("to_lane", ""), request.form.get("reason") or None
    return _act(lambda staff, _name: counters.transfer(ticket_id, lane, staff, reason=reason),
                lambda t: _("%(number)s moved to the %(lane)s lane.", number=t.number,
                            lane=lane_name(lane)))


@bp.post("/counter/tickets/<int:ticket_id>/finish")
@auth.login_required()
def counter_finish(ticket_id):
    outcome = request.form.get("outcome", "")
    return _act(lambda staff, _name: counters.finish(ticket_id, outcome, staff),
                lambda t: _("%(number)s finished: %(outcome)s.", number=t.number,
                            outcome=OUTCOME_NAMES.get(outcome, outcome)))


@bp.post("/counter/override")
@auth.login_required(role="supervisor")
def counter_override():
    form = {k: request.form.get(k, "").strip()[:64]
            for k in ("nik", "lane", "reason", "child_nik", "booking_code")}
    options = {"reason": form["reason"] or None, "child_nik": form["child_nik"] or None}
    if form["lane"] == "booking":
        options = {"booking_code": form["booking_code"].upper()}
    return _act(lambda staff, _name: tickets.issue_ticket(form["lane"], form["nik"],
                                                          override_by=staff, **options),
                lambda t: (_("Issued %(number)s beyond the daily cap.", number=t.number)
                           if t.beyond_quota else
                           _("Issued %(number)s (within the cap).", number=t.number)),
                form=form)


@bp.post("/counter/check-in")
@auth.login_required()
def counter_check_in():
    """A booked applicant at the counter: the pass from the QR reader (field `pass`) or the
    code, and the NIK from the KTP; a valid pass checks in a booking not pulled yet."""
    form = {"nik": request.form.get("nik", "").strip()[:32],
            "booking_code": request.form.get("booking_code", "").strip().upper()[:32],
            "pass": request.form.get("pass", "").strip()[:512]}
    return _act(lambda staff, _name: tickets.issue_ticket(
                    "booking", form["nik"], booking_code=form["booking_code"] or None,
                    pass_token=form["pass"] or None),
                _checked_in_note, form={**form, "pass": ""})


def _checked_in_note(ticket):
    if ticket.verified_by == "pass":
        return _("Checked in as %(number)s: the booking pass is valid.", number=ticket.number)
    if ticket.booking_verified:
        return _("Checked in as %(number)s.", number=ticket.number)
    return _("Checked in as %(number)s, provisionally: check the booking confirmation.",
             number=ticket.number)


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
    context.setdefault("form", {})
    return render_staff("counter.html", status, poll_ms=POLL_MILLISECONDS,
                        **_console_context(chosen), **context)


def _console_context(chosen):
    day = tickets.today()
    serving = [row["ticket_id"] for row in counters.current_tickets(day)
               if row["counter"] == chosen.name and row["status"] == "called"]
    current = Ticket.get_by_id(serving[0]) if serving else None
    return {"counter": chosen, "current": current, "current_key": _current_key(current),
            "waiting": counters.waiting_counts(day), "next_numbers": _next_numbers(day)}


def _next_numbers(day):
    """The first few waiting numbers of each lane, in queue order."""
    shown = {}
    for lane in ("booking", "priority", "general"):
        rows = (Ticket.select(Ticket.number)
                .where(Ticket.day == day, Ticket.status == "waiting", Ticket.lane == lane)
                .order_by(Ticket.queued_at, Ticket.id).limit(NEXT_SHOWN).tuples())
        shown[lane] = [number for (number,) in rows]
    return shown


def _current_key(ticket):
    return f"{ticket.number}:{ticket.status}:{ticket.recalls}:{ticket.lane}" if ticket else ""


def _chosen_counter():
    name = session.get("counter")
    if not name:
        return None
    return Counter.get_or_none(Counter.name == name, Counter.active == True)  # noqa: E712
