"""Vault-store tables: sealed identities, their shares and the custodians' wrapped keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.store.db import VaultBase, utcnow

UUID_LEN = 36


class VaultSetting(VaultBase):
    __tablename__ = "vault_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class Custodian(VaultBase):
    """A custodian's public key and the private key wrapped by their passphrase.

    ``next_*`` hold the custodian's new hybrid key pair while `clueguard vault upgrade` re-deals
    the shares to it (R32); the upgrade's last step makes it the key and erases the old one.
    """

    __tablename__ = "custodians"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    next_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    next_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SealedIdentityRow(VaultBase):
    """An identity encrypted under its own key; ``report_id`` names the report it belongs to."""

    __tablename__ = "sealed_identities"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdentityAddition(VaultBase):
    """Something learnt after the identity was sealed (a follow-up file's removed metadata), sealed
    to the addition key held inside the identity: it opens only with the identity."""

    __tablename__ = "identity_additions"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    identity_id: Mapped[str] = mapped_column(ForeignKey("sealed_identities.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdentityShare(VaultBase):
    """One custodian's share of one identity key, HPKE-sealed to that custodian."""

    __tablename__ = "identity_shares"

    identity_id: Mapped[str] = mapped_column(
        ForeignKey("sealed_identities.id", ondelete="CASCADE"), primary_key=True
    )
    custodian_id: Mapped[str] = mapped_column(ForeignKey("custodians.id"), primary_key=True)
    sealed_share: Mapped[bytes] = mapped_column(LargeBinary)
