"""The administrator's page of units (R13): the list every unit choice is made from."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models.administration import units
from models.store.errors import InvalidInput
from web.shared import field_errors, get_runtime
from web.staff.auth import me, require_act

bp = Blueprint("units", __name__)


@bp.route("/admin/units", methods=["GET", "POST"])
@require_act("unit.manage")
def index() -> Any:
    """List the units and add one."""
    rt = get_runtime()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            units.add_unit(rt, me().id, request.form.get("name", ""))
        except InvalidInput as err:
            errors = field_errors(err.errors, err.params)
        else:
            flash(_("The unit was added."), "success")
            return redirect(url_for("units.index"))
    return render_template("staff/units.html", units=units.list_units(rt), errors=errors), 400 if errors else 200
