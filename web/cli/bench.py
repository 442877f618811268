"""``clueguard bench``: figures from the real code paths with production Argon2 settings.

Never pass the cheap test settings here: the point is what a deployment will see.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

import vault
from models.datadir.setup import init_site
from models.protection.custodians import run_ceremony
from models.reporting.intake import Person, Submission, add_follow_up, reporter_status, submit_report
from models.store.config import Config
from models.store.runtime import open_runtime


def _timed(fn: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"{name:<34} n={len(times):<4} p50={statistics.median(times):8.2f} ms  p95={p95:8.2f} ms"


@click.group("bench")
def bench_group() -> None:
    """Benchmarks of the real code paths (production Argon2 settings)."""


@bench_group.command("intake")
@click.option("--rounds", default=20, show_default=True)
@click.option("--database-url", default="", help="Case store URL (default: SQLite in a temp dir).")
@click.option("--vault-url", default="", help="Vault store URL (default: SQLite in a temp dir).")
def intake_bench(rounds: int, database_url: str, vault_url: str) -> None:
    """Sealing, receipts, submission and status lookup, as a reporter's request runs them."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(data_dir=Path(tmp), database_url=database_url, vault_url=vault_url,
                        argon2=vault.PRODUCTION)
        init_site(config)
        rt = open_runtime(config, staff_side=True)
        # The ceremony needs custodian accounts; the cost measured is sealing, not accounts.
        from models.staff.accounts import add_staff

        people = [(f"bench-keeper-{i}", f"bench passphrase {i}!") for i in range(5)]
        for name, _ in people:
            add_staff(rt, name, "custodian", None, "bench password 1")
        run_ceremony(rt, 3, people)
        custodians = {f"c{i}": vault.generate_keypair()[1] for i in range(5)}
        clue = Submission(category="usury", description="放贷人每天上门威胁。" * 20, notice_accepted=True,
                          location="某市", reported=[Person(name="某甲", unit="某公司")])
        click.echo(f"Argon2id: t={config.argon2.time_cost} m={config.argon2.memory_cost} KiB "
                   f"p={config.argon2.parallelism}; database: {rt.stores.case_engine.dialect.name}")
        click.echo(_line("seal_identity 3-of-5", _timed(
            lambda: vault.seal_identity(b'{"name": "x", "phone": "1"}', "r", custodians, 3), rounds * 10)))
        click.echo(_line("receipt derivation (Argon2id)", _timed(
            lambda: vault.derive_receipt_keys(vault.new_receipt(), b"s" * 16, config.argon2), rounds)))
        receipts: list[str] = []
        click.echo(_line("submit_report anonymous", _timed(
            lambda: receipts.append(submit_report(rt, clue).code), rounds)))
        confidential = Submission(**{**vars(clue), "identity": {"name": "某乙", "phone": "13800000000"}})
        click.echo(_line("submit_report confidential", _timed(
            lambda: submit_report(rt, confidential), rounds)))
        click.echo(_line("reporter_status", _timed(lambda: reporter_status(rt, receipts[0]), rounds)))
        click.echo(_line("add_follow_up", _timed(lambda: add_follow_up(rt, receipts[0], "补充"), rounds)))
        rt.stores.dispose()
