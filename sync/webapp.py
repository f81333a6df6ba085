"""What both servers' apps share: configuration order, the API app, its error shape."""
import os
from typing import Optional

from flask import jsonify
from pydantic import BaseModel

from .errors import validation_error_response


class ErrorOut(BaseModel):
    """Every API error: a code for programs, a message for people, reasons per field."""
    error: str
    message: str
    fields: Optional[dict[str, str]] = None


def load_config(app, defaults, overrides, database_file):
    """Fill app.config: defaults, then ANTREAN_* environment, then `overrides`.

    Without a DATABASE_URL the database is `database_file` in the instance folder.
    """
    app.config.from_object(defaults)
    app.config.from_prefixed_env("ANTREAN")
    if overrides:
        app.config.update(overrides)
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, database_file(app.config))
        app.config["DATABASE_URL"] = f"sqlite:///{path}"


def api_app(import_name, title, **health):
    """An OpenAPI app whose invalid requests answer 422 {error, message, fields}.

    It serves /api/v1/health (with `health` added) and /api/v1/openapi.json,
    the document generated from the schemas that validate the requests.
    """
    from flask_openapi3 import Info, OpenAPI    # here: antrean-sync needs only load_config
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
