"""Protection pages (R11, R12): the board, a clue's risk and measures, redaction marks.

Also provides the template globals the case page's ``_case_protection.html`` partial uses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models.cases import redaction
from models.protection import measures, unseal
from models.protection.measures import HIGH_RISK, RISK_LEVELS
from models.staff import acting
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from web.shared import flash_error, get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.nav import add_nav_link

bp = Blueprint("protection", __name__)

OFFICER = "protection_officer"
READERS = (OFFICER, "unit_head")
add_nav_link("protection.board", N_("Protection board"))
MARKERS = tuple(redaction.MARKERS)


@bp.app_template_global()
def risk_level_of(report_id: str) -> str | None:
    """The clue's retaliation risk level, for flags on other pages."""
    return measures.risk_levels(get_runtime(), [report_id]).get(report_id)


@bp.app_template_global()
def risk_levels_for(report_ids: list[str]) -> dict[str, str]:
    """Risk level per report id, for flags in lists such as the inbox (one query per page)."""
    return measures.risk_levels(get_runtime(), report_ids)


@bp.app_template_global()
def unseal_requests_of(report_id: str) -> list[unseal.RequestView]:
    """The signed-in officer's, custodian's or unit head's unseal requests for one clue."""
    if me().role not in ("protection_officer", "custodian", "unit_head"):
        return []
    return unseal.list_unseal_requests(get_runtime(), me().id, report_id)


# What the redaction tool calls each part of a clue (issue #27 item 8), never ``reported.0.name``.
FIELD_LABELS = {"description": N_("What happened?"), "location": N_("Where"), "occurred_on": N_("When")}
GROUP_LABELS = {"reported": N_("Who is reported"), "shielding": N_("Officials suspected of shielding them")}
PART_LABELS = {"name": N_("Name"), "unit": N_("Unit"), "position": N_("Position"), "place": N_("Place")}


@bp.app_template_filter("redaction_field")
def redaction_field(field: str) -> str:
    """``reported.0.name`` → "被举报人 1 · 姓名"; ``description`` → "主要事实"."""
    if field in FIELD_LABELS:
        return _(FIELD_LABELS[field])
    group, _dot, rest = field.partition(".")
    index, _dot, part = rest.partition(".")
    if group in GROUP_LABELS and index.isdigit() and part in PART_LABELS:
        return f"{_(GROUP_LABELS[group])} {int(index) + 1} · {_(PART_LABELS[part])}"
    return field


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"risk_labels": RISK_LEVELS, "high_risk": HIGH_RISK}


@bp.get("/protection")
@require_act("protection.protection_board")
def board() -> Any:
    """Protection cases, highest risk first, then the longest open."""
    rows = measures.protection_board(get_runtime(), me().id)
    return render_template("staff/protection_board.html", rows=rows)


@bp.get("/cases/<report_id>/protection")
@require_act("redaction.mark")
def case(report_id: str) -> Any:
    """A clue's risk assessment, measures and redaction marks."""
    rt = get_runtime()
    view = None
    try:
        if acting.role_may(me().role, measures.VIEW.name):
            view = measures.protection_view(rt, me().id, report_id)
        clue, marks = redaction.redaction_marks(rt, me().id, report_id)
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for("home"))
    response = make_response(render_template(
        "staff/protection_case.html", report_id=report_id, view=view, clue=clue, marks=marks,
        fields=redaction.redactable_fields(clue), field_text=redaction.field_text,
        preview=redaction.apply_redactions(clue, marks), today=measures.local_today(rt).isoformat()))
    return no_store(response)


def _back(report_id: str) -> Response:
    return redirect(url_for("protection.case", report_id=report_id))


@bp.post("/cases/<report_id>/protection/risk")
@require_act("protection.set_risk")
def risk(report_id: str) -> Response:
    """Set the retaliation risk level with its reasons."""
    try:
        measures.set_risk(get_runtime(), me().id, report_id, request.form.get("level", ""),
                            request.form.get("reasons", ""))
    except ClueGuardError as err:
        flash_error(err)
    else:
        flash(_("The risk assessment was saved."), "success")
    return _back(report_id)


@bp.post("/cases/<report_id>/protection/measures")
@require_act("protection.record_measure")
def measure(report_id: str) -> Response:
    """Record a protection measure taken."""
    try:
        taken_on = date.fromisoformat(request.form.get("taken_on", "")) if request.form.get("taken_on") else None
    except ValueError:
        flash(_("Give the date as YYYY-MM-DD."), "error")
        return _back(report_id)
    try:
        measures.record_measure(get_runtime(), me().id, report_id, request.form.get("what", ""), taken_on)
    except ClueGuardError as err:
        flash_error(err)
    else:
        flash(_("The measure was recorded."), "success")
    return _back(report_id)


@bp.post("/cases/<report_id>/redactions")
@require_act("redaction.mark")
def mark(report_id: str) -> Response:
    """Mark every occurrence of an exact passage of one field for redaction."""
    try:
        redaction.mark_redaction(get_runtime(), me().id, report_id, request.form.get("field", ""),
                                 phrase=request.form.get("phrase", ""))
    except ClueGuardError as err:
        flash_error(err)
    else:
        flash(_("The passage will be redacted in exports and transfers."), "success")
    return _back(report_id)


@bp.post("/cases/<report_id>/redactions/<mark_id>/remove")
@require_act("redaction.mark")
def unmark(report_id: str, mark_id: str) -> Response:
    """Take a redaction mark away."""
    try:
        redaction.remove_redaction(get_runtime(), me().id, mark_id)
    except ClueGuardError as err:
        flash_error(err)
    return _back(report_id)
