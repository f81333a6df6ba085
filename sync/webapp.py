"""What both servers' apps share: the API app and its error shape."""
from typing import Optional

from flask import jsonify
from flask_openapi3 import Info, OpenAPI
from pydantic import BaseModel

from .errors import validation_error_response


class ErrorOut(BaseModel):
    """Every API error: a code for programs, a message for people, reasons per field."""
    error: str
    message: str
    fields: Optional[dict[str, str]] = None


def api_app(import_name, title, **health):
    """An OpenAPI app whose invalid requests answer 422 {error, message, fields}.

    It serves /api/v1/health (with `health` added) and /api/v1/openapi.json,
    the document generated from the schemas that validate the requests.
    """
    app = OpenAPI(import_name, info=Info(title=title, version="1"),
                  validation_error_status=422, validation_error_model=ErrorOut,
                  validation_error_callback=validation_error_response,
                  doc_prefix="/api/v1/docs", doc_url="/openapi.json")

    @app.get("/api/v1/health")
    def health_check():
        return jsonify(status="ok", **{k: app.config[v] for k, v in health.items()})

    @app.get("/api/v1/openapi.json")
    def openapi_document():
        return jsonify(app.api_doc)

    return app
