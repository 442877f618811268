"""Alembic environment for the vault store (run through models.datadir.schema, or alembic -c)."""

from models.datadir.migrations.run import run_migrations

run_migrations("vault")
