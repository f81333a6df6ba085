"""JSON API v1: tickets, the board, sync status and the counter operations.

Errors answer {"error": code, "message": text}. The kiosk and the board need
no login; counter operations accept HTTP Basic, or the same staff login as
the pages (the session cookie) with the session's CSRF token in the
X-CSRF-Token header (see auth). The public reads a ticket only by its
unguessable token (/api/v1/t/<token>: no NIK, no booking code); a ticket's
row id is for staff (login). NIKs are masked in answers unless a staff
member asks.
"""
from flask import current_app, jsonify
from flask_openapi3 import APIBlueprint, Tag

from sync.i18n import _
from sync.nik import mask_nik
from sync.websecurity import CSRF_HEADER

from . import counters, errors, kiosk_key, status, waits
from .auth import current_staff, login_required
from .board_pages import latest_call
from .kiosk_pages import public_ticket, status_url, ticket_by_token
from .models import Ticket
from .schemas import (BoardOut, CallOut, CounterPath, ErrorOut, FinishRequest, IssuedOut,
                      StatusOut,
                      PublicTicketOut, TicketOut, TicketPath, TicketRequest, TokenPath,
                      TransferRequest)
from .clock import today
from .tickets import issue_ticket

api = APIBlueprint("api", __name__, url_prefix="/api/v1",
                   abp_responses={"401": ErrorOut, "404": ErrorOut, "409": ErrorOut,
                                  "422": ErrorOut})
tickets_tag, counter_tag = Tag(name="tickets"), Tag(name="counters")
board_tag = Tag(name="board and status")

# How a caller proves who it is (the document's securitySchemes, see auth): staff by HTTP
# Basic, or by the pages' session cookie, with the session's CSRF token for a write.
SECURITY_SCHEMES = {
    "staff_basic": {"type": "http", "scheme": "basic",
                    "description": "A staff account (flask --app branch staff add)"},
    "staff_session": {"type": "apiKey", "in": "cookie", "name": "session",
                      "description": "The pages' login (POST /login)"},
    "csrf_token": {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
                   "description": "The session's CSRF token (the pages' csrf_token field): "
                                  "required with the session cookie on a write"},
    "kiosk_key": {"type": "apiKey", "in": "header", "name": "X-Kiosk-Key",
                  "description": "The office's kiosk key, where it set one"},
}
STAFF_READ = [{"staff_basic": []}, {"staff_session": []}]
STAFF_WRITE = [{"staff_basic": []}, {"staff_session": [], "csrf_token": []}]
KIOSK = [{}, {"kiosk_key": []}, *STAFF_WRITE]      # a supervisor's override needs a login
# Five wrong passwords lock a login for a while (sync.logins): 429 login_locked, even to
# the right password, wherever a staff login is taken.
LOCKED = {"429": ErrorOut}


def ticket_json(ticket, full_nik=None):
    """A ticket as the API answers it; the NIK masked for anyone but staff."""
    if full_nik is None:
        full_nik = current_staff() is not None
    return {"id": ticket.id, "number": ticket.number, "lane": ticket.lane,
            "status": ticket.status, "day": ticket.day.isoformat(), "office": ticket.office,
            "nik": ticket.nik if full_nik else mask_nik(ticket.nik),
            "regency": ticket.regency, "reason": ticket.reason,
            "beyond_quota": ticket.beyond_quota, "booking_code": ticket.booking_code,
            "booking_verified": ticket.booking_verified, "verified": ticket.booking_verified,
            "verified_by": ticket.verified_by, "slot_hour": ticket.slot_hour,
            "counter": ticket.counter.name if ticket.counter_id else None,
            "outcome": ticket.outcome, "recalls": ticket.recalls,
            "issued_at": ticket.issued_at.isoformat() + "Z"}


@api.post("/tickets", tags=[tickets_tag], responses={"201": IssuedOut, "403": ErrorOut,
                                                      "429": ErrorOut}, security=KIOSK)
def create_ticket(body: TicketRequest):
    """Issue a ticket: general, priority (with a reason) or a booking check-in (by code,
    or by the signed pass: `verified` true, also for a booking not pulled yet).

    Where the office set a kiosk key, send it in the X-Kiosk-Key header."""
    override_by = _supervisor() if body.override else None
    if override_by is None:
        kiosk_key.require()
    ticket = issue_ticket(body.lane, body.nik, reason=body.reason,
                          booking_code=body.booking_code, override_by=override_by,
                          pass_token=body.pass_, child_nik=body.child_nik)
    estimate = waits.ticket_estimate(ticket, just_issued=True)
    return jsonify({**ticket_json(ticket, full_nik=override_by is not None),
                    "status_url": status_url(ticket), "people_ahead": estimate.people_ahead,
                    "estimated_wait_minutes": estimate.minutes}), 201


