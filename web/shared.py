"""What both Flask apps share: language, security headers, error pages, the base layout.

The public and staff apps are separate WSGI apps (R26); each calls ``init_common`` from its own
factory with its own templates folder. Shared layout pieces live in ``web/templates_shared``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, flash, g, render_template, request
from flask_babel import Babel
from flask_babel import gettext as _
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from models.store.errors import ClueGuardError, InvalidInput
from models.store.i18n import LOCALES, TRANSLATIONS_DIR, ensure_compiled, pick_locale, translate
from models.store.runtime import Runtime

SHARED_TEMPLATES = Path(__file__).parent / "templates_shared"
STATIC_DIR = Path(__file__).parent / "static"
LANG_COOKIE = "lang"

# Nothing from another host, no inline script, no framing (R26).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


API_PREFIX = "/api/"


def current_locale() -> str:
    """?lang= wins (and is remembered in a cookie), then the cookie, then Chinese.

    Pages ignore Accept-Language on purpose: Tor Browser always sends en-US, and the reporter's
    default is Chinese. The JSON API uses no cookies, so there ?lang= then Accept-Language count.
    """
    if request.path.startswith(API_PREFIX):
        asked = request.args.get("lang") or request.accept_languages.best_match(LOCALES)
        return pick_locale(asked)
    return pick_locale(request.args.get("lang") or request.cookies.get(LANG_COOKIE))


def error_message(err: ClueGuardError) -> str:
    """A workflow error in the user's language."""
    return translate(current_locale(), err.message, **err.params)


def field_errors(errors: dict[str, str], params: dict[str, object] | None = None) -> dict[str, str]:
    loc = current_locale()
    return {k: translate(loc, v, **(params or {})) for k, v in errors.items()}


def flash_error(err: ClueGuardError) -> None:
    """Flash a workflow error, and each field's message, in the user's language."""
    flash(error_message(err), "error")
    if isinstance(err, InvalidInput):
        for message in field_errors(err.errors, err.params).values():
            flash(message, "error")


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    lang = request.args.get("lang")
    if lang and pick_locale(lang) == lang and not request.path.startswith(API_PREFIX):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    return response


def no_store(response: Response) -> Response:
    """For pages that show a receipt, an identity or clue content: never cached."""
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def _error_page(exc: HTTPException) -> Any:
    # Say nothing internal: the status, a translated sentence, a way back.
    messages = {
        400: _("The request could not be understood."),
        403: _("You are not allowed to see this page."),
        404: _("This page does not exist."),
        405: _("This page does not exist."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    code = exc.code or 500
    text = messages.get(code, _("Something went wrong. Nothing you sent has been lost; please try again."))
    if request.path.startswith(API_PREFIX):
        return {"error": text, "fields": {}}, code
    return render_template("error.html", code=code, message=text), code


def _internal_error(exc: Exception) -> Any:
    # The traceback names code, not content: no exception of ours carries clue text or identity,
    # and the engines hide SQL parameters.
    current_app.logger.error("unhandled %s at %s", type(exc).__name__, request.endpoint, exc_info=exc)
    text = _("Something went wrong. Nothing you sent has been lost; please try again.")
    if request.path.startswith(API_PREFIX):
        return {"error": text, "fields": {}}, 500
    return render_template("error.html", code=500, message=text), 500


def init_common(app: Flask) -> None:
    """Wire language, headers, error pages and the shared template folder into an app."""
    ensure_compiled()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    Babel(app, locale_selector=current_locale)
    own = [app.jinja_loader] if app.jinja_loader is not None else []
    app.jinja_loader = ChoiceLoader([*own, FileSystemLoader(SHARED_TEMPLATES)])
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, _internal_error)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        g.locale = current_locale()
        return {
            "locale": g.locale,
            "locales": LOCALES,
            "translate_msg": lambda m, **p: translate(g.locale, m, **p),
        }


RUNTIME_KEY = "clueguard.runtime"


def get_runtime() -> Runtime:
    """The Runtime (config, stores, keys) of the app handling this request."""
    rt = current_app.extensions[RUNTIME_KEY]
    if not isinstance(rt, Runtime):
        raise RuntimeError("app has no ClueGuard runtime")
    return rt
