"""The sync API branches talk to: push events, pull changes, compare digests.

Every endpoint needs `Authorization: Bearer <token>`; the token acts only for
its own office. Push bodies may be gzip-compressed or chunked (central.pushbody);
a batch over the limits is refused with 413 so the job splits it.
"""
import json
from datetime import date

from flask import current_app, g, jsonify, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictFloat, ValidationError,
                      model_validator)

from sync.digest import MAX_DIGEST_DAYS
from sync.errors import Forbidden, validation_error_response
from sync.requestlog import log_fields
from sync.schema import MAX_SEQ
from sync.webapp import ErrorOut

from . import intake, merging, tokens
from .metrics import count_push
from .models import Change
from .pushbody import PushBodyLimit, TooLarge
from .signing import pass_secrets
from .sync_reports import record_run_report

SECURITY = {"office_token": {"type": "http", "scheme": "bearer",
                             "description": "flask --app central office token CODE"}}


bp = APIBlueprint("sync", __name__, url_prefix="/api/v1/sync",
                  abp_tags=[Tag(name="sync", description="Branch sync (per-office token)")],
                  abp_security=[{"office_token": []}],
                  abp_responses={"401": ErrorOut, "403": ErrorOut, "422": ErrorOut})


class QuarantineNote(BaseModel):
    id: str
    reason: str


class PushAnswer(BaseModel):
    applied: int = Field(description="events new to central, now applied")
    duplicates: int = Field(description="events central already had (ignored)")
    quarantined: list[QuarantineNote]
    cursor: int = Field(description="highest seq central has from this office; never goes back")


class ChangeOut(BaseModel):
    seq: int
    kind: str = Field(description="booking | suspension | office | key")
    key: str
    payload: dict


class ChangesPage(BaseModel):
    changes: list[ChangeOut]
    cursor: int = Field(description="store it with the rows; ask `since` it next time")
    more: bool
    pass_secrets: dict[str, str] = Field(
        description="each signing key's pass secret for this office (base64), by key id: what "
                    "checks the NIK hash of a version 2 booking pass; keep it as secret as the "
                    "token")


class DigestOut(BaseModel):
    office: str
    day: date
    events: int
    tickets: int
    by_lane: dict[str, int]
    by_outcome: dict[str, int]
    passports_by_regency: dict[str, int]
    hash: str = Field(description="sum of sha256(event id) mod 2**256, hex")


class DigestsOut(BaseModel):
    office: str
    digests: dict[str, dict] = Field(description="ISO day -> digest, days with events only")


class RunReport(BaseModel):
    """How the branch's last sync run went, sent by the job at its end."""
    model_config = ConfigDict(extra="forbid")

    office: str | None = Field(None, description="optional; must be the token's office")
    ok: StrictBool = Field(description="push, pull and reconcile all succeeded")
    reconciled: StrictBool | None = Field(None, description="false: days still differ after "
                                    "re-sending; null: the run did not get that far")
    error: str | None = Field(None, max_length=500, description="the job's one-line reason")
    clock_drift: StrictFloat | None = Field(None, ge=-10 ** 9, le=10 ** 9,
                                      description="central's Date minus the branch's "
                                                  "clock, seconds")


class ReportAnswer(BaseModel):
    recorded: bool


class OfficeQuery(BaseModel):
    office: str | None = Field(None, description="optional; must be the token's office")


class ChangesQuery(OfficeQuery):
    since: int = Field(0, ge=0, le=MAX_SEQ, description="central change seq already applied")
    limit: int = Field(500, ge=1, le=5000)


class DigestQuery(OfficeQuery):
    day: date


class DigestsQuery(OfficeQuery):
    first: date
    last: date = Field(description=f"at most {MAX_DIGEST_DAYS - 1} days after `first`")

    @model_validator(mode="after")
    def short_range(self):
        if not 0 <= (self.last - self.first).days < MAX_DIGEST_DAYS:
            raise ValueError(f"last must be 0 to {MAX_DIGEST_DAYS - 1} days after first")
        return self


