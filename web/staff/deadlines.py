"""The deadline board (R18) and the escalation notice unit heads get when they sign in."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, Flask, flash, render_template
from flask_babel import gettext as _
from flask_login import user_logged_in

from models.cases.deadlines import deadline_board, open_escalations
from web.shared import get_runtime
from web.staff.auth import me, require_role

bp = Blueprint("deadlines", __name__)


@bp.get("/deadlines")
@require_role("intake", "unit_head")
def board() -> Any:
    """Due-soon and overdue transfers and feedback of the clues this staff member may see."""
    items = deadline_board(get_runtime(), me().id)
    by_unit = sorted(items, key=lambda i: (i.unit_name, i.handler_name, i.due_on))
    groups = [(key, list(rows)) for key, rows in groupby(by_unit, key=lambda i: (i.unit_name, i.handler_name))]
    return render_template("staff/deadlines.html", items=items, groups=groups)


def _on_sign_in(_app: Flask, user: Any, **_extra: Any) -> None:
    # A unit head learns of escalated (overdue) items the moment they sign in (通报).
    if getattr(user, "role", None) != "unit_head":
        return
    count = open_escalations(get_runtime(), user.id)
    if count:
        flash(_("Overdue deadlines escalated to you: %(num)s. See the deadline board.", num=count), "error")


def init_escalation_banner(app: Flask) -> None:
    user_logged_in.connect(_on_sign_in, app)
