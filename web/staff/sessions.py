"""Server-side staff sessions (R29) with Flask-Session: Redis when configured, the case store otherwise.

The cookie carries only a random session id; what the session holds stays on the server, so
signing out deletes it and a copied cookie opens nothing. Revocation of every session of a person
(password change, reset, deactivation) is the session epoch of ``models.staff.sessions``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from redis import Redis

from models.staff import sessions
from models.store.runtime import Runtime

KEY_PREFIX = "cg_staff_session:"
SID_BYTES = 32


class CaseStoreSessionInterface(ServerSideSessionInterface):
    """Sessions in the case store's ``staff_web_sessions`` table (expired rows purged now and then)."""

    ttl = False

    def __init__(self, app: Flask, rt: Runtime) -> None:
        self.rt = rt
        super().__init__(app, key_prefix=KEY_PREFIX, use_signer=False, permanent=True, sid_length=SID_BYTES,
                         serialization_format="msgpack", cleanup_n_requests=500)

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        data = sessions.load_web_session(self.rt, store_id[:255])
        return None if data is None else dict(self.serializer.decode(data))

    def _delete_session(self, store_id: str) -> None:
        sessions.delete_web_session(self.rt, store_id[:255])

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        sessions.save_web_session(self.rt, store_id[:255], self.serializer.encode(session), session_lifetime)

    def _delete_expired_sessions(self) -> None:
        sessions.purge_expired(self.rt)


def init_sessions(app: Flask, rt: Runtime, redis_url: str | None) -> None:
    """Install the server-side session store on the staff app."""
    if redis_url:
        client = Redis.from_url(redis_url)
        app.session_interface = RedisSessionInterface(app, client=client, key_prefix=KEY_PREFIX,
                                                      use_signer=False, permanent=True, sid_length=SID_BYTES,
                                                      serialization_format="msgpack")
    else:
        app.session_interface = CaseStoreSessionInterface(app, rt)
