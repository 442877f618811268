"""Protection officers' key pairs: approvals re-seal shares to them, their sign-in password opens.

The private key is wrapped by a key that Argon2id derives (own salt) from the officer's sign-in
password; the server keeps only the password's Argon2id *hash* and this wrapped key, neither of
which opens the other. A password change re-wraps the same key pair.
"""

from __future__ import annotations

from sqlalchemy import select

import vault
from models.audit import trail
from models.staff.tables import OfficerKey
from models.store.db import utcnow
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from models.store.runtime import Runtime

PURPOSE = "protection-officer"
OFFICER_ROLE = "protection_officer"


class NoOfficerKey(ClueGuardError):
    message = N_("You have no unsealing key yet. Sign out and sign in again to create it.")


def has_officer_key(rt: Runtime, staff_id: int) -> bool:
    with rt.stores.vault() as session:
        return session.get(OfficerKey, staff_id) is not None


def ensure_officer_key(rt: Runtime, staff_id: int, username: str, password: str) -> bool:
    """Create the officer's key pair if they have none; True if one was created."""
    if has_officer_key(rt, staff_id):
        return False
    public, wrapped = vault.create_keypair(password, rt.config.argon2, PURPOSE)
    with rt.stores.vault() as session:
        if session.get(OfficerKey, staff_id) is not None:  # created meanwhile by another sign-in
            return False
        session.add(OfficerKey(staff_id=staff_id, username=username, public_key=public, wrapped_key=wrapped))
    with rt.stores.case() as session:
        trail.record(session, username, "officer_key.created", None, staff_id=staff_id)
    return True


def officer_public_key(rt: Runtime, staff_id: int) -> bytes:
    with rt.stores.vault() as session:
        row = session.get(OfficerKey, staff_id)
        if row is None:
            raise NoOfficerKey
        return row.public_key


def unlock_officer_key(wrapped: bytes, password: str) -> bytes:
    """The officer's raw private key; VaultError for a wrong password or a tampered blob."""
    return vault.unwrap_private_key(wrapped, password, PURPOSE)


def rewrap_officer_key(rt: Runtime, staff_id: int, old: str, new: str) -> tuple[bytes, bytes] | None:
    """Re-wrap under a new password; returns the previous (public, wrapped) to roll back, or None.

    If the old password does not open the key (an administrator reset the password), a new key
    pair replaces it: shares re-sealed to the old key can then no longer be opened.
    """
    with rt.stores.vault() as session:
        row = session.scalar(select(OfficerKey).where(OfficerKey.staff_id == staff_id).with_for_update())
        if row is None:
            return None
        previous = (row.public_key, row.wrapped_key)
        try:
            row.wrapped_key = vault.rewrap_private_key(row.wrapped_key, old, new, rt.config.argon2, PURPOSE)
        except vault.VaultError:
            row.public_key, row.wrapped_key = vault.create_keypair(new, rt.config.argon2, PURPOSE)
        row.updated_at = utcnow()
        return previous


def replace_officer_key(rt: Runtime, staff_id: int, password: str) -> tuple[bytes, bytes] | None:
    """After an administrator's reset: a fresh key pair under the new password; returns the old one.

    Keeping the old key would be worse than losing it: new requests would be sealed to a key the
    officer can no longer open (sign-in creates a key only when there is none).
    """
    with rt.stores.vault() as session:
        row = session.scalar(select(OfficerKey).where(OfficerKey.staff_id == staff_id).with_for_update())
        if row is None:
            return None
        previous = (row.public_key, row.wrapped_key)
        row.public_key, row.wrapped_key = vault.create_keypair(password, rt.config.argon2, PURPOSE)
        row.updated_at = utcnow()
        return previous


def restore_officer_key(rt: Runtime, staff_id: int, previous: tuple[bytes, bytes]) -> None:
    """Put back the key pair when the password change it belonged to failed."""
    with rt.stores.vault() as session:
        row = session.get(OfficerKey, staff_id)
        if row is not None:
            row.public_key, row.wrapped_key = previous
