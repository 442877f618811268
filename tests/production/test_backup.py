"""Backup of the running site as the owner, restored into a new empty site (its own owner and
schemas), which then verifies its audit trail and opens a clue with the restored keys."""

from __future__ import annotations

from models.cases import casework
from models.store.config import config_from_env
from models.store.runtime import open_runtime
from tests.production.conftest import People
from tests.production.stack import Databases, Stack
from tests.production.test_reporter import CLUE


def test_backup_and_restore(stack: Stack, people: People) -> None:
    with stack.client() as api:
        made = api.post("/api/v1/reports", json=CLUE)
        assert made.status_code == 201
    backup = stack.base / "backup"
    done = stack.cli(["backup", str(backup)], stack.owner_env(stack.data_dirs["staff-a"]))
    assert "backup written" in done.stdout

    elsewhere = Databases(stack.db.admin_url, stack.db.prefix + "r")
    elsewhere.create()
    try:
        env = {**stack.owner_env(stack.base / "restored"),
               "CLUEGUARD_DATABASE_URL": elsewhere.url("owner", "case"),
               "CLUEGUARD_VAULT_URL": elsewhere.url("owner", "vault")}
        restored = stack.cli(["restore", str(backup)], env)
        assert "restored" in restored.stdout
        assert "audit log intact" in stack.cli(["audit", "verify"], env).stdout
        rt = open_runtime(config_from_env(env), staff_side=True)
        try:
            report_id = casework.find_by_registry_no(rt, made.json()["registry_no"])
            case = casework.open_case(rt, people.clerk.id, report_id)
            assert case.clue["description"] == CLUE["description"]
        finally:
            rt.stores.dispose()
    finally:
        elsewhere.drop()
