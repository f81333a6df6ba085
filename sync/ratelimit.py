"""Rate limits on what anonymous clients may call, per client address (Flask-Limiter).

Each app declares its limits as {endpoint: setting name}; the setting holds the
limit in Flask-Limiter's notation ("20/minute;200/hour"), so an office tunes it
without code. Endpoints that name the same setting share one budget. Storage is
in memory unless ANTREAN_RATELIMIT_STORAGE_URL names one (redis://...), which
every worker of a server then shares. ANTREAN_RATELIMIT_ENABLED=false switches
every limit off (benchmarks and load tests do, and say so). A refusal is 429
with Retry-After, in the usual error shape (sync.errors).
"""
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_ratelimits(app, limits):
    """Wrap the views of `limits` ({endpoint: setting name}) in their rate limits."""
    limiter = Limiter(get_remote_address, app=app, headers_enabled=True,
                      storage_uri=app.config.get("RATELIMIT_STORAGE_URL") or "memory://",
                      key_prefix=f"antrean:{app.import_name}:")
    for endpoint, setting in limits.items():
        limit = limiter.shared_limit(lambda setting=setting: current_app.config[setting],
                                     scope=setting)
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    app.extensions["antrean.limiter"] = limiter
    return limiter
