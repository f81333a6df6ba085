"""Central's admin console, server-rendered under /admin/, with a JSON twin of each
report under /api/v1/admin/ (the same session login, described in the OpenAPI document).

Pages: Network today, Office day, Passports by regency, Conflicts, Suspensions,
Bookings, Offices (closed dates too), Pilgrim list (manifest and mismatches), Audit.
"""
from .web import render_error_page, wants_admin_page  # noqa: F401  (central.create_app)


def init_admin(app):
    """Register the console's pages, its JSON API and `flask --app central admin ...`."""
    from . import api, cli, web
    from . import (audit_pages, booking_pages, conflict_pages,  # noqa: F401  (views on web.bp)
                   login_pages,
                   manifest_pages, network_pages, office_pages, passport_pages,
                   suspension_pages)
    app.register_blueprint(web.bp)
    api.init_app(app)
    app.cli.add_command(cli.admin_group)
