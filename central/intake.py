"""Reading a pushed batch: JSON bytes in, checked events and refused events out.

Nearly every batch is entirely valid, so it is checked in one pass, from the
bytes straight to plain dicts (pydantic's Rust core does the JSON and the
rules; no Python object is built per field). Only when that pass fails is
the batch read again, leniently, event by event, to say which events are
wrong and why: a malformed envelope refuses the whole batch (422, the job
splits it to find the culprit), a payload central cannot accept is refused
alone and quarantined. Both passes apply the same models from sync.schema,
so they accept exactly the same events.

An accepted event comes out as (event, payload). The event is a dict: id
(canonical UUID text), seq, office, day (date), kind, schema_version,
created_at (datetime) and payload, the fields the branch sent (checked, keys
sorted: what central stores). The payload beside it has every field of its
kind in the current schema version, defaults filled in: what central applies.
"""
import re
from collections import defaultdict
from typing import Annotated, Literal, NamedTuple, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from sync.schema import (ACCEPTED_VERSIONS, CONTROL, MAX_BACKLOG, PAYLOADS, Event, OfficeCode,
                         payload_model, validate_payload, validate_payloads)

MAX_REASON = 500        # characters of a refusal's reason kept and answered


class PushBatch(BaseModel):
    """The push body as the API documents it."""
    office: OfficeCode
    events: list[Event]
    backlog: Optional[int] = Field(None, ge=0, le=MAX_BACKLOG,
                                   description="events still waiting at the branch")


class PushEnvelope(PushBatch):
    """The push body as the lenient pass reads it: each event on its own."""
    events: list[dict]


class Batch(NamedTuple):
    office: str
    backlog: Optional[int]
    accepted: list          # (event, payload), batch order, each id once
    rejected: list          # (event, reason), batch order
    size: int               # events in the body, repeats included
    top_seq: int            # the highest seq in the batch, refused events included


def read_batch(raw):
    """The Batch in `raw` (JSON bytes); raises ValidationError for a malformed envelope."""
    try:
        body = STRICT_BATCH.validate_json(raw)
    except ValidationError:
        return _read_leniently(raw)
    events, twice = _first_of_each(body["events"], [event["id"] for event in body["events"]])
    accepted = [(e, {**DEFAULTS[e["kind"]], **e["payload"]}) for e in events]
    return Batch(body["office"], body.get("backlog"), accepted, twice,
                 len(body["events"]), max((e["seq"] for e in body["events"]), default=0))


def _read_leniently(raw):
    """Envelope first (raises if malformed), then each event and its payload, so only
    bad events are refused. An event whose id cannot be read cannot be named in the
    answer, so it refuses the batch (raises), as a malformed envelope does."""
    body = PushEnvelope.model_validate_json(raw)
    read = [_read_event(event, body.office) for event in body.events]
    if any(event is None for event in read):
        PushBatch.model_validate_json(raw)      # raises, saying where
    events = [event for event in read if isinstance(event, Event)]
    events, twice = _first_of_each(events, [str(event.id) for event in events])
    results = [None] * len(events)
    for indexes in _indexes_by_kind(events):
        for i, result in zip(indexes, _validate_kind([events[i] for i in indexes])):
            results[i] = result
    accepted = [(_as_dict(e, dict(sorted(r.model_dump(exclude_unset=True).items()))),
                 {**DEFAULTS[e.kind], **r.model_dump()})
                for e, r in zip(events, results) if not isinstance(r, str)]
    rejected = [(_as_dict(e, e.payload), r) for e, r in zip(events, results) if isinstance(r, str)]
    rejected += [(_as_dict(e, e.payload), reason) for e, reason in twice]
    rejected += [event for event in read if isinstance(event, tuple)]
    seqs = [e["seq"] for e, _ in accepted + rejected if e["seq"] is not None]
    return Batch(body.office, body.backlog, accepted, rejected, len(body.events),
                 max(seqs, default=0))


def _read_event(raw, office):
    """An Event; or (what of it can be stored, reason) when its fields break the rules;
    or None when not even its id can be read."""
    try:
        return Event.model_validate(raw)
    except ValidationError as exc:
        event_id = _field("id", raw.get("id"))
        if event_id is None:
            return None
        salvaged = {name: _field(name, raw.get(name))
                    for name in ("seq", "day", "kind", "created_at")}
        return ({**salvaged, "id": str(event_id), "office": _field("office", raw.get("office"))
                 or office, "payload": raw}, _reason(exc, "invalid event"))


