"""The one error shape every Antrean API answers: {"error": code, "message": text}."""
from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from .i18n import _

# Werkzeug's names for the statuses we answer, as stable codes programs may rely on.
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              429: "rate_limited"}


class AntreanError(Exception):
    """A refusal a person can act on. Subclasses set `status` and `code`."""

    status = 400
    code = "bad_request"

    def __init__(self, message, **extra):
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(AntreanError):
    status, code = 404, "not_found"


class Invalid(AntreanError):
    """Input that breaks a rule the schema cannot express (e.g. a closed day)."""
    status, code = 422, "invalid"


class Forbidden(AntreanError):
    status, code = 403, "forbidden"


class Conflict(AntreanError):
    status, code = 409, "conflict"


class BadRequest(AntreanError):
    status, code = 400, "bad_request"


class UnsupportedMediaType(AntreanError):
    status, code = 415, "unsupported_media_type"


def json_error(code, message, status, **extra):
    response = jsonify({"error": code, "message": str(message), **extra})
    response.status_code = status
    return response


def validation_error_response(exc):
    """flask-openapi3 hands us pydantic's ValidationError: one reason per field."""
    fields = {}
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(where, err["msg"].removeprefix("Value error, "))
    summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return json_error("invalid", _("Please correct: %(summary)s", summary=summary), 422,
                      fields=fields)


def http_messages():
    """What a person reads for the HTTP errors Werkzeug raises (translated per request)."""
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You may not do this."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that method."),
        413: _("What was sent is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
        429: _("Too many requests from your address; please wait a moment and try again."),
    }


def register_error_handlers(app, wants_html=lambda: False, render_html=None):
    """JSON errors for the API; pages may render the same message for a person."""

    def answer(status, code, message, extra=None, headers=()):
        if render_html and wants_html():
            response = app.make_response(render_html(message, status))
        else:
            response = json_error(code, message, status, **(extra or {}))
        for name, value in headers:
            response.headers[name] = value
        return response

    @app.errorhandler(AntreanError)
    def antrean_error(exc):
        return answer(exc.status, exc.code, exc.message, exc.extra,
                      getattr(exc, "headers", ()))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.response is not None:
            return exc.response     # a response built already
        message = http_messages().get(exc.code) or exc.description or exc.name
        code = HTTP_CODES.get(exc.code) or (exc.name or "error").lower().replace(" ", "_")
        kept = [(name, value) for name, value in exc.get_headers()
                if name.lower() in ("allow", "retry-after", "www-authenticate")]
        return answer(exc.code, code, message, headers=kept)

    @app.errorhandler(RecursionError)
    def too_deep(exc):
        """JSON nested a thousand deep overflows the parser: the sender's fault, not ours."""
        return answer(400, "bad_request", _("The JSON sent is nested too deeply."))
