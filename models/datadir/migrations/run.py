"""The body both Alembic environments share; each env.py names its store."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, MetaData, engine_from_config, pool

from models.datadir.schema import target_metadata


def run_migrations(store: str) -> None:
    """Run the migrations of one store, offline or on a connection (given or configured)."""
    config = context.config
    metadata = target_metadata(store)
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is None:
        engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                                    prefix="sqlalchemy.", poolclass=pool.NullPool)
        with engine.connect() as conn:
            _run_on(conn, metadata)
        return
    _run_on(connection, metadata)


def _run_on(connection: Connection, metadata: MetaData) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
