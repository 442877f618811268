"""Staff sign-in: password + TOTP (R29), the confidentiality pledge (R30), role checks.

The staff app is deny-by-default: ``guard`` runs before every request and lets through only the
endpoints in ``OPEN_ENDPOINTS``; everything else needs a signed-in account that has taken the
pledge within the year. Roles are checked by one decorator, ``require_act``, which asks the act's
declaration in models (``models.staff.acting``) and audits a refusal. Sessions are
server-side (``web.staff.sessions``) and carry the account's session epoch: sign-out, a password
change, a reset or deactivation ends every copy of them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from models.staff import accounts, acting, sessions
from models.staff.tables import Staff
from models.store.errors import ClueGuardError, NotFound
from models.store.i18n import N_
from web.monitoring import OPEN_ENDPOINTS as MONITORING_ENDPOINTS
from web.shared import error_message, get_runtime
from web.staff import devices

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"
login_manager.login_message = N_("Please sign in to see this page.")
login_manager.login_message_category = "error"
login_manager.localize_callback = _

# The staff JSON API's blueprints (bearer tokens, no cookies): they do their own token check.
API_BLUEPRINTS = frozenset({"api", "api_cases", "api_workflow", "api_confidentiality", "api_unseal"})
OPEN_ENDPOINTS = {"auth.login", "static", "api.create_session", "api.openapi", "enroll.start",
                  "enroll.complete", *MONITORING_ENDPOINTS}
# Reachable while signed in but before the yearly pledge.
PLEDGE_ENDPOINTS = {"auth.pledge", "auth.logout"}
PLEDGE_VALID = accounts.PLEDGE_VALID
EPOCH_KEY = "cg_epoch"

F = TypeVar("F", bound=Callable[..., Any])
# The acts the views' doors name (``require_act``, ``api.api_auth``).
DOOR_ACTS: set[str] = set()


class SignedIn:
    """What Flask-Login keeps for a request: a fresh copy of the staff row."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.id = staff.id
        self.username = staff.username
        self.display_name = staff.display_name
        self.role = staff.role
        self.unit_id = staff.unit_id
        self.unit_name = staff.unit.name if staff.unit else ""

    def get_id(self) -> str:
        return str(self.id)

    @property
    def pledge_due(self) -> bool:
        return not accounts.pledge_current(self.staff)


@login_manager.user_loader
def _load(staff_id: str) -> SignedIn | None:
    """The session's account, unless deactivated or its sessions were ended since (epoch)."""
    try:
        staff = accounts.get_staff(get_runtime(), int(staff_id))
    except (NotFound, ValueError):
        return None
    if not staff.active or session.get(EPOCH_KEY) != staff.session_epoch:
        return None
    return SignedIn(staff)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: never an open redirect.

    The query string arrives percent-decoded, so %09, %0d and %5C show up here as a tab, a carriage
    return and a backslash, which browsers drop or read as a slash: refuse any control character,
    whitespace or backslash, anything starting with two slashes, and anything with a scheme or host.
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def me() -> SignedIn:
    """The signed-in staff member (only call behind ``guard``)."""
    return cast(SignedIn, current_user)


def guard() -> Response | None:
    """Deny by default: sign-in, then the pledge, before any other page."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or endpoint.split(".", 1)[0] in API_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return cast(Response, login_manager.unauthorized())
    if me().pledge_due and endpoint not in PLEDGE_ENDPOINTS:
        return redirect(url_for("auth.pledge"))
    return None


def require_act(name: str) -> Callable[[F], F]:
    """Only the roles the act ``name`` declares (``models.staff.acting``) may use the view; anyone
    else gets 403, and the refusal is audited (R23)."""
    DOOR_ACTS.add(name)  # every name must be a declared act: tests/test_acts.py checks them all

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not acting.admit(get_runtime(), me().id, me().role, name, endpoint=request.endpoint or ""):
                abort(403)
            return view(*args, **kwargs)

        wrapped.clueguard_act = name  # type: ignore[attr-defined]  # the navigation asks it (nav.links_for)
        return cast(F, wrapped)

    return decorate


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=80)])
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])
    totp = StringField(validators=[DataRequired(), Length(max=12)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with user name, password and the authenticator's current code."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        try:
            staff = accounts.authenticate(get_runtime(), username, form.password.data or "", form.totp.data or "",
                                          address=request.remote_addr or "",
                                          device=devices.known_device(username))
        except ClueGuardError as err:
            flash(error_message(err), "error")
            return render_template("staff/login.html", form=form), 401
        session.clear()
        session.permanent = True
        session[EPOCH_KEY] = staff.session_epoch
        # A fresh session id at sign-in (the session is not empty now, so it is regenerated): an
        # id planted before sign-in is worth nothing after it.
        regenerate = getattr(current_app.session_interface, "regenerate", None)
        if regenerate is not None:
            regenerate(session)
        login_user(SignedIn(staff))
        return devices.remember_device(redirect(safe_next(request.args.get("next")) or url_for("home")),
                                       staff.username)
    if request.method == "POST":
        flash(_("Fill in user name, password and authenticator code."), "error")
    return render_template("staff/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out everywhere: this session, every other one and every API token of the person end."""
    if current_user.is_authenticated:
        sessions.sign_out(get_runtime(), me().id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


class PledgeForm(FlaskForm):
    pass


@bp.route("/pledge", methods=["GET", "POST"])
def pledge() -> Any:
    """The confidentiality undertaking (保密承诺), accepted before first access and yearly (R30)."""
    form = PledgeForm()
    if form.validate_on_submit() and request.form.get("accept") == "yes":
        accounts.accept_pledge(get_runtime(), me().id)
        return redirect(url_for("home"))
    if request.method == "POST":
        flash(_("You must accept the undertaking to continue."), "error")
    return render_template("staff/pledge.html", form=form)
