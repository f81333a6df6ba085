"""Central's configuration: defaults, then ANTREAN_* environment, then the caller's mapping.

This is the only module of central that reads the environment.
"""
import os


class Defaults:
    DATABASE_URL = None          # default: sqlite:///<instance>/central.db
    TIMEZONE = "Asia/Jakarta"    # for offices created without one
    BOOKING_WINDOW_DAYS = 30
    SECRET_KEY = "dev-only-change-me"
    SYNC_MAX_BATCH_EVENTS = 1000
    SYNC_MAX_BATCH_BYTES = 1_000_000


def load(app, overrides=None):
    """Fill app.config in order: defaults, environment, overrides."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("ANTREAN")
    if overrides:
        app.config.update(overrides)
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{os.path.join(app.instance_path, 'central.db')}"
