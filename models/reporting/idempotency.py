"""Idempotent submission: one form, one clue, however often it is sent (R5, R13).

Each report form carries a random *submission token* made when the form is first shown. The
receipt code of that submission is not drawn at random but derived from the token:
HMAC-SHA256 under ``keys/submission.key``, reduced to 16 digits. So a second POST of the same
form (reload, Back and send again, a double tap) derives the same receipt, hence the same Argon2id
lookup value, and finds the report it already filed instead of filing another.

Nothing new is stored: the case store keeps the lookup value as before, never the token or the
code; the token lives only in the reporter's form and, for a short window, in their signed
session cookie. A stolen store (database and key files) gives up no receipt without the token,
and someone holding the token after the window learns only that the report exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models.store.db import as_utc
from models.store.runtime import Runtime

# How long the same receipt is shown again (reload, Back and resend); afterwards only the number.
RESEND_WINDOW = timedelta(minutes=15)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_KEY_FILE = "submission.key"


def new_token() -> str:
    """A fresh submission token for a newly shown form (192 random bits)."""
    return secrets.token_urlsafe(24)


def valid_token(token: object) -> bool:
    """Whether a posted token has the shape ``new_token`` makes; anything else is ignored."""
    return isinstance(token, str) and bool(_TOKEN.match(token))


def _secret(rt: Runtime) -> bytes:
    return ensure_submission_key(rt.config.keys_dir)


def ensure_submission_key(keys_dir: Path) -> bytes:
    """The submission key, created whole on first use: written aside, then linked into place, so
    concurrent first requests (or processes) never read a half-written file and disagree.

    Every host that serves the public app needs the same key (a resent form may reach another
    host): ``clueguard init`` makes it, and each public host gets a copy (docs/deployment.md)."""
    path = keys_dir / _KEY_FILE
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        aside = path.with_name(f".{_KEY_FILE}.{secrets.token_hex(8)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
        aside.unlink()
    return path.read_bytes()


def token_key(rt: Runtime, token: str, label: str) -> bytes:
    """A 32-byte key bound to one submission token and one purpose."""
    secret = _secret(rt)
    return hmac.new(secret, f"{label}\x00{token}".encode(), hashlib.sha256).digest()


def receipt_for_token(rt: Runtime, token: str) -> str:
    """The 16-digit receipt code a submission token stands for (uniform to 2**-190)."""
    digest = token_key(rt, token, "receipt")
    return str(int.from_bytes(digest, "big") % 10**16).zfill(16)


def within_window(at: datetime, now: datetime | None = None) -> bool:
    """Whether a submission made at ``at`` may still show its receipt again."""
    return (now or datetime.now(UTC)) - as_utc(at) < RESEND_WINDOW
