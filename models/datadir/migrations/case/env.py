"""Alembic environment for the case store (run through models.datadir.schema, or alembic -c)."""

from models.datadir.migrations.run import run_migrations

run_migrations("case")
