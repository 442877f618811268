"""Scheduled jobs run once at a time across hosts: the advisory lock (models/store/locks.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from models.store.config import Config
from models.store.db import Stores
from models.store.locks import job_lock, lock_key
from web.cli.main import main

JOBS = [("deadline-escalation", ["deadlines", "--escalate"]), ("monthly-survey", ["survey"]),
        ("vault-cleanup", ["vault", "cleanup"])]


def test_lock_keys_are_stable_and_distinct() -> None:
    keys = {lock_key(name) for name, _ in JOBS}
    assert len(keys) == len(JOBS) and lock_key("vault-cleanup") == lock_key("vault-cleanup")


@pytest.mark.parametrize(("job", "args"), JOBS)
def test_a_job_skips_while_another_host_holds_its_lock(config: Config, stores: Stores, job: str,
                                                       args: list[str]) -> None:
    # Another "host": its own engine (own session) holding the lock.
    other = Stores(config.database_url, config.vault_url)
    try:
        with job_lock(other.case_engine, job, config.data_dir / "locks") as got:
            assert got
            held = CliRunner().invoke(main, args, obj=config)
            assert held.exit_code == 0, held.output
            assert f"{job}: another host is running it now; skipped" in held.output
        free = CliRunner().invoke(main, args, obj=config)
    finally:
        other.dispose()
    assert free.exit_code == 0, free.output
    assert "skipped" not in free.output


def test_the_lock_is_taken_once(config: Config, stores: Stores) -> None:
    other = Stores(config.database_url, config.vault_url)
    try:
        with job_lock(stores.case_engine, "x", config.data_dir / "locks") as first, \
                job_lock(other.case_engine, "x", config.data_dir / "locks") as second:
            assert (first, second) == (True, False)
        with job_lock(other.case_engine, "x", config.data_dir / "locks") as again:
            assert again
    finally:
        other.dispose()
