"""Sessions that end (R29): server-side web sessions, revocable API tokens, the session epoch.

Every staff account has a ``session_epoch``. A web session and an API token remember the epoch
they were made in; sign-out, a password change, a reset, a role or unit change and deactivation
bump it, so every copy of a cookie or token made before dies at once. Web sessions live in Redis
when configured, otherwise in ``staff_web_sessions``; the cookie carries only a random id.
API tokens are random; only their SHA-256 is stored, and they carry nothing of the password.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.audit import trail
from models.staff.tables import ApiToken, Staff, WebSession
from models.store.db import as_utc, utcnow
from models.store.runtime import Runtime


def end_all_sessions(session: Session, staff: Staff, reason: str) -> None:
    """Revoke every web session and API token of this account (in the caller's transaction).

    The act that ends them (sign-out, reset, deactivation ...) writes its own audit event.
    """
    del reason  # named at each call for the reader: why the sessions end
    staff.session_epoch = (staff.session_epoch or 0) + 1
    session.execute(delete(ApiToken).where(ApiToken.staff_id == staff.id))


def sign_out(rt: Runtime, staff_id: int) -> None:
    """Sign out everywhere: the web session and every API token of the person end."""
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is not None:
            end_all_sessions(session, staff, "sign_out")
            trail.record(session, staff.username, "signout", None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(rt: Runtime, staff_id: int) -> str:
    """A fresh random bearer token for the account, valid for the session lifetime."""
    token = secrets.token_urlsafe(32)
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None:
            raise LookupError(staff_id)
        session.add(ApiToken(token_hash=_token_hash(token), staff_id=staff_id, epoch=staff.session_epoch,
                             expires_at=utcnow() + timedelta(minutes=rt.config.session_minutes)))
    return token


def token_staff(rt: Runtime, token: str) -> Staff | None:
    """The active account a token belongs to, or None (unknown, expired, revoked, stale epoch)."""
    if not token or len(token) > 200:
        return None
    with rt.stores.case() as session:
        row = session.get(ApiToken, _token_hash(token))
        if row is None or as_utc(row.expires_at) <= utcnow():
            return None
        staff = session.get(Staff, row.staff_id)
        if staff is None or not staff.active or staff.session_epoch != row.epoch:
            return None
        return staff


# --- the web session store (used by web.staff.sessions when no Redis is configured) --------------

def load_web_session(rt: Runtime, store_id: str) -> bytes | None:
    with rt.stores.case() as session:
        row = session.get(WebSession, store_id)
        if row is None or as_utc(row.expires_at) <= utcnow():
            return None
        return row.data


def save_web_session(rt: Runtime, store_id: str, data: bytes, lifetime: timedelta) -> None:
    with rt.stores.case() as session:
        row = session.get(WebSession, store_id)
        expires = utcnow() + lifetime
        if row is None:
            session.add(WebSession(store_id=store_id, data=data, expires_at=expires))
        else:
            row.data, row.expires_at = data, expires


def delete_web_session(rt: Runtime, store_id: str) -> None:
    with rt.stores.case() as session:
        session.execute(delete(WebSession).where(WebSession.store_id == store_id))


def purge_expired(rt: Runtime) -> int:
    """Drop expired web sessions and tokens; returns how many rows went."""
    now = utcnow()
    with rt.stores.case() as session:
        gone = 0
        for model in (WebSession, ApiToken):
            stale = session.scalars(select(model).where(model.expires_at <= now)).all()
            for row in stale:
                session.delete(row)
            gone += len(stale)
        return gone

