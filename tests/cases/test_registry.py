"""R13: registry numbers are year + sequence, unique and gap-free under concurrent intake."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine

from models.reporting import intake
from models.store.config import Config
from models.store.db import Stores
from models.store.runtime import Runtime, open_runtime
from tests.conftest import submission

CLUES = 200
WORKERS = 8


def _worker(config: Config, count: int) -> list[str]:
    # Each worker is its own process-like client: its own engines, pool and Runtime.
    stores = Stores(config.database_url, config.vault_url)
    try:
        rt = open_runtime(config, staff_side=False, stores=stores)
        return [intake.submit_report(rt, submission()).registry_no for _ in range(count)]
    finally:
        stores.dispose()


@pytest.mark.slow
def test_200_parallel_submissions_get_200_consecutive_numbers(config: Config, public_rt: Runtime) -> None:
    per_worker = CLUES // WORKERS
    with ThreadPoolExecutor(WORKERS) as pool:
        batches = list(pool.map(_worker, [config] * WORKERS, [per_worker] * WORKERS))
    numbers = [n for batch in batches for n in batch]
    assert len(numbers) == len(set(numbers)) == CLUES
    years = {n.split("-")[0] for n in numbers}
    assert len(years) == 1
    assert sorted(int(n.split("-")[1]) for n in numbers) == list(range(1, CLUES + 1))
    # Each worker saw its own numbers rise: the counter is taken inside each intake transaction.
    for batch in batches:
        assert batch == sorted(batch)


def test_a_failed_intake_leaves_no_gap(public_rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    first = intake.submit_report(public_rt, submission()).registry_no

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake, "_add_files", broken)
    with pytest.raises(RuntimeError):
        intake.submit_report(public_rt, submission())
    monkeypatch.undo()
    second = intake.submit_report(public_rt, submission()).registry_no
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


def test_the_registry_year_is_the_local_year(public_rt: Runtime) -> None:
    # 16:30 UTC on 31 December is 00:30 on 1 January in Beijing.
    with time_machine.travel("2026-12-31 16:30:00 +0000", tick=False):
        number = intake.submit_report(public_rt, submission()).registry_no
    assert number == "2027-000001"
