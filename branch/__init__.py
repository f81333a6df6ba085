"""Antrean branch: the office's own server. It never needs central to serve people."""


def create_app(overrides=None):
    """Build the branch app: config, database, pages, API, CLI, the web layer.

    The imports are here, not at the top, so `antrean-sync` (which needs only
    the branch's config, database and models) does not load the web app.
    """
    from sync.errors import register_error_handlers
    from sync.webapp import api_app, init_web

    from . import cli, config, db
    from .api import SECURITY_SCHEMES, api
    from .metrics import branch_families
    app = api_app(__name__, "Antrean branch", office="OFFICE")
    config.load(app, overrides)
    db.init_app(app)
    from .pages import bp as pages_bp, render_error_page, wants_html
    register_error_handlers(app, wants_html=wants_html, render_html=render_error_page)
    app.register_blueprint(pages_bp)
    app.security_schemes = SECURITY_SCHEMES
    app.register_api(api)
    cli.init_app(app)
    init_web(app, config.RATE_LIMITS, metrics=branch_families)
    from . import kiosk_key
    app.extensions["antrean.limiter"].request_filter(kiosk_key.exempt_from_rate_limit)
    return app
