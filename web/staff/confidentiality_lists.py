"""Staff pages across clues (R20–R22, R25): borrowing, the review list, copies and the recall list,
the destruction register, meeting records."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from models.cases import casework
from models.confidentiality import borrowing, copies, destruction, meetings
from models.confidentiality.classification import Level, marking_text, review_for
from models.staff.accounts import CONTENT_ROLES
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound
from models.store.i18n import N_
from web.shared import flash_error, get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.nav import add_nav_link

bp = Blueprint("confidentiality_lists", __name__)
ROLES = tuple(sorted(CONTENT_ROLES))


def _done(endpoint: str, act: Any, message: str, **values: Any) -> WerkzeugResponse:
    try:
        act()
    except ClueGuardError as err:
        if isinstance(err, NotFound):
            abort(404)
        flash_error(err)
    else:
        flash(message, "success")
    return redirect(url_for(endpoint, **values))


@bp.get("/borrowing")
@require_act("borrow.list")
def borrowing_list() -> Response:
    """One's borrowing requests and grants, and, for a unit head, those for their unit's clues."""
    loans = borrowing.list_loans(get_runtime(), me().id)
    blind = borrowing.blind_waiting(get_runtime(), me().id)
    return no_store(Response(render_template("staff/borrowing.html", loans=loans, blind=blind),
                             mimetype="text/html"))


@bp.post("/borrowing")
@require_act("borrow.request")
def borrow() -> WerkzeugResponse:
    """File a borrowing request (借阅单) for a clue of another unit, by registry number."""
    f = request.form

    def act() -> None:
        try:
            report_id = casework.find_by_registry_no(get_runtime(), f.get("registry_no", ""))
        except NotFound as exc:
            raise InvalidInput({"registry_no": N_("Unknown registry number.")}) from exc
        borrowing.request_borrowing(get_runtime(), me().id, report_id, f.get("reason", ""), f.get("days", ""))

    return _done("confidentiality_lists.borrowing_list", act,
                 _("The request was sent to the lending unit's head."))


@bp.post("/borrowing/<request_id>")
@require_act("borrow.return")
def decide_borrowing(request_id: str) -> WerkzeugResponse:
    """Approve, refuse or end a borrowing grant."""
    decision, note = request.form.get("decision", ""), request.form.get("note", "")
    rt, who = get_runtime(), me().id
    if decision == "return":
        return _done("confidentiality_lists.borrowing_list",
                     lambda: borrowing.return_borrowing(rt, who, request_id), _("The grant has ended."))
    return _done("confidentiality_lists.borrowing_list",
                 lambda: borrowing.decide_borrowing(rt, who, request_id, decision == "approve", note),
                 _("Decision recorded."))


@bp.get("/confidentiality/review")
@require_act("classification.list")
def review() -> Response:
    """Clues whose classification period ends within 90 days, and archives due for destruction."""
    try:
        items = review_for(get_runtime(), me().id)
    except NotAllowed:
        abort(403)
    return no_store(Response(render_template("staff/confidentiality_review.html", items=items),
                             mimetype="text/html"))


@bp.get("/copies")
@require_act("export.list")
def copy_list() -> Response:
    """The copies one holds or asked for; for a unit head, every copy of the unit's clues."""
    views = copies.copies_for(get_runtime(), me().id)
    return no_store(Response(render_template("staff/copies.html", copies=views,
                                             outstanding=[c for c in views if c.status == "outstanding"]),
                             mimetype="text/html"))


@bp.get("/destruction/register")
@require_act("destruction.register")
def register() -> Response:
    """The destruction register (登记造册): public facts only, never content."""
    entries = destruction.destruction_register(get_runtime())
    return no_store(Response(render_template("staff/destruction_register.html", entries=entries),
                             mimetype="text/html"))


@bp.get("/meetings")
@require_act("meeting.list")
def meeting_list() -> Response:
    """Meetings on the clues one handles, requests to read minutes, and a form to record them."""
    rt, who = get_runtime(), me().id
    return no_store(Response(render_template(
        "staff/meetings.html", meetings=meetings.list_meetings(rt, who), grants=meetings.minutes_requests(rt, who),
        director=meetings.is_director(rt, who), form=request.args), mimetype="text/html"))


@bp.post("/meetings")
@require_act("meeting.record")
def record_meeting() -> WerkzeugResponse:
    """Record a meeting's minutes (the intake office), on clues named by registry number."""
    f = request.form
    rt = get_runtime()

    def act() -> None:
        ids = []
        for no in f.get("registry_nos", "").replace("，", ",").replace(" ", ",").split(","):
            if no.strip():
                try:
                    ids.append(casework.find_by_registry_no(rt, no))
                except NotFound as exc:
                    raise InvalidInput({"clues": N_("Unknown registry number.")}) from exc
        meetings.record_meeting(rt, me().id, f.get("held_on", ""), f.get("kind", ""), f.get("attendees", ""),
                                f.get("decisions", ""), ids, f.get("level", "secret"))

    return _done("confidentiality_lists.meeting_list", act, _("The minutes were recorded."))


@bp.get("/meetings/<meeting_id>")
@require_act("meeting.read")
def minutes(meeting_id: str) -> Response:
    """A meeting's minutes: the office director, or a holder of a grant the director approved."""
    try:
        view = meetings.read_minutes(get_runtime(), me().id, meeting_id)
    except NotFound:
        abort(404)
    except NotAllowed as err:
        flash_error(err)
        return no_store(Response(render_template("staff/meeting_refused.html", meeting_id=meeting_id),
                                 status=403, mimetype="text/html"))
    # The minutes carry their own level (at least their clues'), not the page default.
    level = Level(view.info.level, view.info.years, None, None)
    return no_store(Response(render_template("staff/minutes.html", view=view,
                                             marking=marking_text(level, str(get_locale() or "zh"))),
                             mimetype="text/html"))


@bp.post("/meetings/<meeting_id>/request")
@require_act("meeting.request")
def request_minutes(meeting_id: str) -> WerkzeugResponse:
    """Ask the office director for read access to minutes."""
    f = request.form
    return _done("confidentiality_lists.meeting_list",
                 lambda: meetings.request_minutes(get_runtime(), me().id, meeting_id, f.get("reason", ""),
                                                  f.get("days", "")),
                 _("The request was sent to the office director."))


@bp.post("/meetings/grants/<grant_id>")
@require_act("meeting.approve")
def decide_minutes(grant_id: str) -> WerkzeugResponse:
    """The office director approves or refuses a request to read minutes."""
    approve = request.form.get("decision") == "approve"
    return _done("confidentiality_lists.meeting_list",
                 lambda: meetings.decide_minutes(get_runtime(), me().id, grant_id, approve), _("Decision recorded."))


add_nav_link("confidentiality_lists.borrowing_list", N_("Borrowing"))
add_nav_link("confidentiality_lists.copy_list", N_("Copies"))
add_nav_link("confidentiality_lists.review", N_("Classification review"))
add_nav_link("confidentiality_lists.meeting_list", N_("Meetings"))
add_nav_link("confidentiality_lists.register", N_("Destruction register"))
