"""Antrean central: the online booking server and the merged view for admins."""
from sync.errors import register_error_handlers
from sync.webapp import api_app, init_web

from . import config, db, metrics
from .admin import init_admin, render_error_page, wants_admin_page
from .api import register_api
from .cli import register_cli
from .site import error_page, init_site, wants_html
from .suspension_list import bp as suspension_list_bp
from .sync_api import init_app as register_sync_api


def _error_page(message, status):
    """The admin console's error page under /admin, the booking site's everywhere else."""
    return (render_error_page if wants_admin_page() else error_page)(message, status)


def create_app(overrides=None):
    """Build the central app: config, database, API blueprints, the booking site, CLI, the
    web layer."""
    app = api_app(__name__, "Antrean central")
    config.load(app, overrides)
    db.init_app(app)
    register_error_handlers(app, wants_html=wants_html, render_html=_error_page)
    register_api(app)
    register_cli(app)
    register_sync_api(app)
    app.register_api(suspension_list_bp)
    init_admin(app)
    init_site(app)
    app.after_request(metrics.count_booking)
    init_web(app, config.RATE_LIMITS, metrics=metrics.office_families)
    return app
