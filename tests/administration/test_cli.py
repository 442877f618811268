"""``clueguard staff list|deactivate|reset-password``."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from click.testing import CliRunner

from models.reporting import intake
from models.staff import accounts
from models.store.db import utcnow
from web.cli.main import main

NEW = "a fresh password 42"


@pytest.fixture
def cli(config, staff_rt):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str, stdin: str = "") -> object:
        return runner.invoke(main, list(args), input=stdin, obj=config, catch_exceptions=False)

    return run


def test_list_shows_role_unit_and_status(cli, make_staff, admin) -> None:
    make_staff("clerk", "intake")
    result = cli("staff", "list")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("clerk\t"))
    assert "intake" in line and "第一科" in line and "active" in line and "pledge:-" in line


def test_reset_of_a_non_content_account_prints_an_enrollment_code(cli, make_staff, staff_rt) -> None:
    make_staff("keeper", "custodian", unit=None)
    result = cli("staff", "reset-password", "keeper")
    assert result.exit_code == 0, result.output
    code = next(line.split(": ")[1] for line in result.output.splitlines() if line.startswith("enrollment-code: "))
    enrolled = cli("staff", "enroll", "keeper", "--stdin", stdin=f"{code}\n{NEW}\n")
    assert enrolled.exit_code == 0, enrolled.output
    secret = next(line.split(": ")[1] for line in enrolled.output.splitlines() if line.startswith("totp-secret: "))
    with time_machine.travel(utcnow() + timedelta(seconds=60)):
        assert accounts.authenticate(staff_rt, "keeper", NEW, pyotp.TOTP(secret).now()).username == "keeper"


def test_reset_of_a_content_account_waits_for_the_unit_head(cli, make_staff, staff_rt) -> None:
    clerk = make_staff("clerk", "intake")
    make_staff("head", "unit_head")
    result = cli("staff", "reset-password", "clerk")
    assert result.exit_code == 0 and "awaiting approval" in result.output and "enrollment-code" not in result.output
    assert accounts.authenticate(staff_rt, "clerk", clerk.password, clerk.totp()).id == clerk.id


def test_deactivate_is_refused_for_a_custodian_holding_shares(cli, public_rt, staff_rt, custodians) -> None:
    from tests.conftest import submission
    from tests.protection.conftest import IDENTITY

    intake.submit_report(public_rt, submission(identity=dict(IDENTITY)))
    result = cli("staff", "deactivate", "keeper1")
    assert result.exit_code != 0 and "shares" in result.output
    assert accounts.find_staff(staff_rt, "keeper1").active


def test_deactivate_and_unknown_user(cli, make_staff, staff_rt) -> None:
    make_staff("clerk", "intake")
    assert cli("staff", "deactivate", "clerk").exit_code == 0
    assert not accounts.find_staff(staff_rt, "clerk").active
    assert cli("staff", "deactivate", "nobody").exit_code != 0
