"""No control character reaches a view: one rule for every request of both servers.

PostgreSQL cannot store NUL, no name, code or date holds a control character, and
a string that does is never what a person meant (it comes from a script, or a
scanner gone wrong). A path may hold none: 404 (it names nothing). A query value,
a form field or a JSON string may hold none but tab, newline and carriage return
(free text may span lines; a login's `next` with a tab is left to safe_next, which
ignores it): 400 for a query or a form, 422 naming the field for JSON.
Sync pushes are left to central.intake, which quarantines such events one by one.
"""
import re

from flask import request

from .errors import BadRequest, Invalid, NotFound
from .i18n import _

IN_ADDRESS = re.compile("[\x00-\x1f\x7f-\x9f]")
IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PUSH_PATH = "/api/v1/sync/push"


def refuse_control_characters():
    """A before_request hook: refuse a request whose address, form or JSON body holds a
    control character (see above)."""
    if request.path == PUSH_PATH:
        return
    if IN_ADDRESS.search(request.path):          # it names nothing here
        raise NotFound(_("The address holds a control character; check what was typed."))
    if any(IN_TEXT.search(key) or IN_TEXT.search(value)
           for key, value in request.args.items(multi=True)):
        raise BadRequest(_("The address holds a control character; check what was typed."))
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    # A urlencoded form only: a multipart one (a file upload) may have a larger limit,
    # which its view sets, and its text fields are read by that view's own rules.
    if request.mimetype == "application/x-www-form-urlencoded" and any(
            IN_TEXT.search(key) or IN_TEXT.search(value)
            for key, value in request.form.items(multi=True)):
        raise BadRequest(_("A field holds a control character; please type it again."))
    where = _controlled(request.get_json(silent=True)) if request.is_json else None
    if where is not None:
        reason = _("A control character is not allowed here.")
        summary = f"{where}: {reason}"
        raise Invalid(_("Please correct: %(summary)s", summary=summary), fields={where: reason})


def _controlled(document):
    """The path (a.b.0) of the first string in `document` holding a control character
    (a key or a value), or None. Walked with a stack: a body may be nested deep."""
    stack = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if IN_TEXT.search(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if IN_TEXT.search(key):
                    return _joined(path, IN_TEXT.sub("?", key))
                stack.append((_joined(path, key), item))
        elif isinstance(value, list):
            stack.extend((_joined(path, str(i)), item) for i, item in enumerate(value))
    return None


def _joined(path, key):
    return f"{path}.{key}" if path else key
