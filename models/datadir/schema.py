"""Creating and upgrading both stores with Alembic (one migration history per store)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, MetaData

from models.db import CaseBase, Stores, VaultBase

MIGRATIONS = Path(__file__).parent / "migrations"


def target_metadata(store: str) -> MetaData:
    # Importing the table modules registers their tables on the metadata.
    from models import (  # noqa: F401
        notifications,
        protection_tables,
        tables,
        unseal_tables,
        vault_tables,
        workflow_tables,
    )

    return {"case": CaseBase.metadata, "vault": VaultBase.metadata}[store]


def alembic_config(store: str, url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS / store))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(store: str, engine: Engine) -> None:
    cfg = alembic_config(store)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def upgrade_all(stores: Stores) -> None:
    """Bring both stores to the newest schema."""
    _upgrade("case", stores.case_engine)
    _upgrade("vault", stores.vault_engine)
