"""Pilgrim list (/admin/manifest): import the ministry's CSV, see what each import did
(bad lines with their reasons), and the mismatch report with its marks."""
import json

from flask import abort, flash, redirect, request, url_for

from sync.errors import AntreanError
from sync.i18n import _

from ..offices import clock_now
from .accounts import current_account
from .manifest import import_manifest
from .mismatches import (DECISIONS, PROBLEMS, current_mismatch, find_mismatches, mark,
                         suspension_reason)
from .models import ManifestEntry, ManifestImport
from .suspension_pages import today
from .web import admin_only, bp, render

RECENT_IMPORTS = 10


def overview(status=200, message=None):
    return render("manifest.html", status, message=message,
                  entries=ManifestEntry.select().count(),
                  imports=list(ManifestImport.select().order_by(ManifestImport.id.desc())
                               .limit(RECENT_IMPORTS)))


@bp.get("/manifest")
def manifest():
    return overview()


@bp.post("/manifest/import")
@admin_only
def manifest_import():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return overview(422, _("Choose the CSV file of the pilgrim list first."))
    try:
        record = import_manifest(upload.read(), upload.filename, current_account().username,
                                 clock_now(), today())
    except AntreanError as exc:
        return overview(exc.status, exc.message)
    return redirect(url_for("admin.manifest_import_result", import_id=record.id), 303)


@bp.get("/manifest/imports/<int:import_id>")
def manifest_import_result(import_id):
    record = ManifestImport.get_or_none(ManifestImport.id == import_id)
    if record is None:
        abort(404)
    earlier = (ManifestImport.select().where(ManifestImport.sha256 == record.sha256,
                                             ManifestImport.id < record.id)
               .order_by(ManifestImport.id).first())
    return render("manifest_import.html", record=record, errors=json.loads(record.errors),
                  earlier=earlier)


@bp.get("/manifest/mismatches")
def mismatches(status=200, message=None):
    shown = request.args.get("status") if request.args.get("status") in ("marked",
                                                                           "all") else "open"
    found, total = find_mismatches(today(), shown)
    return render("mismatches.html", status, found=found, total=total, shown=shown,
                  problems=PROBLEMS, decisions=DECISIONS, message=message)


@bp.post("/manifest/mismatches/mark")
@admin_only
def mark_mismatch():
    key = request.form.get("key", "")[:60]
    decision = request.form.get("decision", "")
    note = request.form.get("note", "").strip()[:1000]
    try:
        if decision == "suspected":
            item = current_mismatch(key)
        made = mark(key, decision, note, current_account().username, clock_now())
    except AntreanError as exc:
        return mismatches(exc.status, exc.message)
    if decision == "suspected":
        return redirect(url_for("admin.new_suspension", nik=made.nik, mismatch=key,
                                reason=(note + " " if note else "") + suspension_reason(item)),
                        303)
    flash(_("Marked as corrected."))
    return redirect(url_for("admin.mismatches"), 303)
