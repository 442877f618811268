"""The auditor's pages (R23): the trail with filters, verification, signed checkpoints, export.

Only auditors reach them; what they show is ids, event names, staff names and hashes, never clue
content or identity. Every reading, verification and export is itself an audited event.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from models.staff import auditing
from models.store import csvfile
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from web.shared import current_locale, flash_error, get_runtime
from web.staff.audit_labels import detail_text, event_label
from web.staff.auth import me, require_act
from web.staff.nav import add_nav_link

bp = Blueprint("audit", __name__, url_prefix="/audit")
AUDITOR = auditing.AUDITOR_ROLE
add_nav_link("audit.trail", N_("Audit trail"))
COLUMNS = ("id", "at", "actor", "event", "report_id", "detail", "hash")


REGISTRY_NO = re.compile(r"\d{4}-[A-Za-z]{0,4}\d{1,9}")


@bp.app_template_filter("event_label")
def _event_label(event: str) -> str:
    return event_label(current_locale(), event)


@bp.app_template_filter("audit_detail")
def _audit_detail(row: auditing.TrailRow) -> str:
    return detail_text(current_locale(), row.event, row.detail)


class PassphraseForm(FlaskForm):
    passphrase = PasswordField(validators=[DataRequired(), Length(max=1024)])


class NewKeyForm(PassphraseForm):
    repeat = PasswordField(validators=[DataRequired(), Length(max=1024)])


class VerifyForm(FlaskForm):
    pass


def _day(value: str) -> datetime | None:
    return datetime.strptime(value, "%Y-%m-%d") if value else None


def _filter() -> auditing.TrailFilter | None:
    """The filter from the query string, or None (and a message) for a malformed date."""
    args = request.args
    try:
        since, until = _day(args.get("since", "")), _day(args.get("until", ""))
    except ValueError:
        flash(_("Write dates as YYYY-MM-DD."), "error")
        return None
    clue = args.get("report", "").strip()[:36]
    # A registry number (2026-000009) is how staff know a clue; an internal id still works.
    by_number = bool(REGISTRY_NO.fullmatch(clue))
    return auditing.TrailFilter(actor=args.get("actor", "")[:120], report_id="" if by_number else clue,
                                registry_no=clue if by_number else "",
                                event=args.get("event", "")[:64], since=since,
                                until=until + timedelta(days=1) if until else None,
                                refusals=args.get("refusals") == "1")


def _render(result: auditing.Verification | None = None, status: int = 200) -> Any:
    rt, f = get_runtime(), _filter()
    before = request.args.get("before", type=int)
    rows = auditing.read_trail(rt, me().username, f or auditing.TrailFilter(), before) if f else []
    return render_template("staff/audit_trail.html", rows=rows, result=result, key=auditing.my_key(rt, me().username),
                           keys=auditing.auditor_keys(rt), verify_form=VerifyForm(), cp_form=PassphraseForm(),
                           key_form=NewKeyForm(), args=request.args, page_size=auditing.PAGE_SIZE), status


@bp.get("")
@require_act("audit.read")
def trail() -> Any:
    """The trail, newest first, filtered by who, clue, event and time."""
    return _render()


@bp.post("/verify")
@require_act("audit.read")
def verify() -> Any:
    """Verify the chain and every checkpoint; show the result and the latest checkpoint."""
    if not VerifyForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("audit.trail"))
    return _render(auditing.verify_trail(get_runtime(), me().username))


@bp.post("/checkpoint")
@require_act("audit.sign")
def make_checkpoint() -> Any:
    """Sign the chain's current head with the auditor's passphrase-wrapped key."""
    form = PassphraseForm()
    if form.validate_on_submit():
        try:
            cp = auditing.checkpoint_trail(get_runtime(), me().username, form.passphrase.data or "")
        except ClueGuardError as err:
            flash_error(err)
            return _render(status=400)
        flash(_("Checkpoint %(id)s signed at event %(event)s.", id=cp.id, event=cp.last_id), "success")
        return redirect(url_for("audit.trail"))
    flash(_("Enter your passphrase."), "error")
    return _render(status=400)


@bp.post("/key")
@require_act("audit.sign")
def create_key() -> Any:
    """Create the auditor's signing key, wrapped by a passphrase only they know."""
    form = NewKeyForm()
    if not form.validate_on_submit() or form.passphrase.data != form.repeat.data:
        flash(_("Enter the same passphrase twice."), "error")
        return _render(status=400)
    try:
        key = auditing.create_auditor_key(get_runtime(), me().username, form.passphrase.data or "")
    except ClueGuardError as err:
        flash_error(err)
        return _render(status=400)
    flash(_("Your signing key was created. Write down its fingerprint: %(fp)s", fp=key.fingerprint), "success")
    return redirect(url_for("audit.trail"))


def _lines(rows: Iterator[auditing.TrailRow], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        out = io.StringIO()
        writer = csvfile.writer(out)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.id, r.at.isoformat(), r.actor, r.event, r.report_id or "",
                             json.dumps(r.detail, ensure_ascii=False, sort_keys=True), r.hash])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()
        return
    for r in rows:
        yield json.dumps({"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "event": r.event,
                          "report_id": r.report_id, "detail": r.detail, "hash": r.hash},
                         ensure_ascii=False, sort_keys=True) + "\n"


@bp.get("/export.<fmt>")
@require_act("audit.read")
def export(fmt: str) -> Any:
    """The filtered trail as CSV or JSON lines (ids and event names only)."""
    f = _filter()
    if fmt not in {"csv", "jsonl"} or f is None:
        return redirect(url_for("audit.trail"))
    rows = auditing.export_trail(get_runtime(), me().username, f)
    mime = "text/csv" if fmt == "csv" else "application/x-ndjson"
    response = Response(_lines(rows, fmt), mimetype=mime)
    response.headers["Content-Disposition"] = f"attachment; filename=clueguard-audit.{fmt}"
    response.headers["Cache-Control"] = "no-store"
    return response
