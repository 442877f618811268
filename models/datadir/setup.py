"""Initialising a data directory: key files, both databases and the site salt."""

from __future__ import annotations

from models.datadir.schema import upgrade_all
from models.store.config import Config
from models.store.db import Stores
from models.store.keys import generate_intake_key
from models.store.runtime import ensure_site_salt


def init_site(config: Config) -> None:
    """Idempotent: safe to run on every start and after an upgrade."""
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    generate_intake_key(config)
    stores = Stores(config.database_url, config.vault_url)
    try:
        upgrade_all(stores)
        ensure_site_salt(stores)
    finally:
        stores.dispose()
