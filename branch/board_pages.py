"""The display board (no login): each open counter's number, the latest call, who waits how long.

The board polls /board/live every second rather than holding a server-sent
events stream: under gunicorn's sync workers a stream ties up a worker per
board for as long as it is open, while a poll is one cheap read (a handful of
indexed queries) that any worker answers, survives a server restart or a
network blip without any reconnect logic, and still shows a call within the
2 seconds people expect. The answer carries the board's pieces rendered here
(in the board's language) and the latest call, which board.js highlights,
chimes and speaks once per call or recall. Without JavaScript the page
reloads itself every few seconds instead.
"""
from flask import jsonify, render_template

from . import counters, waits
from .announce import spoken_call
from .clock import local_now, today
from .models import Ticket
from .pages import bp

NO_SCRIPT_REFRESH_SECONDS = 5
POLL_MILLISECONDS = 1000


@bp.get("/board")
def board():
    state = board_state(today())
    return render_template("board.html", **state, now=local_now(),
                           refresh_seconds=NO_SCRIPT_REFRESH_SECONDS, poll_ms=POLL_MILLISECONDS)


@bp.get("/board/live")
def board_live():
    state = board_state(today())
    return jsonify(latest=state["latest"], clock=render_template("board_clock.html",
                                                                 now=local_now()),
                   counters=render_template("board_counters.html", **state),
                   lanes=render_template("board_lanes.html", **state))


def board_state(day):
    """What the board shows: counters, the latest call, waiting and estimated wait per lane."""
    return {"rows": counters.current_tickets(day), "waiting": counters.waiting_counts(day),
            "estimates": waits.lane_estimates(day), "latest": latest_call(day)}


def latest_call(day):
    """The ticket most recently called or recalled that is still at its counter, or None."""
    ticket = (Ticket.select().where(Ticket.day == day, Ticket.status == "called",
                                    Ticket.announced_at.is_null(False))
              .order_by(Ticket.announced_at.desc(), Ticket.id.desc()).first())
    if ticket is None:
        return None
    counter = ticket.counter.name
    return {"key": f"{ticket.number}:{ticket.recalls}:{ticket.announced_at.isoformat()}",
            "number": ticket.number, "counter": counter,
            "announcement": spoken_call(ticket.number, counter)}
