"""The clueguard command: init, staff accounts, the key ceremony, audit verify, doctor."""

from __future__ import annotations

import stat

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from models.audit.tables import AuditEvent
from models.identities.tables import Custodian
from web.cli.main import main


@pytest.fixture
def cli(config, stores):
    runner = CliRunner()

    def run(*args: str, stdin: str = "") -> object:
        return runner.invoke(main, list(args), input=stdin, obj=config, catch_exceptions=False)

    assert run("init").exit_code == 0
    return run


def test_init_creates_keys_with_private_key_mode_0600(cli, config) -> None:
    private = config.keys_dir / "intake.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (config.keys_dir / "intake.pub").stat().st_size == 32
    assert cli("init").exit_code == 0  # idempotent


def test_staff_add_prints_a_working_totp_secret(cli) -> None:
    result = cli("staff", "add", "clerk", "--role", "intake", "--unit", "第一科", "--password-stdin",
                 stdin="a long enough password\n")
    assert result.exit_code == 0, result.output
    secret = next(line.split(": ")[1] for line in result.output.splitlines() if line.startswith("totp-secret: "))
    assert len(pyotp.TOTP(secret).now()) == 6
    assert "a long enough password" not in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "intake"], "short\n", "at least 10 characters"),
        (["--role", "wizard"], "a long enough password\n", "Invalid value"),
    ],
)
def test_staff_add_refusals(cli, args, stdin, message) -> None:
    result = cli("staff", "add", "x", *args, "--password-stdin", stdin=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_ceremony_gives_each_custodian_a_wrapped_key(cli, staff_rt) -> None:
    for name in ("k1", "k2", "k3"):
        cli("staff", "add", name, "--role", "custodian", "--password-stdin", stdin="a long enough password\n")
    result = cli("vault", "ceremony", "--threshold", "2", "k1", "k2", "k3", "--passphrases-stdin",
                 stdin="first passphrase\nsecond passphrase\nthird passphrase\n")
    assert result.exit_code == 0, result.output
    with staff_rt.stores.vault() as session:
        rows = session.query(Custodian).all()
    assert len(rows) == 3
    assert all(b"first passphrase" not in r.wrapped_key for r in rows)


def test_ceremony_refuses_non_custodians_and_k_below_two(cli) -> None:
    cli("staff", "add", "clerk", "--role", "intake", "--password-stdin", stdin="a long enough password\n")
    bad_role = cli("vault", "ceremony", "-k", "2", "clerk", "nobody", "--passphrases-stdin",
                   stdin="first passphrase\nsecond passphrase\n")
    assert bad_role.exit_code != 0
    assert "not active custodians" in bad_role.output
    low_k = cli("vault", "ceremony", "-k", "1", "clerk", "--passphrases-stdin", stdin="first passphrase\n")
    assert low_k.exit_code != 0


def test_audit_verify_exit_code_follows_the_chain(cli, staff_rt) -> None:
    cli("staff", "add", "clerk", "--role", "intake", "--password-stdin", stdin="a long enough password\n")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0
    assert "intact" in ok.output
    with staff_rt.stores.case() as session:
        session.execute(update(AuditEvent).values(actor="someone"))
    broken = CliRunner().invoke(main, ["audit", "verify"], obj=staff_rt.config)
    assert broken.exit_code == 1


def test_doctor_finds_and_removes_orphaned_identities(cli, staff_rt, custodians) -> None:
    from datetime import timedelta

    from models.identities.sealing import store_identity
    from models.reporting.orphans import find_orphans

    store_identity(staff_rt.stores, "no-such-report", {"name": "orphan"})
    assert len(find_orphans(staff_rt.stores, older_than=timedelta(0))) == 1
    assert "0 orphaned" in cli("doctor").output  # younger than ten minutes: maybe mid-intake
