"""Creating and upgrading both stores with Alembic (one migration history per store)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, MetaData

from models.store.db import CaseBase, Stores, VaultBase

MIGRATIONS = Path(__file__).parent / "migrations"


def target_metadata(store: str) -> MetaData:
    # Importing the table modules registers their tables on the metadata.
    from models.audit import tables as _audit  # noqa: F401
    from models.cases import tables as _cases  # noqa: F401
    from models.confidentiality import tables as _confidentiality  # noqa: F401
    from models.identities import tables as _identities  # noqa: F401
    from models.linking import tables as _linking  # noqa: F401
    from models.protection import tables as _protection  # noqa: F401
    from models.protection import unseal_tables as _unseal  # noqa: F401
    from models.reporting import notifications as _notifications  # noqa: F401
    from models.reporting import tables as _reporting  # noqa: F401
    from models.staff import tables as _staff  # noqa: F401
    from models.store import tables as _store  # noqa: F401
    from models.sync import tables as _sync  # noqa: F401

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
