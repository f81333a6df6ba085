"""Configuration order, shared by both servers and the sync job: defaults, then
ANTREAN_* environment, then the caller's mapping. Only this module reads the
environment. It does not import Flask, so `antrean-sync` starts quickly.
"""
import json
import os
import typing

PREFIX = "ANTREAN_"


def settings(defaults, overrides=None):
    """`defaults` (a class's UPPERCASE attributes), then ANTREAN_* variables, then
    `overrides`. A variable's value is read as JSON when it parses (ANTREAN_CAP_GENERAL=150
    is a number), as text otherwise: what Flask's from_prefixed_env does. A setting
    the defaults annotate as `str` (a key, a token, a URL) is always the text as given:
    a secret key of digits only stays text."""
    found = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    texts = text_settings(defaults)
    for name in sorted(os.environ):
        if name.startswith(PREFIX):
            key = name.removeprefix(PREFIX)
            found[key] = os.environ[name] if key in texts else _value(os.environ[name])
    found.update(overrides or {})
    return found


def text_settings(defaults):
    """The names `defaults` (or its bases) annotate as str or Optional[str]."""
    hints = {}
    for klass in reversed(defaults.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    return {name for name, hint in hints.items()
            if hint is str or str in typing.get_args(hint)}


def load_config(app, defaults, overrides, database_file):
    """Fill app.config with `settings`. Without a DATABASE_URL the database is
    `database_file` in the app's instance folder."""
    app.config.update(settings(defaults, overrides))
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, database_file(app.config))
        app.config["DATABASE_URL"] = f"sqlite:///{path}"


def under_journald():
    """Whether stderr is systemd's journal (JOURNAL_STREAM names stderr's device and inode;
    a child whose stderr was redirected inherits the variable but not the stream)."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        stat = os.fstat(2)
    except OSError:
        return False
    return expected == f"{stat.st_dev}:{stat.st_ino}"


def _value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text
