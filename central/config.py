"""Central's configuration: defaults, then ANTREAN_* environment, then the caller's mapping.

Only this layer (through sync.settings.load_config) reads the environment.
"""
from sync.settings import load_config


class Defaults:
    DATABASE_URL = None          # default: sqlite:///<instance>/central.db
    TIMEZONE = "Asia/Jakarta"    # for offices created without one
    BOOKING_WINDOW_DAYS = 30
    SECRET_KEY = "dev-only-change-me"
    SYNC_MAX_BATCH_EVENTS = 1000
    SYNC_MAX_BATCH_BYTES = 1_000_000


def load(app, overrides=None):
    """Fill app.config in order: defaults, environment, overrides."""
    load_config(app, Defaults, overrides, lambda config: "central.db")
