"""Antrean branch: the office's own server. It never needs central to serve people."""
from flask import jsonify
from flask_openapi3 import Info, OpenAPI

from sync.errors import register_error_handlers, validation_error_response

from . import cli, config, db
from .api import api


def create_app(overrides=None):
    """Build the branch app: config, database, pages, API, CLI."""
    app = OpenAPI(__name__, info=Info(title="Antrean branch", version="1"),
                  validation_error_status=422,
                  validation_error_callback=validation_error_response,
                  doc_prefix="/api/v1/docs", doc_url="/openapi.json")
    config.load(app, overrides)
    app.config["DATABASE_URL"] = pooled(app.config["DATABASE_URL"])
    db.init_app(app)
    from .pages import bp as pages_bp, render_error_page, wants_html
    register_error_handlers(app, wants_html=wants_html, render_html=render_error_page)
    app.register_blueprint(pages_bp)
    app.register_api(api)
    cli.init_app(app)

    @app.get("/api/v1/health")
    def health():
        return jsonify(status="ok", office=app.config["OFFICE"])

    @app.get("/api/v1/openapi.json")
    def openapi_document():
        return jsonify(app.api_doc)

    return app


def pooled(url):
    """sqlite:///f -> sqlite+pool:///f: a worker thread keeps its connection between requests.

    Opening a connection per request, and the WAL checkpoint SQLite runs when the
    last one closes, cost ~10 ms of a ~2 ms ticket; the pool hands each thread a
    connection only one thread uses at a time, hence check_same_thread=false.
    """
    if not url.startswith("sqlite:///"):
        return url
    joiner = "&" if "?" in url else "?"
    return (f"sqlite+pool:///{url.removeprefix('sqlite:///')}{joiner}"
            "check_same_thread=false&max_connections=64")
