"""Backup and restore: everything comes back, across SQLite and PostgreSQL, and opens again."""

from __future__ import annotations

from click.testing import CliRunner

import vault
from models.audit import trail
from models.cases import casework
from models.reporting import intake
from models.store.config import Config
from models.store.runtime import open_runtime
from tests.conftest import submission
from web.cli.main import main


def test_backup_then_restore_into_a_new_sqlite_site(config, public_rt, staff_rt, make_staff,
                                                    custodians, tmp_path) -> None:
    receipt = intake.submit_report(public_rt, submission(identity={"name": "王五"}))
    clerk = make_staff("clerk", "intake")
    casework.reply_to_reporter(staff_rt, clerk.id, receipt.report_id, "收到")
    runner = CliRunner()
    result = runner.invoke(main, ["backup", str(tmp_path / "bk")], obj=config)
    assert result.exit_code == 0, result.output

    fresh = Config(data_dir=tmp_path / "restored", argon2=vault.CHEAP)
    result = runner.invoke(main, ["restore", str(tmp_path / "bk")], obj=fresh)
    assert result.exit_code == 0, result.output

    rt = open_runtime(fresh, staff_side=True)
    try:
        case = casework.open_case(rt, clerk.id, receipt.report_id)
        assert case.clue["description"] == submission().description
        assert intake.reporter_status(rt, receipt.code).messages[0].text == "收到"
        with rt.stores.case() as session:
            assert trail.verify(session) == []
        again = intake.submit_report(rt, submission())
        assert again.registry_no.endswith("000002")
    finally:
        rt.stores.dispose()


def test_restore_refuses_a_site_that_has_data(config, public_rt, tmp_path) -> None:
    intake.submit_report(public_rt, submission())
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(tmp_path / "bk")], obj=config).exit_code == 0
    result = runner.invoke(main, ["restore", str(tmp_path / "bk")], obj=config)
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_restore_refuses_a_damaged_backup(config, public_rt, tmp_path) -> None:
    intake.submit_report(public_rt, submission())
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(tmp_path / "bk")], obj=config).exit_code == 0
    (tmp_path / "bk" / "manifest.json").write_text("{")
    fresh = Config(data_dir=tmp_path / "restored", argon2=vault.CHEAP)
    result = runner.invoke(main, ["restore", str(tmp_path / "bk")], obj=fresh)
    assert result.exit_code != 0
    assert "not a ClueGuard backup" in result.output


def test_restore_into_postgresql_continues_the_id_sequences(config, public_rt, staff_rt, make_staff,
                                                           tmp_path) -> None:
    """PostgreSQL target: serial ids must continue after the restored rows."""
    import uuid

    from sqlalchemy import create_engine, text

    from models.staff.accounts import add_staff
    from tests.conftest import PG_URL, _pg_url

    if not PG_URL:
        import pytest

        pytest.skip("CLUEGUARD_TEST_POSTGRES_URL is not set")
    receipt = intake.submit_report(public_rt, submission())
    clerk = make_staff("clerk", "intake")
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(tmp_path / "bk")], obj=config).exit_code == 0

    names = [f"cgt_restore_{uuid.uuid4().hex[:8]}_{part}" for part in ("case", "vault")]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    fresh = Config(data_dir=tmp_path / "restored", argon2=vault.CHEAP,
                   database_url=_pg_url(names[0]), vault_url=_pg_url(names[1]))
    try:
        result = runner.invoke(main, ["restore", str(tmp_path / "bk")], obj=fresh)
        assert result.exit_code == 0, result.output
        rt = open_runtime(fresh, staff_side=True)
        try:
            assert casework.open_case(rt, clerk.id, receipt.report_id).clue["category"] == "village_bully"
            newcomer = add_staff(rt, "newcomer", "intake", "第二科", "a long enough password")
            assert newcomer.staff_id > clerk.id
        finally:
            rt.stores.dispose()
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
