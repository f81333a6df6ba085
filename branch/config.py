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
    PRIORITY_STREAK = 3             # K: priority calls in a row while general waits
    BANNER_AFTER_MINUTES = 10       # show "central unreachable" after this long
    ELDERLY_AGE = 60
    SUSPENSION_CHECK_SECONDS = 10   # how often a worker re-checks the signed suspension list


# The views each rate limit guards: {endpoint: setting} (sync.ratelimit).
RATE_LIMITS = {}


def load(app, overrides=None):
    """Fill app.config in order: defaults, environment, overrides."""
    load_config(app, Defaults, overrides, lambda config: f"branch-{config['OFFICE'].lower()}.db")
