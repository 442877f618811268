"""Staff account administration (R29, R24): the account list, adding accounts, role and unit changes,
the unit head's approvals, one's own password.

Views are thin: each calls one act of ``models.administration`` and turns its named errors into a
flash message. Pages that show an enrollment code are never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from models.administration import approvals, staff_admin, units
from models.staff.accounts import ROLES
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from web.shared import error_message, flash_error, get_runtime, no_store
from web.staff import confirm
from web.staff.auth import me, require_act
from web.staff.nav import add_nav_link

bp = Blueprint("admin", __name__)
ADMIN = staff_admin.ADMIN_ROLE
HEAD = approvals.HEAD_ROLE
add_nav_link("admin.staff_list", N_("Staff accounts"))
add_nav_link("admin.changes", N_("Account approvals"), {HEAD})  # administrators: the page below
add_nav_link("admin.admin_changes", N_("Account approvals"))
add_nav_link("admin.own_password", N_("Change password"))


class ActForm(FlaskForm):
    """One button on the account list; carries only the CSRF token."""

    confirm = BooleanField()


class NewStaffForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    display_name = StringField(validators=[Optional(), Length(max=200)])
    role = StringField(validators=[DataRequired(), AnyOf(ROLES)])
    unit = StringField(validators=[Optional(), Length(max=200)])


class ChangeForm(FlaskForm):
    value = StringField(validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    old = PasswordField(validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(validators=[DataRequired(), Length(max=1024)])
    repeat = PasswordField(validators=[DataRequired(), Length(max=1024)])


def _outcome_page(outcome: approvals.AccountOutcome, title: str, back: str) -> Response:
    html = render_template("staff/admin_outcome.html", outcome=outcome, title=title, back=back)
    return no_store(make_response(html))


@bp.get("/admin/staff")
@require_act("staff.manage")
def staff_list() -> Any:
    """Every staff account, with deactivate, reactivate, unlock, reset, role and unit controls."""
    try:
        rows = staff_admin.list_staff(get_runtime(), me().id)
    except ClueGuardError as err:
        flash_error(err)
        rows = []
    return render_template("staff/admin_staff.html", rows=rows, form=ActForm(), roles=ROLES,
                           units=units.list_units(get_runtime()))


@bp.post("/admin/staff/<int:staff_id>/<act>")
@require_act("staff.manage")
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
            outcome = staff_admin.reset_password(rt, me().id, staff_id, accept_lost_requests=bool(form.confirm.data))
            return _outcome_page(outcome, _("Password reset"), url_for("admin.staff_list"))
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


@bp.post("/admin/staff/<int:staff_id>/change/<what>")
@require_act("staff.manage")
def staff_change(staff_id: int, what: str) -> Any:
    """Change an account's role or unit; a content role or a move waits for the unit head."""
    form = ChangeForm()
    if what not in {"role", "unit"} or not form.validate_on_submit():
        flash(_("Choose a role or name a unit."), "error")
        return redirect(url_for("admin.staff_list"))
    act = staff_admin.change_role if what == "role" else staff_admin.change_unit
    try:
        outcome = act(get_runtime(), me().id, staff_id, (form.value.data or "").strip())
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for("admin.staff_list"))
    return _outcome_page(outcome, _("Account changed"), url_for("admin.staff_list"))


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@require_act("staff.manage")
def staff_new() -> Any:
    """Add an account: an enrollment code for the person, or a request to the unit head."""
    form = NewStaffForm()
    unit_rows = units.list_units(get_runtime())
    if form.validate_on_submit():
        if form.unit.data and form.unit.data not in {u.name for u in unit_rows}:
            # Units come from the managed list only (no free text, R13).
            flash(_("Choose a unit from the list."), "error")
            return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows), 400
        try:
            outcome = staff_admin.add_staff_account(get_runtime(), me().id, form.username.data or "",
                                                    form.role.data or "", form.unit.data,
                                                    form.display_name.data or "")
        except ClueGuardError as err:
            flash_error(err)
            return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows), 400
        return _outcome_page(outcome, _("Account created"), url_for("admin.staff_list"))
    if request.method == "POST":
        flash(_("Fill in the user name and role."), "error")
        return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows), 400
    return render_template("staff/admin_new.html", form=form, roles=ROLES, units=unit_rows)


@bp.get("/account-changes")
@require_act("staff.decide_change")
def changes() -> Any:
    """Account changes waiting for this unit head's decision."""
    return render_template("staff/account_changes.html", rows=approvals.pending_for(get_runtime(), me().id),
                           form=ActForm())


@bp.post("/account-changes/<int:change_id>/<decision>")
@require_act("staff.decide_change")
def decide_change(change_id: int, decision: str) -> Any:
    """Approve or deny one account change; an enrollment code is shown to the approver once."""
    return _decide(change_id, decision, "admin.changes")


@bp.get("/admin/account-changes")
@require_act("staff.manage")
def admin_changes() -> Any:
    """Every pending account change with who must decide it; another administrator's to decide here."""
    return render_template("staff/account_changes.html", rows=approvals.pending_changes(get_runtime(), me().id),
                           form=ActForm(), overview=True)


@bp.post("/admin/account-changes/<int:change_id>/<decision>")
@require_act("staff.manage")
def admin_decide_change(change_id: int, decision: str) -> Any:
    """Another administrator approves or denies an auditor's, custodian's or administrator's account."""
    return _decide(change_id, decision, "admin.admin_changes")


def _decide(change_id: int, decision: str, back: str) -> Any:
    form, rt = ActForm(), get_runtime()
    if decision not in {"approve", "deny"} or not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for(back))
    try:
        if decision == "deny":
            approvals.deny_change(rt, me().id, change_id)
            flash(_("The request was denied."), "success")
            return redirect(url_for(back))
        outcome = approvals.approve_change(rt, me().id, change_id)
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for(back))
    return _outcome_page(outcome, _("Change approved"), url_for(back))


@bp.route("/account/password", methods=["GET", "POST"])
def own_password() -> Any:
    """Every staff member changes their own password (old once, new twice); other sessions end."""
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
        flash(_("Your password was changed. Sign in again with it."), "success")
        return redirect(url_for("auth.login"))
    if request.method == "POST":
        flash(_("Fill in your password and the new one twice."), "error")
        return render_template("staff/account_password.html", form=form), 400
    return render_template("staff/account_password.html", form=form)