def _field(name, value):
    """`value` as Event's field `name` reads it, or None if it breaks that field's rules."""
    try:
        return EVENT_FIELDS[name].validate_python(value)
    except ValidationError:
        return None


def _as_dict(event, payload):
    return {**event.model_dump(), "id": str(event.id), "payload": payload}


def _first_of_each(events, ids):
    """The events in order, each id once: the same event twice in one batch is one event.
    Also (event, reason) for each repeat that differs from the first: a conflict."""
    if len(set(ids)) == len(ids):
        return events, []
    first, unique, twice = {}, [], []
    for event, event_id in zip(events, ids):
        if event_id not in first:
            first[event_id] = event
            unique.append(event)
        elif event != first[event_id]:
            twice.append((event, f"conflict: this batch holds event {event_id} twice, "
                                 "with different contents"))
    return unique, twice


def _indexes_by_kind(events):
    """Positions of the events, grouped by (kind, schema version)."""
    groups = defaultdict(list)
    for i, event in enumerate(events):
        groups[(event.kind, event.schema_version)].append(i)
    return groups.values()


def _validate_kind(events):
    """Payloads (or reasons) for events of one kind and version. A group with an
    invalid event is redone one by one, so only the invalid ones are refused."""
    try:
        return validate_payloads(events)
    except ValueError:      # pydantic's ValidationError included
        return [_validate_one(event) for event in events]


def _validate_one(event):
    try:
        return validate_payload(event)
    except ValidationError as exc:
        return _reason(exc)
    except ValueError as exc:
        return str(exc)


def _reason(exc, what="invalid payload"):
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'payload'}: {err['msg']}"
             for err in exc.errors()]
    return printable_reason(f"{what}: " + "; ".join(parts))


def printable_reason(text):
    """A reason as central keeps and answers it: control characters (a hostile field
    name may carry one) shown as '?', and at most MAX_REASON characters."""
    text = UNPRINTABLE.sub("?", text)
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


def _as_typed_dict(model, name, defaults=True, **overrides):
    """`model`'s fields as a TypedDict: the same rules (and defaults, unless not
    `defaults`), keys sorted, extra keys refused; `overrides` replace some fields'
    types and rules. Validating into dicts is several times faster than into models."""
    fields = {}
    for field_name in sorted(model.model_fields):
        field = model.model_fields[field_name]
        kind = overrides.get(field_name, field.annotation)
        if field.metadata and field_name not in overrides:
            kind = Annotated[(kind, *field.metadata)]
        if not field.is_required():
            kind = NotRequired[Annotated[kind, Field(default=field.default)] if defaults
                               else kind]
        fields[field_name] = kind
    checked = TypedDict(name, fields)
    checked.__pydantic_config__ = ConfigDict(extra="forbid")
    return checked


UNPRINTABLE = re.compile(f"[{CONTROL}]")
EVENT_FIELDS = {name: TypeAdapter(Annotated[(field.annotation, *field.metadata)]
                                  if field.metadata else field.annotation)
                for name, field in Event.model_fields.items()}
# The job always sends canonical ids; any other spelling of a UUID takes the lenient pass.
CANONICAL_UUID = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                              r"[0-9a-f]{4}-[0-9a-f]{12}$")]


def _strict_event(kind):
    """The strict reading of a `kind` event of any accepted schema version: one TypedDict
    per distinct payload model, told apart by schema_version when they differ."""
    versions = defaultdict(list)
    for version in ACCEPTED_VERSIONS:
        versions[payload_model(kind, version)].append(version)
    variants = [_as_typed_dict(Event, f"Strict_{kind}_v{numbers[0]}", id=CANONICAL_UUID,
                               kind=Literal[kind], schema_version=Literal[tuple(numbers)],
                               payload=_as_typed_dict(model, f"Strict_{kind}_v{numbers[0]}_"
                                                      "payload", defaults=False))
                for model, numbers in versions.items()]
    if len(variants) == 1:
        return variants[0]
    return Annotated[Union[tuple(variants)], Field(discriminator="schema_version")]


# A payload's defaults: the current version's (older versions' fields are a subset).
DEFAULTS = {kind: {name: field.default for name, field in model.model_fields.items()
                   if not field.is_required()} for kind, model in PAYLOADS.items()}
STRICT_EVENT = Annotated[Union[tuple(_strict_event(kind) for kind in PAYLOADS)],
                         Field(discriminator="kind")]
STRICT_BATCH = TypeAdapter(_as_typed_dict(PushBatch, "StrictBatch", events=list[STRICT_EVENT]))
