"""Staff pages of the clue workflow: the acts on a case, its handling panel, transfer packages and
the list of receiving authorities. Views are thin: each act is one call into ``models.workflow``
or ``models.transfer``; refusals come back as translated flash messages."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from models.cases import casework, shielding, transfer, workflow
from models.cases.casefile import CaseWorkflow, case_workflow
from models.cases.deadlines import KIND_LABELS, STATUS_LABELS
from models.cases.escalation import DECISIONS
from models.cases.inbox import registry_number
from models.cases.survey import SATISFACTION
from models.linking import search as linking
from models.reporting.files import Upload
from models.staff import acting
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound
from models.store.i18n import N_, translate
from models.store.runtime import Runtime
from models.store.text import as_id
from web.shared import current_locale, error_message, field_errors, flash_error, get_runtime, no_store
from web.staff import confirm
from web.staff.auth import me, require_act
from web.staff.cases import render_case

bp = Blueprint("workflow", __name__)
HANDLERS = ("intake", "unit_head")

RECORD_LABELS = {
    "check_note": N_("Check note"),
    "conclusion": N_("Conclusion"),
    "conclusion_returned": N_("Conclusion returned"),
    "approval": N_("Approval"),
    "feedback": N_("Feedback"),
    "not_accepted": N_("Reason for not accepting"),
    "reassigned": N_("Reason for reassignment"),
    "escalation_decision": N_("Decision on an overdue item"),
    "shielding_decision": N_("Decision on the transfer of the shielding part"),
}


def uploads() -> list[Upload]:
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist("files") if f and f.filename]


def _int(form: MultiDict[str, str], name: str) -> int:
    chosen = as_id(form.get(name, ""))
    if chosen is None:
        raise InvalidInput({name: N_("Choose a value from the list.")})
    return chosen


def _date(form: MultiDict[str, str], name: str, required: bool = True) -> date | None:
    value = form.get(name, "").strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput({name: N_("Give a date (YYYY-MM-DD).")}) from None


def _assignee(form: MultiDict[str, str]) -> tuple[int, int]:
    """The unit and handler picked from one "unit:handler" list, or given as two fields."""
    if "assignee" in form:
        unit, _sep, handler = form.get("assignee", "").partition(":")
        form = MultiDict({"unit_id": unit, "handler_id": handler})
    return _int(form, "unit_id"), _int(form, "handler_id")


def _flag(form: MultiDict[str, str], name: str) -> bool:
    return form.get(name) in {"1", "yes", "on", "true"}


Act = Callable[[Runtime, int, str, MultiDict[str, str]], object]

# One line per act: how a form becomes a workflow call.
ACTS: dict[str, Act] = {
    "register": lambda rt, sid, rid, f: workflow.register_clue(rt, sid, rid, *_assignee(f)),
    "reassign": lambda rt, sid, rid, f: workflow.reassign_clue(rt, sid, rid, *_assignee(f), f.get("reason", "")),
    "start_check": lambda rt, sid, rid, f: workflow.start_check(rt, sid, rid),
    "add_check_note": lambda rt, sid, rid, f: workflow.add_check_note(rt, sid, rid, f.get("text", ""), uploads()),
    "conclude": lambda rt, sid, rid, f: workflow.conclude_check(
        rt, sid, rid, f.get("text", ""), gang_related=_flag(f, "gang_related"),
        shielding_official=_flag(f, "shielding_official"), transfer=_flag(f, "transfer"), uploads=uploads()),
    "approve": lambda rt, sid, rid, f: workflow.approve_conclusion(rt, sid, rid, f.get("note", "")),
    "return_conclusion": lambda rt, sid, rid, f: workflow.return_conclusion(rt, sid, rid, f.get("note", "")),
    "transfer": lambda rt, sid, rid, f: transfer.transfer_clue(
        rt, sid, rid, _int(f, "authority_id"), f.get("evidence", "").splitlines(), f.getlist("attachment_ids"),
        _date(f, "handling_deadline", required=False)),
    "transfer_shielding": lambda rt, sid, rid, f: shielding.propose_shielding_transfer(
        rt, sid, rid, _int(f, "authority_id"), f.get("part", ""), f.get("evidence", "").splitlines(),
        f.getlist("attachment_ids")),
    "approve_shielding": lambda rt, sid, rid, f: shielding.decide_shielding_transfer(
        rt, sid, rid, f.get("decision") != "refuse", f.get("note", ""), _date(f, "handling_deadline", required=False)),
    "set_handling_deadline": lambda rt, sid, rid, f: transfer.set_handling_deadline(
        rt, sid, rid, _date(f, "deadline") or date.min, f.get("transfer_id") or None),
    "record_feedback": lambda rt, sid, rid, f: transfer.record_feedback(rt, sid, rid, f.get("text", ""), uploads(),
                                                                        f.get("transfer_id") or None),
    "close": lambda rt, sid, rid, f: workflow.close_clue(rt, sid, rid),
    "archive": lambda rt, sid, rid, f: workflow.archive_clue(rt, sid, rid),
    "merge": lambda rt, sid, rid, f: workflow.merge_clue(rt, sid, rid, _merge_target(rt, f)),
    "not_accept": lambda rt, sid, rid, f: workflow.not_accept_clue(rt, sid, rid, f.get("reason", ""),
                                                                   f.get("note", "")),
}


# What the panel says after each act: specific, so the clerk knows what happened.
DONE = {
    "register": N_("The clue was registered to its unit and handler."),
    "reassign": N_("The clue was given to its new unit and handler."),
    "start_check": N_("The preliminary check has started."),
    "add_check_note": N_("The check note was added."),
    "conclude": N_("The conclusion was recorded."),
    "approve": N_("You approved the conclusion."),
    "return_conclusion": N_("The conclusion went back for more checking."),
    "transfer": N_("The clue was transferred; the package is in the transfer register."),
    "transfer_shielding": N_("The transfer of the shielding part now awaits a unit head's approval."),
    "approve_shielding": N_("Your decision on the transfer of the shielding part was recorded."),
    "set_handling_deadline": N_("The handling deadline was saved; feedback is due 5 days after it."),
    "record_feedback": N_("The authority's feedback was recorded."),
    "close": N_("The clue was closed."),
    "archive": N_("The clue was archived."),
    "merge": N_("The clue was merged into the other one."),
    "not_accept": N_("The clue was marked as not accepted."),
}


def translate_msg(msgid: str, **params: object) -> str:
    return translate(current_locale(), msgid, **params)


def _merge_target(rt: Runtime, form: MultiDict[str, str]) -> str:
    """The clue to merge into, given by registry number (or id, from older pages)."""
    value = form.get("into", "").strip()
    number = registry_number(value)
    if number:
        try:
            return casework.find_by_registry_no(rt, number)
        except NotFound:
            raise InvalidInput({"into": N_("Choose another clue that is still open.")}) from None
    if not value:
        raise InvalidInput({"into": N_("Give the registry number of the clue it repeats.")})
    return value


def _precheck(rt: Runtime, act: str, form: MultiDict[str, str]) -> dict[str, object]:
    """Validate what the confirmation page will describe; the parameters of its sentence."""
    if act == "not_accept":
        reason = form.get("reason", "")
        if reason not in workflow.NOT_ACCEPTED_REASONS:
            raise InvalidInput({"reason": N_("Choose a reason.")})
        if reason == "other" and not form.get("note", "").strip():
            raise InvalidInput({"note": N_("Write the text.")})
        return {"reason": translate_msg(workflow.NOT_ACCEPTED_REASONS[reason])}
    if act == "merge":
        number = casework.registry_no_of(rt, _merge_target(rt, form))
        if number is None:
            raise InvalidInput({"into": N_("Choose another clue that is still open.")})
        return {"into": number}
    if act == "transfer":
        # What the transfer itself refuses first, so the question is never asked in vain.
        listed = any(line.strip() for line in form.get("evidence", "").splitlines())
        if not listed and not form.getlist("attachment_ids"):
            raise InvalidInput({"evidence": N_("List the evidence handed over.")})
        _date(form, "handling_deadline", required=False)
        chosen = _int(form, "authority_id")
        names = [a.name for a in transfer.list_authorities(rt) if a.id == chosen]
        if not names:
            raise InvalidInput({"authority_id": N_("Choose an authority from the list.")})
        return {"authority": names[0]}
    return {}


def _back(report_id: str) -> Response:
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("cases.case", report_id=report_id)
    return redirect(target.split("#")[0] + "#workflow")  # type: ignore[return-value]  # werkzeug's Response, not Flask's


@bp.post("/cases/<report_id>/act/<act>")
@require_act("clue.handle")
def act(report_id: str, act: str) -> Response:
    """Do one act of the clue's workflow from its case page (irreversible ones after a confirmation)."""
    if act not in ACTS:
        abort(404)
    rt = get_runtime()
    try:
        if act in confirm.CASE_ACTS and not confirm.confirmed(request.form):
            # A dry run of the act's check, so the page never offers what fails.
            number = workflow.dry_run(rt, me().id, report_id, act)
            params = _precheck(rt, act, request.form)
            return confirm.confirmation_page(confirm.CASE_ACTS[act], request.path,
                                             url_for("cases.case", report_id=report_id) + "#workflow",
                                             request.form, no=number, **params)
        ACTS[act](rt, me().id, report_id, request.form)
    except NotFound:
        abort(404)
    except InvalidInput as err:
        # Mark the field and keep what was typed: the case page again, with this act's form filled in.
        flash(error_message(err), "error")
        return render_case(report_id, status=400, act_errors=field_errors(err.errors, err.params),
                           act_failed=act, act_values=request.form)
    except ClueGuardError as err:
        flash_error(err)
    else:
        flash(translate_msg(DONE[act]), "success")
        if act == "register":
            duplicate_hint(rt, report_id)
    return _back(report_id)


