"""JSON API v1: one blueprint per resource."""
from .bookings import bp as bookings_bp
from .keys import bp as keys_bp
from .offices import bp as offices_bp


def register_api(app):
    """Mount the offices, bookings and keys blueprints under /api/v1."""
    app.register_api(offices_bp)
    app.register_api(bookings_bp)
    app.register_api(keys_bp)
