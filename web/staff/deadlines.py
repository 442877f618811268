"""The deadline board (R18): every open transfer and feedback deadline, filterable, with the unit
head's decisions (通报 / 约谈 / 问责) on escalated items, and the escalation notice at sign-in."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import user_logged_in

from models.cases.deadlines import KIND_LABELS, STATUS_LABELS, BoardFilter, deadline_board, open_escalations
from models.cases.escalation import DECISIONS, list_decisions, record_escalation_decision
from models.cases.inbox import filter_choices
from models.store.errors import ClueGuardError, NotFound
from web.shared import current_locale, flash_error, get_runtime
from web.staff.auth import me, require_act
from web.staff.cases import case_link_prefix, id_arg
from web.staff.labels import translated

bp = Blueprint("deadlines", __name__)
BOARD_PAGE = 100




@bp.get("/deadlines")
@require_act("deadline.board")
def board() -> Any:
    """Every open deadline of the clues this staff member may see, earliest first, filterable."""
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    handler = request.args.get("handler", "")
    handler_id = me().id if handler == "me" else id_arg("handler")
    wanted = BoardFilter(status=status or None, kind=kind or None, unit_id=id_arg("unit"), handler_id=handler_id)
    rt = get_runtime()
    items = deadline_board(rt, me().id, wanted, limit=BOARD_PAGE + 1)
    more = len(items) > BOARD_PAGE
    items = items[:BOARD_PAGE]
    by_unit = sorted(items, key=lambda i: (i.unit_name, i.handler_name, i.due_on))
    groups = [(key, list(rows)) for key, rows in groupby(by_unit, key=lambda i: (i.unit_name, i.handler_name))]
    decisions = list_decisions(rt, me().id)
    by_person = sorted(decisions, key=lambda d: (d.unit_name, d.handler_name, d.decided_at))
    decision_groups = [(key, list(rows)) for key, rows in
                       groupby(by_person, key=lambda d: (d.unit_name, d.handler_name))]
    return render_template("staff/deadlines.html", items=items, groups=groups, more=more, wanted=wanted,
                           handler=handler if handler == "me" else handler_id, choices=filter_choices(rt),
                           decisions=DECISIONS, decision_groups=decision_groups,
                           escalated=[i for i in items if i.escalation_id is not None],
                           # Up to 100 rows: labels translated once, each row's link built once.
                           shown={"due_kinds": translated(current_locale(), KIND_LABELS),
                                  "due": translated(current_locale(), STATUS_LABELS)},
                           case_link=case_link_prefix())


@bp.post("/escalations/<int:escalation_id>/decide")
@require_act("escalation.decide")
def decide(escalation_id: int) -> Any:
    """Record 通报, 约谈 or 问责 on an escalated item (R18); the clue's own unit head only."""
    try:
        record_escalation_decision(get_runtime(), me().id, escalation_id, request.form.get("decision", ""),
                                   request.form.get("note", ""))
    except NotFound:
        abort(404)
    except ClueGuardError as err:
        flash_error(err)
    else:
        flash(_("The decision was recorded."), "success")
    return redirect(url_for("deadlines.board", status="overdue") + "#escalated")


def _on_sign_in(_app: Flask, user: Any, **_extra: Any) -> None:
    # A unit head learns of escalated (overdue) items the moment they sign in (通报).
    if getattr(user, "role", None) != "unit_head":
        return
    count = open_escalations(get_runtime(), user.id)
    if count:
        # The banner on every page (staff/base.html) links to the board; the flash says it once.
        flash(_("Overdue deadlines escalated to you: %(num)s. See the deadline board.", num=count), "error")


def init_escalation_banner(app: Flask) -> None:
    user_logged_in.connect(_on_sign_in, app)