def duplicate_hint(rt: Runtime, report_id: str) -> None:
    """At registration or recording, say how many readable clues this one may repeat (R14: never merged by itself)."""
    try:
        count = len(linking.possible_duplicates(rt, me().id, report_id))
    except (NotAllowed, NotFound):
        return
    if count:
        flash(_("This clue may repeat %(n)s other clues: see Possible duplicates to merge it.", n=count),
              "warning")


def workflow_panel(report_id: str) -> CaseWorkflow | None:
    """For templates: the handling of a clue as the signed-in staff member may see it."""
    try:
        return case_workflow(get_runtime(), me().id, report_id)
    except (NotAllowed, NotFound):
        return None


@bp.get("/cases/<report_id>/workflow")
@require_act("clue.read")
def panel(report_id: str) -> Any:
    """The clue with its handling panel: the case page itself."""
    return render_case(report_id)


@bp.get("/cases/record-files/<file_id>")
@require_act("clue.read")
def record_file(file_id: str) -> Any:
    """Download a file attached to a check note, conclusion or feedback (access checked, audited)."""
    try:
        name, mime, data = casework.open_record_file(get_runtime(), me().id, file_id)
    except (LookupError, NotFound):
        abort(404)
    except NotAllowed:
        abort(403)
    return no_store(send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=name))


