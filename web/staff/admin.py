"""Staff account administration (R29, R24): the account list, adding accounts, one's own password.

Views are thin: each calls one act of ``models.staff_admin`` and turns its named errors into a
flash message. Pages that show a fresh password or TOTP secret are never cached.
"""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from models.administration import staff_admin, units
from models.staff.accounts import ROLES
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from web.shared import error_message, flash_error, get_runtime, no_store
from web.staff import confirm
from web.staff.auth import me, require_role
from web.staff.nav import add_nav_link

bp = Blueprint("admin", __name__)
ADMIN = staff_admin.ADMIN_ROLE
add_nav_link("admin.staff_list", N_("Staff accounts"), {ADMIN})
add_nav_link("admin.own_password", N_("Change password"), set(ROLES))


class ActForm(FlaskForm):
    """One button on the account list; carries only the CSRF token."""

    confirm = BooleanField()


class NewStaffForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    display_name = StringField(validators=[Optional(), Length(max=200)])
    role = StringField(validators=[DataRequired(), AnyOf(ROLES)])
    unit = StringField(validators=[Optional(), Length(max=200)])


class PasswordForm(FlaskForm):
    old = PasswordField(validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(validators=[DataRequired(), Length(max=1024)])
    repeat = PasswordField(validators=[DataRequired(), Length(max=1024)])


def totp_qr_svg(uri: str) -> Markup:
    """The authenticator's otpauth:// URI as an inline SVG QR code, drawn here (no external service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own SVG of a URI we built; no user markup in it


def _credentials_page(creds: staff_admin.Credentials, title: str) -> Response:
    html = render_template("staff/admin_credentials.html", creds=creds, title=title,
                           qr=totp_qr_svg(creds.provisioning_uri()))
    return no_store(make_response(html))


@bp.get("/admin/staff")
@require_role(ADMIN)
def staff_list() -> Any:
    """Every staff account, with deactivate, reactivate, unlock and reset buttons."""
    try:
        rows = staff_admin.list_staff(get_runtime(), me().id)
    except ClueGuardError as err:
        flash_error(err)
        rows = []
    return render_template("staff/admin_staff.html", rows=rows, form=ActForm())


@bp.post("/admin/staff/<int:staff_id>/<act>")
@require_role(ADMIN)
def staff_act(staff_id: int, act: str) -> Any:
    """Deactivate, reactivate, unlock or reset one account."""
    rt, form = get_runtime(), ActForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("admin.staff_list"))
    acts = {
        "deactivate": (staff_admin.deactivate_staff, _("The account was deactivated.")),
        "reactivate": (staff_admin.reactivate_staff, _("The account was reactivated.")),
        "unlock": (staff_admin.unlock_staff, _("The account was unlocked.")),
    }
    if act in confirm.ACCOUNT_ACTS and not confirm.confirmed(request.form):
        # Deactivating and resetting cannot be taken back: say what will happen, act on the second POST.
        rows = {r.id: r for r in staff_admin.list_staff(rt, me().id)}
        if staff_id not in rows:
            return redirect(url_for("admin.staff_list"))
        row = rows[staff_id]
        return confirm.confirmation_page(confirm.ACCOUNT_ACTS[act], request.path, url_for("admin.staff_list"),
                                         request.form, name=row.display_name or row.username)
    try:
        if act == "reset":
            creds = staff_admin.reset_password(rt, me().id, staff_id, staff_admin.generate_password(),
                                               accept_lost_requests=bool(form.confirm.data))
            return _credentials_page(creds, _("Password reset"))
        if act not in acts:
            return redirect(url_for("admin.staff_list"))
        do, done = acts[act]
        do(rt, me().id, staff_id)
    except staff_admin.OfficerRequestsOpen as err:
        return render_template("staff/admin_confirm_reset.html", message=error_message(err), staff_id=staff_id,
                               form=form), 409
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for("admin.staff_list"))
    flash(done, "success")
    return redirect(url_for("admin.staff_list"))


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@require_role(ADMIN)
def staff_new() -> Any:
    """Add an account; its initial password and TOTP secret are shown once."""
    form = NewStaffForm()
    unit_rows = units.list_units(get_runtime())
    if form.validate_on_submit():
        if form.unit.data and form.unit.data not in {u.name for u in unit_rows}:
            # Units come from the managed list only (no free text, R13).
            flash(_("Choose a unit from the list."), "error")
            return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows), 400
        try:
            creds = staff_admin.add_staff_account(get_runtime(), me().id, form.username.data or "",
                                                  form.role.data or "", form.unit.data,
                                                  form.display_name.data or "")
        except ClueGuardError as err:
            flash_error(err)
            return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows), 400
        return _credentials_page(creds, _("Account created"))
    if request.method == "POST":
        flash(_("Fill in the user name and role."), "error")
        return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows), 400
    return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows)


@bp.route("/account/password", methods=["GET", "POST"])
def own_password() -> Any:
    """Every staff member changes their own password (old once, new twice)."""
    form = PasswordForm()
    if form.validate_on_submit():
        if form.new.data != form.repeat.data:
            flash(_("The two new passwords differ."), "error")
            return render_template("staff/account_password.html", form=form), 400
        try:
            staff_admin.change_own_password(get_runtime(), me().id, form.old.data or "", form.new.data or "")
        except ClueGuardError as err:
            flash_error(err)
            return render_template("staff/account_password.html", form=form), 400
        flash(_("Your password was changed."), "success")
        return redirect(url_for("home"))
    if request.method == "POST":
        flash(_("Fill in your password and the new one twice."), "error")
        return render_template("staff/account_password.html", form=form), 400
    return render_template("staff/account_password.html", form=form)

