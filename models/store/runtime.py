"""What a running process holds: settings, both stores and the keys it is allowed to have."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.store.config import Config, stored_role
from models.store.db import Stores
from models.store.keys import KeyFileError, load_intake_private, load_intake_public
from models.store.tables import SiteSetting

SALT_NAME = "receipt_salt"
T = TypeVar("T")


@dataclass(frozen=True)
class Runtime:
    """The internet side holds ``intake_public`` only; ``intake_private`` is None there (R26)."""

    config: Config
    stores: Stores
    intake_public: bytes
    site_salt: bytes
    intake_private: bytes | None = None
    # Where Argon2id runs: a server passes its hashing pool (web/serving.py), so that only the
    # hash waits for a slot and the rest of a request (parsing, the database) does not hold one;
    # elsewhere (CLI, bot, tests) the calling thread runs it.
    hasher: Callable[..., Any] | None = None

    def run_argon2(self, fn: Callable[..., T], *args: Any) -> T:
        """One Argon2id computation, ``fn(*args)``, where this process runs its hashes."""
        if self.hasher is None:
            return fn(*args)
        result: T = self.hasher(fn, *args)
        return result

    def require_private(self) -> bytes:
        if self.intake_private is None:
            raise RuntimeError("this process holds no intake private key")
        return self.intake_private


def ensure_site_salt(stores: Stores) -> bytes:
    with stores.case() as session:
        row = session.get(SiteSetting, SALT_NAME)
        if row is None:
            row = SiteSetting(name=SALT_NAME, value=os.urandom(16))
            session.add(row)
        return row.value


def load_site_salt(stores: Stores) -> bytes:
    with stores.case() as session:
        value = session.scalar(select(SiteSetting.value).where(SiteSetting.name == SALT_NAME))
    if value is None:
        raise RuntimeError("site salt missing: run `clueguard init`")
    return value


SUITE_NAME = "vault_suite"


def stored_suite(stores: Stores) -> str | None:
    """``"hybrid"`` once the store's keys are all hybrid (a new site, or after `vault upgrade`)."""
    with stores.case() as session:
        return suite_in(session)


def suite_in(session: Session) -> str | None:
    """``stored_suite`` inside a case-store transaction already open."""
    value = session.scalar(select(SiteSetting.value).where(SiteSetting.name == SUITE_NAME))
    return value.decode() if value else None


def mark_hybrid(stores: Stores) -> None:
    """From now on this store accepts no classical key where it seals (R32: no downgrade)."""
    with stores.case() as session:
        session.merge(SiteSetting(name=SUITE_NAME, value=vault.HYBRID.encode()))


def require_hybrid_key(stores: Stores, public: bytes) -> None:
    """Refuse to seal to a classical key where the store says hybrid (a swapped key file or row).

    The error is the vault's one opaque error: nothing is sealed, nothing is said about why.
    """
    if vault.key_suite(public) != vault.HYBRID and stored_suite(stores) == vault.HYBRID:
        raise vault.VaultError


def open_runtime(config: Config, *, staff_side: bool, stores: Stores | None = None) -> Runtime:
    """Open the stores and load keys: the public half always, the private half only for staff."""
    if staff_side and "intake" in (config.role, stored_role(config.data_dir)):
        # The intake node of a split deployment has no staff side at all (R26).
        raise KeyFileError("this is an intake node: it has no staff side and no intake private key")
    stores = stores or Stores(config.database_url, config.vault_url)
    stores.mirror_audit(config.audit_syslog, config.audit_jsonl)
    intake_public = load_intake_public(config)
    try:
        require_hybrid_key(stores, intake_public)
    except vault.VaultError as exc:
        raise KeyFileError("the intake public key is not of the store's hybrid suite (R32): "
                           "refusing to seal to it") from exc
    return Runtime(
        config=config,
        stores=stores,
        intake_public=intake_public,
        site_salt=load_site_salt(stores),
        intake_private=load_intake_private(config) if staff_side else None,
    )