@bp.get("/transfers/<transfer_id>")
@require_act("transfer.package")
def package(transfer_id: str) -> Any:
    """A transfer package, for printing and handing over (reading it is audited)."""
    try:
        content = transfer.transfer_package(get_runtime(), me().id, transfer_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    return no_store(Response(render_template("staff/transfer_package.html", package=content)))


@bp.route("/authorities", methods=["GET", "POST"])
@require_act("authority.list")
def authorities() -> Any:
    """The managed list of receiving authorities (intake staff read it; managers change it)."""
    rt = get_runtime()
    errors: dict[str, str] = {}
    can_manage = acting.role_may(me().role, transfer.ADD_AUTHORITY.name)
    if request.method == "POST":
        # The add act itself refuses (audited) whoever may not manage the list: one check, in models.
        try:
            transfer.add_authority(rt, me().id, request.form.get("name", ""), request.form.get("kind", ""))
        except InvalidInput as err:
            errors = field_errors(err.errors, err.params)
        except NotAllowed:
            abort(403)
        else:
            flash(_("The authority was added to the list."), "success")
            return redirect(url_for("workflow.authorities"))
    return render_template("staff/authorities.html", authorities=transfer.list_authorities(rt, active_only=False),
                           kinds=transfer.AUTHORITY_KINDS, errors=errors,
                           can_manage=can_manage), 400 if errors else 200


@bp.post("/authorities/<int:authority_id>/retire")
@require_act("authority.retire")
def retire(authority_id: int) -> Response:
    """Take an authority off the list for new transfers."""
    try:
        transfer.retire_authority(get_runtime(), me().id, authority_id)
    except NotFound:
        abort(404)
    return redirect(url_for("workflow.authorities"))  # type: ignore[return-value]  # werkzeug's Response, not Flask's


def register(app: Flask) -> None:
    """Wire the workflow pages, the deadline board and statistics into the staff app."""
    from web.staff import deadlines, stats

    app.register_blueprint(bp)
    app.register_blueprint(deadlines.bp)
    app.register_blueprint(stats.bp)
    deadlines.init_escalation_banner(app)
    app.jinja_env.globals.update(
        workflow_panel=workflow_panel,
        workflow_labels={
            "states": workflow.STATE_LABELS, "kinds": workflow.MANDATORY_KINDS,
            "reasons": workflow.NOT_ACCEPTED_REASONS, "records": RECORD_LABELS, "due": STATUS_LABELS,
            "due_kinds": KIND_LABELS, "satisfaction": SATISFACTION, "authority_kinds": transfer.AUTHORITY_KINDS,
            "decisions": DECISIONS,
        },
    )
