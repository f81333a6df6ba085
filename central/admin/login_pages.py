"""GET/POST /admin/login (fields username, password, csrf_token, next) and POST /admin/logout."""
from flask import redirect, request, session, url_for

from sync.i18n import _
from sync.logins import LoginLocked
from sync.websecurity import safe_next

from .accounts import authenticate, current_account, log_in, log_out
from .web import bp, render


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), url_for("admin.network"))
    if request.method == "GET":
        if current_account() is not None:
            return redirect(next_url)
        return render("login.html", next=next_url, username="")
    username = request.form.get("username", "").strip()[:150]
    try:
        account = authenticate(username, request.form.get("password", ""))
    except LoginLocked as exc:
        page, status = render("login.html", exc.status, next=next_url, username=username,
                              message=exc.message)
        return page, status, exc.headers
    if account is None:
        return render("login.html", 401, next=next_url, username=username,
                      message=_("Wrong username or password."))
    log_in(account)     # a new session: nothing planted in the old one survives
    return redirect(next_url, 303)


@bp.post("/logout")
def logout():
    log_out(current_account())      # every session of the account ends, not only this one
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("admin.login"), 303)
