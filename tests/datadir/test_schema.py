"""The Alembic migrations of both stores build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from models.datadir.schema import alembic_config, target_metadata


@pytest.mark.parametrize("store", ["case", "vault"])
def test_migrations_match_the_models(stores, store) -> None:
    engine = stores.case_engine if store == "case" else stores.vault_engine
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), target_metadata(store))
    assert diff == [], f"models and migrations differ; add an Alembic revision: {diff}"


@pytest.mark.parametrize("store", ["case", "vault"])
def test_each_store_has_a_single_head(store) -> None:
    heads = ScriptDirectory.from_config(alembic_config(store)).get_heads()
    assert len(heads) == 1, f"{store} store has several heads {heads}: add a merge revision"
