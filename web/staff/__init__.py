"""The staff app (R26): a separate WSGI app for intake staff, unit heads, protection officers,
custodians, auditors and administrators. Deny-by-default; it alone holds the intake private key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, render_template
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from models.datadir.figures import site_figures
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.store.config import Config
from models.store.keys import load_or_create_secret
from models.store.runtime import Runtime, open_runtime
from models.store.text import ID_MAX
from web.monitoring import database_check, install_monitoring, redis_check
from web.serving import serve_under_load
from web.shared import RUNTIME_KEY, STATIC_DIR, init_common

# Each module owns its blueprint; the factory registers them all explicitly.
from web.staff import (
    api,
    api_cases,
    auth,
    cases,
    confidentiality_api,
    nav,
    new_clue,
    protection,
    sessions,
    unseal,
    workflow_api,
)
from web.staff.labels import ROLE_LABELS

csrf = CSRFProtect()


class DatabaseInt(IntegerConverter):
    """``<int:...>`` as the database can hold it: a larger number is no page (404), not a 500."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = ID_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def create_staff_app(config: Config, runtime: Runtime | None = None) -> Flask:
    """Build the staff app; ``runtime`` lets tests share stores with their fixtures."""
    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    app.url_map.converters["int"] = DatabaseInt  # before any route is added
    app.config.update(
        SECRET_KEY=load_or_create_secret(config, "staff-session.key"),
        SESSION_COOKIE_NAME="cg_staff",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        REMEMBER_COOKIE_DURATION=timedelta(0),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.session_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        WTF_CSRF_TIME_LIMIT=None,
        # No Referer check over HTTPS: the pages send no Referer (no-referrer), so the check would
        # refuse every form behind TLS; the token in the Secure, SameSite cookie defends (issue 21).
        WTF_CSRF_SSL_STRICT=False,
    )
    rt = app.extensions[RUNTIME_KEY] = runtime or open_runtime(config, staff_side=True)
    init_common(app)
    install_monitoring(app, "staff", {"database": database_check(rt), "keys": lambda: rt.intake_private is not None,
                                      "redis": redis_check(config.redis_url)},
                       figures=lambda: site_figures(rt), metrics_from=config.metrics_from)
    csrf.init_app(app)
    sessions.init_sessions(app, app.extensions[RUNTIME_KEY], config.redis_url)
    auth.login_manager.init_app(app)
    app.before_request(auth.guard)
    app.register_blueprint(auth.bp)
    # The JSON API authenticates with bearer tokens, not cookies, so CSRF does not apply.
    for api_bp in (api.bp, api_cases.bp, workflow_api.bp, confidentiality_api.bp, unseal.api_bp):
        app.register_blueprint(api_bp)
        csrf.exempt(api_bp)
    _register_areas(app)
    # Signing in runs Argon2id: in the hashing pool, so the pages of signed-in staff go on.
    serve_under_load(app, config)
    # Behind nginx (or an office NAT's proxy) every request comes from the proxy: sign-in throttling
    # would then put every colleague behind it in one budget. Trust exactly the configured hops.
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops,  # type: ignore[method-assign]
                                x_proto=config.proxy_hops)

    @app.context_processor
    def _staff_context() -> dict[str, Any]:
        from flask import request
        from flask_login import current_user

        signed_in = current_user if current_user.is_authenticated else None
        if signed_in is None:
            return {"me": None, "role_labels": ROLE_LABELS, "nav_links": [], "nav_groups": [], "waiting": {},
                    "may": lambda act: False}
        waiting = nav.waiting_counts(signed_in.role, signed_in.id)
        role = signed_in.role

        def may(act: str) -> bool:
            """Which forms and links a template shows: the act's declared roles (the act still checks)."""
            return acting.role_may(role, act)

        links = nav.links_for(signed_in.role, waiting, request.full_path.rstrip("?"))
        return {"me": signed_in, "role_labels": ROLE_LABELS, "waiting": waiting, "may": may,
                "nav_links": links, "nav_groups": nav.grouped(links)}

    @app.get("/")
    def home() -> str:
        """Start page: the clue inbox for content roles, a list of duties for the others."""
        role = auth.me().role
        if role in CONTENT_ROLES:
            # The inbox itself rather than a redirect: "/" stays a page that answers 200 for
            # every signed-in role, which the sign-in and session tests rely on.
            return cases.inbox()
        return render_template("staff/home.html", duties=nav.ROLE_DUTIES.get(role, []))

    return app


def _register_areas(app: Flask) -> None:
    """Blueprints of the staff areas (cases, workflow, protection ...)."""
    from web.staff import (
        admin,
        audit_pages,
        confidentiality,
        confidentiality_lists,
        enroll,
        linking,
        marking,
        units,
        workflow,
    )

    app.register_blueprint(cases.bp)
    app.register_blueprint(new_clue.bp)
    workflow.register(app)
    app.register_blueprint(unseal.bp)
    app.register_blueprint(protection.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(confidentiality.bp)
    app.register_blueprint(confidentiality_lists.bp)
    marking.init_marking(app)
    app.register_blueprint(enroll.bp)
    app.register_blueprint(audit_pages.bp)
    app.register_blueprint(units.bp)
    app.register_blueprint(linking.bp)