def _supervisor():
    """Whoever is logged in; issue_ticket refuses anyone but a supervisor."""
    staff = current_staff()
    if staff is None:
        raise errors.Unauthorized(_("An override past the daily cap needs a supervisor "
                                    "login."))
    return staff


@api.get("/tickets/<int:ticket_id>", tags=[tickets_tag],
         responses={"200": TicketOut, **LOCKED}, security=STAFF_READ)
@login_required()
def get_ticket(path: TicketPath):
    """One ticket by its row id, for staff (the public uses /t/<token>)."""
    ticket = Ticket.get_or_none(Ticket.id == path.ticket_id)
    if ticket is None:
        raise errors.NotFound(_("There is no ticket %(id)s.", id=path.ticket_id))
    return jsonify(ticket_json(ticket))


@api.get("/t/<token>", tags=[tickets_tag], responses={"200": PublicTicketOut})
def get_public_ticket(path: TokenPath):
    """A ticket by its public token (the QR code): status, people ahead, estimated wait."""
    ticket = ticket_by_token(path.token)
    if ticket is None:
        raise errors.NotFound(_("There is no such ticket."))
    return jsonify(public_ticket(ticket))


@api.get("/board", tags=[board_tag], responses={"200": BoardOut})
def board():
    """What the display board shows: each counter's current number, the latest call, and
    per lane who waits and for about how long."""
    day = today()
    estimates = waits.lane_estimates(day)
    return jsonify(office=current_app.config["OFFICE"], day=day.isoformat(),
                   counters=counters.current_tickets(day), waiting=counters.waiting_counts(day),
                   estimated_wait_minutes={lane: e.minutes for lane, e in estimates.items()},
                   latest=latest_call(day))


@api.get("/status", tags=[board_tag], responses={"200": StatusOut, **LOCKED},
         security=STAFF_READ)
@login_required()
def sync_status():
    """Sync state as the sync job last wrote it, and the outbox backlog (a staff login).
    Never asks central. The last error's text only for a supervisor: it may name hosts,
    paths or data; staff see whether sync works and how much waits."""
    state = status.sync_status()
    state.pop("quarantine", None)   # the status page lists them; the API gives the count
    if current_staff().role != "supervisor":
        state["last_error"] = None
    state = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in state.items()}
    return jsonify(office=current_app.config["OFFICE"], day=today().isoformat(),
                   waiting=counters.waiting_counts(), **state)


@api.post("/counters/<name>/call", tags=[counter_tag],
          responses={"200": CallOut, "403": ErrorOut, **LOCKED}, security=STAFF_WRITE)
@login_required()
def call_next(path: CounterPath):
    """Call the next ticket to this counter by the call policy (null when nobody waits)."""
    ticket = counters.call_next(path.name, current_staff())
    return jsonify(ticket=ticket_json(ticket) if ticket else None)


@api.post("/tickets/<int:ticket_id>/recall", tags=[counter_tag],
          responses={"200": TicketOut, "403": ErrorOut, **LOCKED},
          security=STAFF_WRITE)
@login_required()
def recall(path: TicketPath):
    """Call the same ticket again."""
    return jsonify(ticket_json(counters.recall(path.ticket_id, current_staff())))


@api.post("/tickets/<int:ticket_id>/no-show", tags=[counter_tag],
          responses={"200": TicketOut, "403": ErrorOut, **LOCKED},
          security=STAFF_WRITE)
@login_required()
def no_show(path: TicketPath):
    """Close a called ticket whose applicant never came."""
    return jsonify(ticket_json(counters.no_show(path.ticket_id, current_staff())))


@api.post("/tickets/<int:ticket_id>/transfer", tags=[counter_tag],
          responses={"200": TicketOut, "403": ErrorOut, **LOCKED},
          security=STAFF_WRITE)
@login_required()
def transfer(path: TicketPath, body: TransferRequest):
    """Move a ticket to the back of another lane."""
    ticket = counters.transfer(path.ticket_id, body.lane, current_staff(), reason=body.reason)
    return jsonify(ticket_json(ticket))


@api.post("/tickets/<int:ticket_id>/finish", tags=[counter_tag],
          responses={"200": TicketOut, "403": ErrorOut, **LOCKED},
          security=STAFF_WRITE)
@login_required()
def finish(path: TicketPath, body: FinishRequest):
    """Close a called ticket with its outcome."""
    return jsonify(ticket_json(counters.finish(path.ticket_id, body.outcome, current_staff())))
