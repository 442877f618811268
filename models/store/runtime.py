"""What a running process holds: settings, both stores and the keys it is allowed to have."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select

from models.store.config import Config, stored_role
from models.store.db import Stores
from models.store.keys import KeyFileError, load_intake_private, load_intake_public
from models.store.tables import SiteSetting

SALT_NAME = "receipt_salt"


@dataclass(frozen=True)
class Runtime:
    """The internet side holds ``intake_public`` only; ``intake_private`` is None there (R26)."""

    config: Config
    stores: Stores
    intake_public: bytes
    site_salt: bytes
    intake_private: bytes | None = None

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


def open_runtime(config: Config, *, staff_side: bool, stores: Stores | None = None) -> Runtime:
    """Open the stores and load keys: the public half always, the private half only for staff."""
    if staff_side and "intake" in (config.role, stored_role(config.data_dir)):
        # The intake node of a split deployment has no staff side at all (R26).
        raise KeyFileError("this is an intake node: it has no staff side and no intake private key")
    stores = stores or Stores(config.database_url, config.vault_url)
    return Runtime(
        config=config,
        stores=stores,
        intake_public=load_intake_public(config),
        site_salt=load_site_salt(stores),
        intake_private=load_intake_private(config) if staff_side else None,
    )
