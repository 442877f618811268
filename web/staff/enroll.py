"""Enrollment (R29): with a one-time code the person sets their own password and authenticator.

Two steps, both reachable without signing in: the code opens a fresh TOTP seed shown only on
this (never cached) page; the person then chooses a password and proves the authenticator works.
"""

from __future__ import annotations

from typing import Any

import pyotp
import segno
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models.staff import enrollment
from models.store.errors import ClueGuardError
from web.shared import flash_error, get_runtime, no_store
from web.staff import devices


def totp_qr_svg(uri: str) -> Markup:
    """The authenticator's otpauth:// URI as an inline SVG QR code, drawn here (no external service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own SVG of a URI we built; no user markup in it # nosec B704


bp = Blueprint("enroll", __name__)


class CodeForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    code = StringField(validators=[DataRequired(), Length(max=64)])


class CompleteForm(CodeForm):
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])
    repeat = PasswordField(validators=[DataRequired(), Length(max=1024)])
    totp = StringField(validators=[DataRequired(), Length(max=12)])


def _page(template: str, status: int = 200, **context: Any) -> Any:
    return no_store(make_response(render_template(template, **context), status))


@bp.route("/enroll", methods=["GET", "POST"])
def start() -> Any:
    """Enter user name and enrollment code; a new authenticator secret is shown once."""
    form = CodeForm()
    if form.validate_on_submit():
        username, code = form.username.data or "", form.code.data or ""
        try:
            seed = enrollment.start_enrollment(get_runtime(), username, code)
        except ClueGuardError as err:
            flash_error(err)
            return _page("staff/enroll_start.html", 400, form=form)
        uri = pyotp.TOTP(seed).provisioning_uri(name=username, issuer_name="ClueGuard")
        return _page("staff/enroll_complete.html", form=CompleteForm(username=username, code=code),
                     seed=seed, uri=uri, qr=totp_qr_svg(uri))
    if request.method == "POST":
        flash(_("Fill in your user name and enrollment code."), "error")
        return _page("staff/enroll_start.html", 400, form=form)
    return _page("staff/enroll_start.html", form=form)


@bp.post("/enroll/complete")
def complete() -> Any:
    """Choose a password and confirm the authenticator with its current code."""
    form = CompleteForm()
    if not form.validate_on_submit() or form.password.data != form.repeat.data:
        flash(_("Fill in every field; the two passwords must be the same."), "error")
        return _page("staff/enroll_start.html", 400, form=CodeForm(username=form.username.data))
    try:
        enrollment.complete_enrollment(get_runtime(), form.username.data or "", form.code.data or "",
                                       form.password.data or "", form.totp.data or "")
    except ClueGuardError as err:
        flash_error(err)
        return _page("staff/enroll_start.html", 400, form=CodeForm(username=form.username.data))
    flash(_("Your account is ready. Sign in with your new password and authenticator code."), "success")
    # Enrolling proved who this browser is: its first sign-in is already a known device's (R29).
    return devices.remember_device(redirect(url_for("auth.login")), form.username.data or "")
