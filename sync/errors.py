"""The one error shape every Antrean API answers: {"error": code, "message": text}."""
from flask import jsonify, request
from werkzeug.exceptions import HTTPException


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


def json_error(code, message, status, **extra):
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    return response


def validation_error_response(exc):
    """flask-openapi3 hands us pydantic's ValidationError: one reason per field."""
    fields = {}
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(where, err["msg"].removeprefix("Value error, "))
    summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return json_error("invalid", f"Please correct: {summary}", 422, fields=fields)


def register_error_handlers(app, wants_html=lambda: False, render_html=None):
    """JSON errors for the API; pages may render the same message for a person."""

    @app.errorhandler(AntreanError)
    def antrean_error(exc):
        if wants_html() and render_html:
            return render_html(exc.message, exc.status)
        return json_error(exc.code, exc.message, exc.status, **exc.extra)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if request.path.startswith("/api/") or not render_html:
            code = (exc.name or "error").lower().replace(" ", "_")
            return json_error(code, exc.description or exc.name, exc.code)
        return render_html(exc.description or exc.name, exc.code)
