"""Initialising a data directory: key files, both databases and the site salt.

A node of a split deployment (docs/split-deployment.md) is initialised for its role: the intake
node gets no intake private key (it must never hold one), both get a sync signing key.
"""

from __future__ import annotations

from sqlalchemy import select

import vault
from models.datadir.schema import upgrade_all
from models.identities.tables import Custodian
from models.store.config import ROLE_FILE, ROLES, Config, stored_role
from models.store.db import Stores
from models.store.keys import PRIVATE_FILE, KeyFileError, generate_intake_key, load_intake_public
from models.store.runtime import ensure_site_salt, mark_hybrid
from models.sync.keys import generate_sync_key


def init_site(config: Config) -> None:
    """Idempotent: safe to run on every start and after an upgrade."""
    if config.role not in ROLES:
        raise KeyFileError(f"unknown role {config.role!r}; choose one of {', '.join(ROLES)}")
    known = stored_role(config.data_dir)
    if known is not None and known != config.role:
        raise KeyFileError(f"{config.data_dir} was set up as a {known!r} node, not {config.role!r}")
    if config.role == "intake" and (config.keys_dir / PRIVATE_FILE).exists():
        raise KeyFileError(f"{config.keys_dir / PRIVATE_FILE} exists: an intake node must not hold "
                           "the intake private key (set it up in a new data directory)")
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if config.role != "intake":
        generate_intake_key(config)
    if config.role != "single":
        generate_sync_key(config)
        (config.data_dir / ROLE_FILE).write_text(config.role + "\n")
    stores = Stores(config.database_url, config.vault_url)
    try:
        upgrade_all(stores)
        ensure_site_salt(stores)
        if config.role != "intake" and _all_hybrid(config, stores):
            mark_hybrid(stores)  # a new site: hybrid from the start; an old one after `vault upgrade`
    finally:
        stores.dispose()


def _all_hybrid(config: Config, stores: Stores) -> bool:
    if vault.key_suite(load_intake_public(config)) != vault.HYBRID:
        return False
    with stores.vault() as vs:
        return all(vault.key_suite(c.public_key) == vault.HYBRID
                   for c in vs.scalars(select(Custodian).where(Custodian.active.is_(True))))