@bp.before_request
def authenticate():
    g.office = tokens.office_for_token(tokens.bearer_token())
    # A push may be larger than other requests (PushBodyLimit has checked it already).
    request.max_content_length = current_app.config["SYNC_MAX_BATCH_BYTES"]


def _own_office(code):
    if code is not None and code.upper() != g.office.code:
        raise Forbidden(f"This token acts for office {g.office.code}, not {code}.")
    return g.office.code


# The body is read by central.intake (one pass from the bytes), not by flask-openapi3,
# so the document names its schema here.
PUSH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/PushBatch"}}}}}


@bp.post("/push", responses={"200": PushAnswer, "413": ErrorOut},
         openapi_extensions=PUSH_BODY)
def push():
    """Apply a batch of outbox events (a PushBatch, gzip allowed); answers applied,
    duplicates, quarantined and cursor."""
    try:
        batch = intake.read_batch(request.get_data())
    except ValidationError as exc:
        return validation_error_response(exc)
    office = _own_office(batch.office)
    for other in {event["office"] for event, _ in batch.accepted + batch.rejected}:
        _own_office(other)
    limit = current_app.config["SYNC_MAX_BATCH_EVENTS"]
    if batch.size > limit:
        raise TooLarge(f"A batch holds at most {limit} events; split it.", limit=limit)
    answer = merging.apply_batch(office, batch)
    count_push(office, answer)
    log_fields(events=batch.size, applied=answer["applied"], duplicates=answer["duplicates"],
               quarantined=len(answer["quarantined"]), cursor=answer["cursor"])
    return jsonify(answer)


@bp.get("/changes", responses={"200": ChangesPage})
def changes(query: ChangesQuery):
    """Central's changes after `since` that this office must know, in central's order."""
    office = _own_office(query.office)
    merging.touch(office)
    rows = list(Change.select()
                .where(Change.seq > query.since,
                       (Change.office == office) | Change.office.is_null())
                .order_by(Change.seq).limit(query.limit + 1))
    page = rows[:query.limit]
    return jsonify(changes=[{"seq": c.seq, "kind": c.kind, "key": c.key,
                             "payload": json.loads(c.payload)} for c in page],
                   cursor=page[-1].seq if page else query.since, more=len(rows) > query.limit,
                   pass_secrets=pass_secrets(office))


@bp.get("/digest", responses={"200": DigestOut})
def digest(query: DigestQuery):
    """Central's digest of this office's day, computed as the branch computes its own."""
    office = _own_office(query.office)
    merging.touch(office)
    return jsonify(office=office, day=query.day.isoformat(),
                   **merging.day_digest(office, query.day))


@bp.get("/digests", responses={"200": DigestsOut})
def digests(query: DigestsQuery):
    """Central's digests of this office's days from `first` to `last` (days with events)."""
    office = _own_office(query.office)
    merging.touch(office)
    return jsonify(office=office, digests=merging.days_digests(office, query.first, query.last))


@bp.post("/report", responses={"200": ReportAnswer})
def report(body: RunReport):
    """The job's word on its last run (outcome, reconcile, clock drift), for the admins'
    Network page; it changes nothing a branch relies on."""
    office = _own_office(body.office)
    merging.touch(office)
    record_run_report(office, body.model_dump(exclude={"office"}))
    return jsonify(recorded=True)


def init_app(app):
    """Register the sync API, its body limit and `flask office token` / `office tokens`."""
    from .cli import office_group
    app.register_api(bp)
    push_batch = intake.PushBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    app.components_schemas.update(push_batch.pop("$defs", {}), PushBatch=push_batch)
    app.security_schemes = {**(app.security_schemes or {}), **SECURITY}
    app.wsgi_app = PushBodyLimit(app.wsgi_app, app.config["SYNC_MAX_BATCH_BYTES"])
    office_group.add_command(tokens.token_command)
    office_group.add_command(tokens.tokens_command)

