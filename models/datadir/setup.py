"""Initialising a data directory: key files, both databases and the site salt.

A node of a split deployment (docs/split-deployment.md) is initialised for its role: the intake
node gets no intake private key (it must never hold one), both get a sync signing key.
"""

from __future__ import annotations

from sqlalchemy import select

import vault
from models.datadir.schema import upgrade_all
from models.identities.tables import Custodian
from models.reporting.idempotency import ensure_submission_key
from models.store.config import ROLE_FILE, ROLES, Config, stored_role
from models.store.db import SQLITE_MODE, SQLITE_SIDE_FILES, Stores, sqlite_path
from models.store.keys import (
    PRIVATE_FILE,
    PUBLIC_SESSION_KEY,
    RATELIMIT_KEY,
    KeyFileError,
    generate_intake_key,
    load_intake_public,
    load_or_create_secret,
    write_owner_only,
)
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
    # The public app's secrets, made here so that every public host can get the same copy (a
    # session or a resent form may reach any of them; docs/deployment.md, issue 21).
    if config.role != "internal":
        ensure_submission_key(config.keys_dir)
        load_or_create_secret(config, PUBLIC_SESSION_KEY)
        load_or_create_secret(config, RATELIMIT_KEY)
    if config.role != "single":
        generate_sync_key(config)
        write_owner_only(config.data_dir / ROLE_FILE, (config.role + "\n").encode())
    stores = Stores(config.database_url, config.vault_url)
    try:
        upgrade_all(stores)
        ensure_site_salt(stores)
        if config.role != "intake" and _all_hybrid(config, stores):
            mark_hybrid(stores)  # a new site: hybrid from the start; an old one after `vault upgrade`
    finally:
        stores.dispose()
    tighten_modes(config)


def tighten_modes(config: Config) -> None:
    """Data files readable by their owner only, also those an older version created 0644."""
    files = [config.data_dir / ROLE_FILE]
    for url in (config.database_url, config.vault_url):
        path = sqlite_path(url)
        if path is not None:
            files += [path.with_name(path.name + suffix) for suffix in SQLITE_SIDE_FILES]
    if config.keys_dir.is_dir():
        files += list(config.keys_dir.iterdir())
    for path in files:
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(SQLITE_MODE)


def _all_hybrid(config: Config, stores: Stores) -> bool:
    if vault.key_suite(load_intake_public(config)) != vault.HYBRID:
        return False
    with stores.vault() as vs:
        return all(vault.key_suite(c.public_key) == vault.HYBRID
                   for c in vs.scalars(select(Custodian).where(Custodian.active.is_(True))))
