"""Branch configuration: defaults, then ANTREAN_* environment, then the caller's mapping.

Only this layer (through sync.settings.load_config) reads the environment.
"""
from typing import Optional

from sync.settings import load_config
from sync.websecurity import WebDefaults


class Defaults(WebDefaults):
    OFFICE: str = "SRG"             # this office's code at central
    OFFICE_NAME: Optional[str] = None   # shown on pages; central's name once synced
    TIMEZONE: str = "Asia/Jakarta"  # business dates and slot hours are local
    DATABASE_URL: Optional[str] = None  # default: sqlite:///<instance>/branch-<office>.db
    CENTRAL_URL: str = "http://127.0.0.1:5000"
    TOKEN: Optional[str] = None     # this office's sync token at central
    CAP_GENERAL = 150               # tickets per day before a supervisor must override
    CAP_PRIORITY = 40
    CAP_PROVISIONAL = 30            # check-ins a day whose booking code is not known here yet
    NIK_WAITING_PER_LANE = 1        # waiting tickets one NIK may hold in one lane
    NIK_TICKETS_PER_DAY = 3         # tickets one NIK may take in a day (all lanes)
    PRIORITY_STREAK = 3             # K: priority calls in a row while general waits
    BANNER_AFTER_MINUTES = 10       # show "central unreachable" after this long
    ELDERLY_AGE = 60
    SUSPENSION_CHECK_SECONDS = 10   # how often a worker re-checks the signed suspension list
    YOUNG_CHILD_AGE = 5             # the young-child priority lane: children under this age
    # Kiosks: set a key and only enrolled kiosks (cookie) and API clients sending it (header
    # X-Kiosk-Key) issue tickets; they skip the per-address rate limit (branch.kiosk_key).
    KIOSK_KEY: Optional[str] = None
    KIOSK_AUTOPRINT = True          # the ticket page asks the kiosk's browser to print itself
    PUBLIC_URL: Optional[str] = None    # the base URL phones reach (QR codes); default: the request's
    STATUS_REFRESH_SECONDS = 15     # a ticket's status page (/t/<token>) asks again this often
    RATELIMIT_KIOSK = "20/minute;300/hour"  # per client address: the kiosk's form and API
    WAIT_DEFAULT_SERVICE_MINUTES = 8    # one counter's time per person before any history
    WAIT_WINDOW_MINUTES = 60        # service history the wait estimates read (branch.waits)


# The views each rate limit guards: {endpoint: setting} (sync.ratelimit). The kiosk's form
# and its API share one budget per address.
RATE_LIMITS = {"pages.kiosk_take": "RATELIMIT_KIOSK", "pages.kiosk_checkin": "RATELIMIT_KIOSK",
               "api.create_ticket": "RATELIMIT_KIOSK"}


def load(app, overrides=None):
    """Fill app.config in order: defaults, environment, overrides."""
    load_config(app, Defaults, overrides, lambda config: f"branch-{config['OFFICE'].lower()}.db")
