"""Central's configuration: defaults, then ANTREAN_* environment, then the caller's mapping.

Only this layer (through sync.settings.load_config) reads the environment.
"""
from typing import Optional

from sync.settings import load_config
from sync.websecurity import WebDefaults


class Defaults(WebDefaults):
    DATABASE_URL: Optional[str] = None   # default: sqlite:///<instance>/central.db
    REPLICA_URL: Optional[str] = None    # a streaming replica: reports and calendars read it
    TIMEZONE = "Asia/Jakarta"    # for offices created without one
    BOOKING_WINDOW_DAYS = 30
    SYNC_MAX_BATCH_EVENTS = 1000
    SYNC_MAX_BATCH_BYTES = 1_000_000
    TOKEN_GRACE_HOURS = 24       # a rotated sync token keeps working this long
    # Per client address (Flask-Limiter notation): booking, and looking up or cancelling
    # one (a lookup needs code + NIK, and the limit keeps anyone from guessing either).
    RATELIMIT_BOOKING: str = "10/minute;60/hour"
    RATELIMIT_LOOKUP: str = "20/minute;120/hour"
    RATELIMIT_ADMIN_LOGIN: str = "20/minute;200/hour"     # the console's login form
    # The admin console: a branch silent this long stands out on Network today, which
    # reloads itself this often; a clock this far off stands out; the pilgrim list
    # upload may be this large (every other request keeps MAX_CONTENT_LENGTH).
    ADMIN_SILENT_MINUTES = 60
    ADMIN_REFRESH_SECONDS = 60
    ADMIN_DRIFT_WARN_SECONDS = 120
    MANIFEST_MAX_BYTES = 32 * 1024 * 1024


# The views each limit guards: {endpoint: setting} (sync.ratelimit). The site's forms share
# the API's budgets: one address gets as many tries through either.
RATE_LIMITS = {
    "bookings.book": "RATELIMIT_BOOKING",
    "bookings.lookup": "RATELIMIT_LOOKUP",
    "bookings.cancel": "RATELIMIT_LOOKUP",
    "admin.login": "RATELIMIT_ADMIN_LOGIN",
    "bookings.reschedule": "RATELIMIT_BOOKING",
    "site.book_submit": "RATELIMIT_BOOKING",
    "site.move_submit": "RATELIMIT_BOOKING",
    "site.lookup_submit": "RATELIMIT_LOOKUP",
    "site.cancel": "RATELIMIT_LOOKUP",
}


def load(app, overrides=None):
    """Fill app.config in order: defaults, environment, overrides."""
    load_config(app, Defaults, overrides, lambda config: "central.db")
