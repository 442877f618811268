"""The clueguard command: init, staff accounts, the key ceremony, audit verify, doctor."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from models.audit.tables import AuditEvent
from models.identities.tables import Custodian
from tests.conftest import as_forger
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
    assert (config.keys_dir / "intake.pub").stat().st_size == 4 + 1184 + 32  # hybrid (R32): tag, ML-KEM-768, X25519
    assert cli("init").exit_code == 0  # idempotent


def test_staff_add_prints_an_enrollment_code_and_no_secret(cli) -> None:
    result = cli("staff", "add", "keeper", "--role", "custodian")
    assert result.exit_code == 0, result.output
    code = next(line.split(": ")[1] for line in result.output.splitlines() if line.startswith("enrollment-code: "))
    assert len(code) == 23 and "totp" not in result.output


def test_staff_add_bootstraps_a_unit_without_a_head_then_waits_for_it(cli) -> None:
    first = cli("staff", "add", "head", "--role", "unit_head", "--unit", "第一科")
    assert "enrollment-code: " in first.output  # nobody could approve yet: the console operator starts it
    code = next(line.split(": ")[1] for line in first.output.splitlines() if line.startswith("enrollment-code: "))
    assert cli("staff", "enroll", "head", "--stdin", stdin=f"{code}\na long enough password\n").exit_code == 0
    second = cli("staff", "add", "clerk", "--role", "intake", "--unit", "第一科")
    assert second.exit_code == 0 and "awaiting approval by the head of 第一科" in second.output
    assert "enrollment-code" not in second.output


def test_staff_add_refusals(cli) -> None:
    result = cli("staff", "add", "x", "--role", "wizard")
    assert result.exit_code != 0
    assert "Invalid value" in result.output
    no_unit = cli("staff", "add", "x", "--role", "intake")
    assert no_unit.exit_code != 0 and "needs a unit" in no_unit.output and "--unit UNIT" in no_unit.output


def test_ceremony_gives_each_custodian_a_wrapped_key(cli, staff_rt) -> None:
    for name in ("k1", "k2", "k3"):
        cli("staff", "add", name, "--role", "custodian")
    result = cli("vault", "ceremony", "--threshold", "2", "k1", "k2", "k3", "--passphrases-stdin",
                 stdin="first passphrase\nsecond passphrase\nthird passphrase\n")
    assert result.exit_code == 0, result.output
    with staff_rt.stores.vault() as session:
        rows = session.query(Custodian).all()
    assert len(rows) == 3
    assert all(b"first passphrase" not in r.wrapped_key for r in rows)


def test_ceremony_refuses_non_custodians_and_k_below_two(cli) -> None:
    cli("staff", "add", "clerk", "--role", "intake", "--unit", "第一科")
    bad_role = cli("vault", "ceremony", "-k", "2", "clerk", "nobody", "--passphrases-stdin",
                   stdin="first passphrase\nsecond passphrase\n")
    assert bad_role.exit_code != 0
    assert "not active custodians" in bad_role.output
    low_k = cli("vault", "ceremony", "-k", "1", "clerk", "--passphrases-stdin", stdin="first passphrase\n")
    assert low_k.exit_code != 0


def test_audit_verify_exit_code_follows_the_chain(cli, staff_rt) -> None:
    cli("staff", "add", "clerk", "--role", "intake", "--unit", "第一科")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0
    assert "intact" in ok.output
    as_forger(staff_rt.stores, update(AuditEvent).values(actor="someone"))
    broken = CliRunner().invoke(main, ["audit", "verify"], obj=staff_rt.config)
    assert broken.exit_code == 1


def test_doctor_finds_and_removes_orphaned_identities(cli, staff_rt, custodians) -> None:
    from datetime import timedelta

    from models.identities.sealing import store_identity
    from models.reporting.orphans import find_orphans

    store_identity(staff_rt.stores, "no-such-report", {"name": "orphan"})
    assert len(find_orphans(staff_rt.stores, older_than=timedelta(0))) == 1
    assert "0 orphaned" in cli("doctor").output  # younger than ten minutes: maybe mid-intake


@pytest.mark.parametrize("k", ["1", "0", "4"])
def test_the_ceremony_refuses_k_below_two_or_above_n_among_real_custodians(cli, staff_rt, k) -> None:
    """Issue #22 item 5f: three real custodian accounts, so only the threshold can be wrong."""
    from models.audit.tables import AuditEvent
    from models.identities.tables import VaultSetting

    for name in ("k1", "k2", "k3"):
        assert cli("staff", "add", name, "--role", "custodian").exit_code == 0
    result = cli("vault", "ceremony", "-k", k, "k1", "k2", "k3", "--passphrases-stdin",
                 stdin="first passphrase\nsecond passphrase\nthird passphrase\n")
    assert result.exit_code != 0 and "threshold: Need at least 2 custodians" in result.output
    with staff_rt.stores.vault() as session:
        assert session.query(Custodian).count() == 0 and session.query(VaultSetting).count() == 0
    with staff_rt.stores.case() as session:
        assert session.query(AuditEvent).filter_by(event="vault.ceremony").count() == 0
