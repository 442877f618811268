"""Staff pages of one clue's confidentiality (R19–R22, R25): classification, controlled copies,
destruction and the protection officer it is given to. Every rule lives in
``models.confidentiality``; a refusal becomes 403, an unknown id 404, bad input a flash message."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from models.cases.printing import render_copy
from models.confidentiality import classification, copies, destruction, offices
from models.confidentiality.meetings import KINDS
from models.confidentiality.panel import confidentiality_panel
from models.staff.accounts import CONTENT_ROLES
from models.store.errors import ClueGuardError, NotAllowed, NotFound
from models.store.i18n import N_
from web.shared import flash_error, get_runtime, no_store
from web.staff.auth import me, require_act

bp = Blueprint("confidentiality", __name__)
ROLES = tuple(sorted(CONTENT_ROLES))


def refuse(err: ClueGuardError) -> NoReturn:
    if isinstance(err, NotAllowed):
        abort(403)
    if isinstance(err, NotFound):
        abort(404)
    abort(400)


def _back(report_id: str) -> WerkzeugResponse:
    return redirect(url_for("confidentiality.panel", report_id=report_id))


def _act(report_id: str, act: Any, done: str) -> WerkzeugResponse:
    """Run one act; refusals by need-to-know are 403/404, anything else a message on the panel."""
    try:
        act()
    except NotFound as err:
        refuse(err)
    except ClueGuardError as err:
        if type(err) is NotAllowed:
            refuse(err)
        flash_error(err)
        return _back(report_id)
    flash(done, "success")
    return _back(report_id)


STATUS = {
    "pending": N_("Waiting for approval"), "approved": N_("Approved"), "refused": N_("Refused"),
    "ended": N_("Ended"), "returned": N_("Returned"), "executed": N_("Carried out"),
    "outstanding": N_("Outstanding"), "destroyed": N_("Destroyed"), "awaiting": N_("Waiting for approval"),
}


@bp.app_template_global()
def classification_labels() -> dict[str, Any]:
    """Labels the confidentiality templates translate: levels, reasons, kinds, statuses."""
    return {"levels": classification.LEVELS, "max_years": classification.MAX_YEARS,
            "reasons": destruction.REASONS, "kinds": KINDS, "status": STATUS}


@bp.get("/cases/<report_id>/confidentiality")
@require_act("clue.read")
def panel(report_id: str) -> Response:
    """A clue's classification, copies, destruction and meetings, with the acts one may do."""
    try:
        view = confidentiality_panel(get_runtime(), me().id, report_id)
    except ClueGuardError as err:
        refuse(err)
    return no_store(Response(render_template("staff/confidentiality_case.html", view=view,
                                             report=view.report), mimetype="text/html"))


@bp.post("/cases/<report_id>/classification")
@require_act("classification.propose")
def propose(report_id: str) -> WerkzeugResponse:
    """Propose a level and period (or declassifying) for the clue (定密审批, R19)."""
    f = request.form
    return _act(report_id, lambda: classification.propose_classification(
        get_runtime(), me().id, report_id, f.get("level", ""), f.get("years", ""), f.get("reason", "")),
        _("The proposal was recorded; a unit head must approve it."))


@bp.post("/cases/<report_id>/classification/<int:change_id>")
@require_act("classification.approve")
def decide_classification(report_id: str, change_id: int) -> WerkzeugResponse:
    """Approve or refuse a proposed classification (never one's own)."""
    approve = request.form.get("decision") == "approve"
    return _act(report_id, lambda: classification.decide_classification(get_runtime(), me().id, change_id,
                                                                         approve), _("Decision recorded."))


@bp.post("/cases/<report_id>/exports")
@require_act("export.request")
def request_export(report_id: str) -> WerkzeugResponse:
    """Ask for numbered PDF copies of the redacted clue (R21)."""
    f = request.form
    holders = [h.strip() for h in f.get("holders", "").replace("，", ",").split(",") if h.strip()] or None
    return _act(report_id, lambda: copies.request_export(get_runtime(), me().id, report_id, f.get("copies", ""),
                                                         f.get("reason", ""), holders),
                _("The export request was recorded; a unit head must approve it."))


@bp.post("/cases/<report_id>/exports/<export_id>")
@require_act("export.approve")
def decide_export(report_id: str, export_id: str) -> WerkzeugResponse:
    """Approve or refuse an export request (never one's own)."""
    approve = request.form.get("decision") == "approve"
    return _act(report_id, lambda: copies.decide_export(get_runtime(), me().id, export_id, approve),
                _("Decision recorded."))


@bp.get("/exports/<export_id>/copies/<int:n>")
@require_act("export.print")
def copy_pdf(export_id: str, n: int) -> Response | WerkzeugResponse:
    """Copy n as a PDF, for its holder only; producing it is registered and audited."""
    try:
        pdf = render_copy(get_runtime(), me().id, export_id, n, str(get_locale() or "zh"))
    except ClueGuardError as err:
        if isinstance(err, NotAllowed | NotFound):
            refuse(err)
        flash_error(err)  # e.g. the copy was returned: say so on the copy list
        return redirect(url_for("confidentiality_lists.copy_list"))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="copy-{n}.pdf"'
    return no_store(response)


@bp.post("/cases/<report_id>/exports/<export_id>/copies/<int:n>")
@require_act("export.close")
def close_copy(report_id: str, export_id: str, n: int) -> WerkzeugResponse:
    """Mark a copy returned or destroyed (the recall, R21)."""
    status = request.form.get("status", "")
    return _act(report_id, lambda: copies.close_copy(get_runtime(), me().id, export_id, n, status),
                _("The copy register was updated."))


@bp.post("/cases/<report_id>/destruction")
@require_act("destruction.request")
def request_destruction(report_id: str) -> WerkzeugResponse:
    """Ask to destroy the clue (R22)."""
    f = request.form
    return _act(report_id, lambda: destruction.request_destruction(get_runtime(), me().id, report_id,
                                                                   f.get("reason", ""), f.get("note", "")),
                _("The destruction request was recorded; a unit head must approve it."))


@bp.post("/cases/<report_id>/destruction/<request_id>")
@require_act("destruction.approve")
def decide_destruction(report_id: str, request_id: str) -> WerkzeugResponse:
    """Approve or refuse a destruction request (never one's own)."""
    approve = request.form.get("decision") == "approve"
    return _act(report_id, lambda: destruction.approve_destruction(get_runtime(), me().id, request_id, approve),
                _("Decision recorded."))


@bp.post("/cases/<report_id>/destruction/<request_id>/execute")
@require_act("destruction.execute")
def execute_destruction(report_id: str, request_id: str) -> WerkzeugResponse:
    """Carry out an approved destruction before a witness: the clue is crypto-shredded."""
    witness = request.form.get("witness", "")
    try:
        destruction.execute_destruction(get_runtime(), me().id, request_id, witness)
    except ClueGuardError as err:
        if type(err) is NotAllowed or isinstance(err, NotFound):
            refuse(err)
        flash_error(err)
        return _back(report_id)
    flash(_("The clue was destroyed and entered in the destruction register."), "success")
    return redirect(url_for("confidentiality_lists.register"))


@bp.post("/cases/<report_id>/protection-officer")
@require_act("protection.assign")
def give_protection(report_id: str) -> WerkzeugResponse:
    """Give the protection of the clue's reporter to a protection officer (who may then read it)."""
    officer = request.form.get("officer", "")
    return _act(report_id, lambda: offices.give_protection(get_runtime(), me().id, report_id, officer),
                _("The protection officer may now read this clue."))


