"""Known-device cookies (OWASP's device-cookie pattern) for sign-in throttling (R29).

After a successful sign-in or enrollment the browser gets ``cg_device``: a random device id and
the user name, signed with the staff app's secret key. It authenticates nothing; it only says that
this browser has signed in as that person before, so its failed attempts are counted per device
(models.staff.throttle) and not with the strangers behind the same proxy or office NAT. A cookie
for another user name, forged, or older than a year is ignored: the client is untrusted.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from web.shared import get_runtime

COOKIE = "cg_device"
LIFETIME = timedelta(days=365)
_SALT = "clueguard-known-device"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def known_device(username: str) -> str | None:
    """The device id of this request's cookie if it was issued to ``username``, else None."""
    value = request.cookies.get(COOKIE, "")
    if not value or len(value) > 512:
        return None
    try:
        data = _signer().loads(value, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != username[:80].casefold():
        return None
    device = data.get("d")
    return device if isinstance(device, str) else None


def remember_device(response: Response, username: str) -> Response:
    """Give this browser a fresh device cookie for ``username`` (a new id at every sign-in)."""
    value = _signer().dumps({"u": username[:80].casefold(), "d": secrets.token_urlsafe(18)})
    response.set_cookie(COOKIE, value, max_age=int(LIFETIME.total_seconds()), httponly=True,
                        secure=get_runtime().config.secure_cookies, samesite="Strict")
    return response
