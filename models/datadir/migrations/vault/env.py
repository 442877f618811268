"""Alembic environment for the vault store (run through models.schema, or alembic -c)."""

from models.migrations.run import run_migrations

run_migrations("vault")
