"""What both servers' apps share: the API app, its error shape, and the web layer
(security switches, rate limits, languages) set up the same way for both."""
from typing import Any, Literal, Optional

from flask import jsonify, request
from flask_openapi3 import Info, OpenAPI
from pydantic import BaseModel, ConfigDict, RootModel
from werkzeug.exceptions import BadRequest as UnreadableJson

from .errors import BadRequest, UnsupportedMediaType, validation_error_response
from .i18n import _, init_i18n
from .logs import init_logging
from .paths import RowId
from .metrics import init_metrics
from .ratelimit import init_ratelimits
from .requestlog import init_request_log
from .settings import under_journald
from .textguard import PUSH_PATH, refuse_control_characters
from .websecurity import harden

BODY_METHODS = ("POST", "PUT", "PATCH")


class ErrorOut(BaseModel):
    """Every API error: a code for programs, a message for people, reasons per field."""
    error: str
    message: str
    fields: Optional[dict[str, str]] = None


class HealthOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["ok"]


class DocumentOut(RootModel[dict[str, Any]]):
    """This document (OpenAPI 3)."""


ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
INVALID = {"description": "Invalid input: `fields` gives a reason per field",
           "content": ERROR_CONTENT}
# What read_json_body, textguard and MAX_CONTENT_LENGTH answer before any view runs.
BODY_REFUSALS = {"400": "The body is not JSON that parses (or is nested too deeply)",
                 "413": "The body is larger than the server takes",
                 "415": "The body is not JSON (Content-Type: application/json)"}
QUERY_REFUSAL = "A query value holds a control character"


class AntreanOpenAPI(OpenAPI):
    """flask-openapi3's app, documenting 422 as the object the API answers (its default
    is an array), and only where a request has something to validate; and the refusals
    every body or query may get before the view (see read_json_body, textguard)."""

    def generate_spec_json(self):
        super().generate_spec_json()
        for path_item in self.spec_json["paths"].values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                responses.pop(422, None)
                responses.pop("422", None)
                if operation.get("parameters") or operation.get("requestBody"):
                    responses["422"] = INVALID
                _document_refusals(operation, responses)


def _document_refusals(operation, responses):
    """400/413/415 where a body is read, 400 where a query is; an operation's own
    description of a status (e.g. a push's 413) is kept."""
    refusals = dict(BODY_REFUSALS) if operation.get("requestBody") else {}
    if any(p.get("in") == "query" for p in operation.get("parameters", ())):
        refusals.setdefault("400", QUERY_REFUSAL)
    for status, description in refusals.items():
        responses.setdefault(status, {"description": description, "content": ERROR_CONTENT})


def api_app(import_name, title, **health):
    """An OpenAPI app whose invalid requests answer 422 {error, message, fields}.

    It serves /api/v1/health (with `health` added) and /api/v1/openapi.json,
    the document generated from the schemas that validate the requests. No
    docs UI: it would load its script from a CDN, which pages never do.
    """
    app = AntreanOpenAPI(import_name, info=Info(title=title, version="1"),
                         validation_error_status=422, validation_error_model=ErrorOut,
                         validation_error_callback=validation_error_response, doc_ui=False)
    app.url_map.converters["int"] = RowId      # before any route: ids beyond 64 bits are 404

    @app.get("/api/v1/health", responses={"200": HealthOut})
    def health_check():
        """The server answers (no database asked)."""
        return jsonify(status="ok", **{k: app.config[v] for k, v in health.items()})

    @app.get("/api/v1/openapi.json", responses={"200": DocumentOut})
    def openapi_document():
        """This document."""
        return jsonify(app.api_doc)

    app.before_request(read_json_body)
    app.before_request(refuse_control_characters)
    return app


def init_web(app, limits=None, metrics=None):
    """After the app's config is loaded: security switches, languages, logs, /metrics
    (`metrics`: the app's database figures, see sync.metrics), rate limits (`limits`:
    {endpoint: setting name}, see sync.ratelimit). Call once every view is registered."""
    harden(app)
    init_i18n(app)
    init_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], journald=under_journald())
    init_request_log(app)
    init_metrics(app, metrics)
    init_ratelimits(app, {"metrics": "RATELIMIT_METRICS", **(limits or {})})


def read_json_body():
    """An API body is JSON or nothing: another type is 415, JSON that does not parse 400.

    Parsed here once (Flask keeps it for the view), so a broken body never reaches
    the schemas as "input should be a valid dictionary". A sync push's type is checked
    too, but its body is read by central.intake straight from the bytes (gzip allowed).
    """
    if (request.method not in BODY_METHODS or not request.path.startswith("/api/")
            or not _has_body()):
        return
    if not request.is_json:
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    if request.path == PUSH_PATH:
        return
    try:
        request.get_json()
    except RecursionError:
        raise BadRequest(_("The JSON sent is nested too deeply.")) from None
    except UnreadableJson:      # what Flask raises for JSON that does not parse
        raise BadRequest(_("The body is not valid JSON.")) from None


def _has_body():
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()
