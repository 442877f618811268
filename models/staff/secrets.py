"""TOTP seeds sealed with a staff-side-only key (R29): the case store alone does not give them away.

The key is derived (HKDF) from the intake private key, which only the staff side loads (R26): the
public app and the bot share the case store's connection but cannot open these. Seeds stored in
clear before this existed carry no prefix; they are read as they are and sealed at the next
successful sign-in.
"""

from __future__ import annotations

import base64

import vault
from models.store.runtime import Runtime

PREFIX = "v1:"


def _context(staff_id: int) -> str:
    return f"totp/{staff_id}"


def seal_totp(rt: Runtime, staff_id: int, secret: str) -> str:
    """The seed as stored: sealed and bound to this account (copying it to another one fails)."""
    sealed = vault.seal_staff_secret(rt.require_private(), secret.encode(), _context(staff_id))
    return PREFIX + base64.b64encode(sealed).decode()


def open_totp(rt: Runtime, staff_id: int, stored: str) -> str:
    """The seed in clear, for checking a code; VaultError if tampered or moved between accounts."""
    if not stored.startswith(PREFIX):
        return stored
    sealed = base64.b64decode(stored[len(PREFIX):])
    return vault.open_staff_secret(rt.require_private(), sealed, _context(staff_id)).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
