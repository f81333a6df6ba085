"""The suspension list every branch enforces, signed by central (format: sync.suspension_list).

GET /api/v1/sync/suspensions?have=N (office token) answers the current list. Its
version is the change-log sequence of the newest suspension change, read in the
same snapshot as the rows, so one version always means one content: the
suspensions not lifted whose end is at most a day before that change.
"""
import datetime as dt
from typing import Any, Optional

from flask import g, jsonify
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field

from sync.database import read_snapshot
from sync.schema import MAX_SEQ
from sync.suspension_list import entry, sign_list
from sync.webapp import ErrorOut

from . import tokens
from .db import db
from .models import Change, Suspension
from .offices import clock_now
from .signing import signer

bp = APIBlueprint("suspension_list", __name__, url_prefix="/api/v1/sync/suspensions",
                  abp_tags=[Tag(name="sync")], abp_security=[{"office_token": []}],
                  abp_responses={"401": ErrorOut, "422": ErrorOut})


class ListQuery(BaseModel):
    have: Optional[int] = Field(None, ge=0, le=MAX_SEQ, description="the version the branch holds intact: "
                                "if it is current, the answer leaves the entries out")


@bp.before_request
def authenticate():
    g.office = tokens.office_for_token(tokens.bearer_token())


class SignedListOut(BaseModel):
    """A document signed by central (sync.signing) plus the entries it covers."""
    model_config = ConfigDict(extra="allow")

    suspensions: Optional[list[dict[str, Any]]] = Field(
        description="null when `have` is the current version")


@bp.get("", responses={"200": SignedListOut})
def suspension_list(query: ListQuery):
    """The signed suspension list: header {version, issued_at, count, digest}, kid,
    signature, and `suspensions` (null when `have` is the current version)."""
    return jsonify(signed_list(query.have))


def signed_list(have=None):
    """The current list, signed now with the current key."""
    version, entries = current_entries()
    kid, private = signer()
    issued_at = clock_now().astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return sign_list(entries, version, issued_at, private, kid,
                     include_entries=have != version)


def current_entries():
    """(version, entries) read in one snapshot."""
    with read_snapshot(db):
        newest = (Change.select(Change.seq, Change.created_at)
                  .where(Change.kind == "suspension").order_by(Change.seq.desc()).first())
        if newest is None:
            return 0, []
        cutoff = newest.created_at.date() - dt.timedelta(days=1)
        rows = list(Suspension.select()
                    .where(Suspension.lifted_at.is_null(), Suspension.ends_on >= cutoff)
                    .order_by(Suspension.id))
    return newest.seq, [entry(s.id, s.nik, s.reason, s.starts_on, s.ends_on) for s in rows]
