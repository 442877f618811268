"""``clueguard bench``: figures from the real code paths with production Argon2 settings.

Present only in the source checkout (benchmarks/ is not in the wheel).

Never pass the cheap test settings here: the point is what a deployment will see. Every command
prints a table and, with ``--json FILE``, adds its rows to that file; ``bench all`` runs the set
that docs/performance.md quotes, and ``bench chart`` draws the figures as an SVG.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

import vault
from benchmarks.report import JSON_OPTION, Report, Row, timed
from models.datadir.setup import init_site
from models.protection.custodians import run_ceremony
from models.reporting.intake import Person, Submission, add_follow_up, reporter_status, submit_report
from models.store.config import Config
from models.store.runtime import open_runtime


@click.group("bench")
def bench_group() -> None:
    """Benchmarks of the real code paths (production Argon2 settings)."""


def measure_identity(report: Report, rounds: int) -> None:
    """Sealing an identity 3-of-5 (intake) and opening it with three custodians' passphrases."""
    keys = {f"c{i}": vault.create_custodian_key(f"bench passphrase {i}!", vault.PRODUCTION) for i in range(5)}
    public = {cid: pub for cid, (pub, _wrapped) in keys.items()}
    payload = b'{"name": "x", "phone": "13800000000"}'
    seal = Row.of("seal_identity 3-of-5", timed(lambda: vault.seal_identity(payload, "r", public, 3), rounds * 10))
    # Judged on the median: one run costs about a millisecond; p95 on a shared machine shows
    # other processes' scheduling, not the seal. The budget is R32's: hybrid (ML-KEM-768 +
    # X25519) shares at most 1.5 ms.
    seal.ratio, seal.target, seal.meets = round(seal.p50_ms, 3), "≤ 1.5 ms", seal.p50_ms <= 1.5
    report.add(seal)
    # The same seal to X25519-only keys, as before R32, measured in the same run for comparison
    # (the vault's classical suite is kept only to open old values; this is its one other use).
    classical = {f"c{i}": vault._seal.public_of(vault._seal.generate_classical_private()) for i in range(5)}
    report.add(Row.of("seal_identity 3-of-5, X25519 only (before R32)", timed(
        lambda: vault.seal_identity(payload, "r", classical, 3), rounds * 10)))
    intake_private, intake_public = vault.generate_keypair()
    report.add(Row.of("data key sealed to the intake key (hybrid HPKE)", timed(
        lambda: vault.new_data_key(intake_public, "r/k"), rounds * 10)))
    sealed_key = vault.new_data_key(intake_public, "r/k").sealed
    report.add(Row.of("data key opened (hybrid HPKE)", timed(
        lambda: vault.open_data_key(sealed_key, intake_private, "r/k"), rounds * 10)))
    sealed = vault.seal_identity(payload, "r", public, 3)
    shares = [vault.CustodianShare(cid, sealed.shares[cid], keys[cid][1], f"bench passphrase {i}!")
              for i, cid in enumerate(("c0", "c1", "c2"))]
    report.add(Row.of("open_identity 3 custodians (3 × Argon2id)", timed(
        lambda: vault.open_identity(sealed.ciphertext, "r", shares), max(3, rounds // 4))))


@bench_group.command("identity")
@click.option("--rounds", default=20, show_default=True)
@JSON_OPTION
def identity_bench(rounds: int, json_path: Path | None) -> None:
    """Sealing and opening an identity (production Argon2id for the custodians' keys)."""
    report = Report()
    measure_identity(report, rounds)
    report.write(json_path)


def measure_intake(report: Report, rounds: int, database_url: str = "", vault_url: str = "") -> None:
    """Sealing, receipts, submission and status lookup, in process, as a request runs them."""
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
        clue = Submission(category="usury", description="放贷人每天上门威胁。" * 20, notice_accepted=True,
                          location="某市", reported=[Person(name="某甲", unit="某公司")])
        db = rt.stores.case_engine.dialect.name
        report.add(Row.of("receipt derivation (Argon2id)", timed(
            lambda: vault.derive_receipt_keys(vault.new_receipt(), b"s" * 16, config.argon2), rounds)))
        receipts: list[str] = []
        report.add(Row.of(f"submit_report anonymous ({db})", timed(
            lambda: receipts.append(submit_report(rt, clue).code), rounds)))
        confidential = Submission(**{**vars(clue), "identity": {"name": "某乙", "phone": "13800000000"}})
        report.add(Row.of(f"submit_report confidential ({db})", timed(lambda: submit_report(rt, confidential),
                                                                       rounds)))
        report.add(Row.of(f"reporter_status ({db})", timed(lambda: reporter_status(rt, receipts[0]), rounds)))
        report.add(Row.of(f"add_follow_up ({db})", timed(lambda: add_follow_up(rt, receipts[0], "补充"), rounds)))
        rt.stores.dispose()


@bench_group.command("intake")
@click.option("--rounds", default=20, show_default=True)
@click.option("--database-url", default="", help="Case store URL (default: SQLite in a temp dir).")
@click.option("--vault-url", default="", help="Vault store URL (default: SQLite in a temp dir).")
@JSON_OPTION
def intake_bench(rounds: int, database_url: str, vault_url: str, json_path: Path | None) -> None:
    """Sealing, receipts, submission and status lookup, as a reporter's request runs them."""
    report = Report()
    measure_intake(report, rounds, database_url, vault_url)
    report.write(json_path)


@bench_group.command("chart")
@click.argument("json_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("svg_path", type=click.Path(dir_okay=False, path_type=Path))
def chart_command(json_path: Path, svg_path: Path) -> None:
    """Draw the rows of a bench JSON file as a bar chart of p50/p95 (SVG, no dependencies)."""
    from benchmarks.chart import write_chart

    write_chart(json_path, svg_path)
    click.echo(f"chart written to {svg_path}")


@bench_group.command("table")
@click.argument("json_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def table_command(json_path: Path) -> None:
    """Print the rows of a bench JSON file as a Markdown table (for docs/performance.md)."""
    from benchmarks.chart import markdown_table

    click.echo(markdown_table(json_path), nl=False)


@bench_group.command("all")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("docs/performance.json"), show_default=True)
@click.option("--postgres-url", envvar="CLUEGUARD_BENCH_POSTGRES_URL", default="",
              help="PostgreSQL server for served intake and the inbox (fresh schemas, dropped after).")
@click.option("--clues", default=100_000, show_default=True)
@click.option("--skip-bot", is_flag=True, help="Without the Bot API emulator (needs Node.js and `make peers`).")
@click.pass_context
def all_bench(ctx: click.Context, json_path: Path, postgres_url: str, clues: int, skip_bot: bool) -> None:
    """The figures docs/performance.md quotes, into one JSON file, then its chart beside it."""
    from benchmarks.evidence import evidence_bench
    from benchmarks.inbox import inbox_bench
    from benchmarks.served import served_bench

    ctx.invoke(identity_bench, rounds=20, json_path=json_path)
    ctx.invoke(evidence_bench, rounds=5, megabytes=20, json_path=json_path)
    ctx.invoke(intake_bench, rounds=20, database_url="", vault_url="", json_path=json_path)
    ctx.invoke(served_bench, json_path=json_path, postgres_url="")
    if postgres_url:
        ctx.invoke(served_bench, json_path=json_path, postgres_url=postgres_url)
    if not skip_bot:
        from benchmarks.bot import bot_bench

        ctx.invoke(bot_bench, rounds=10, json_path=json_path)
    backends = ("sqlite", "postgres") if postgres_url else ("sqlite",)
    ctx.invoke(inbox_bench, clues=clues, runs=50, backends=backends, postgres_url=postgres_url, json_path=json_path)
    ctx.invoke(chart_command, json_path=json_path, svg_path=json_path.with_suffix(".svg"))


def _register_commands() -> None:
    # Imported here: `bench all` imports them too, and they import nothing of this module.
    from benchmarks.bot import bot_bench
    from benchmarks.evidence import evidence_bench
    from benchmarks.inbox import inbox_bench
    from benchmarks.linking import linking_bench
    from benchmarks.served import served_bench

    bench_group.add_command(inbox_bench, "inbox")
    bench_group.add_command(linking_bench, "linking")
    bench_group.add_command(served_bench, "served")
    bench_group.add_command(bot_bench, "bot")
    bench_group.add_command(evidence_bench, "evidence")


_register_commands()
