"""Antrean central: the online booking server and the merged view for admins."""
from flask import jsonify
from flask_openapi3 import Info, OpenAPI

from sync.errors import register_error_handlers, validation_error_response

from . import config, db
from .api import register_api
from .cli import register_cli
from .sync_api import init_app as register_sync_api


def create_app(overrides=None):
    """Build the central app: config, database, API blueprints, CLI."""
    app = OpenAPI(__name__, info=Info(title="Antrean central", version="1"),
                  validation_error_status=422,
                  validation_error_callback=validation_error_response,
                  doc_prefix="/api/v1/docs", doc_url="/openapi.json")
    config.load(app, overrides)
    db.init_app(app)
    register_error_handlers(app)
    register_api(app)
    register_cli(app)
    register_sync_api(app)

    @app.get("/api/v1/health")
    def health():
        return jsonify(status="ok")

    @app.get("/api/v1/openapi.json")
    def openapi_document():
        return jsonify(app.api_doc)

    return app
