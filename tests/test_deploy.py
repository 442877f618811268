"""The example configurations in deploy/ agree with the code they start."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.store.config import Config, config_from_env
from web.cli.main import main

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
JOBS = ("clueguard-deadlines", "clueguard-survey", "clueguard-vault-cleanup", "clueguard-sync-run")


def _exec_args(unit: Path) -> list[str]:
    [line] = [ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart=")]
    words = shlex.split(line.removeprefix("ExecStart="))
    assert words[0].endswith("/clueguard")
    return words[1:]


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_every_unit_starts_a_clueguard_command_that_exists(unit: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*_exec_args(unit), "--help"], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("job", JOBS)
def test_every_scheduled_job_has_a_timer_and_takes_the_lock(job: str) -> None:
    timer = (DEPLOY / "systemd" / f"{job}.timer").read_text()
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    assert "Type=oneshot" in (DEPLOY / "systemd" / f"{job}.service").read_text()


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    """Every unit and timer in deploy/systemd, as systemd itself reads them (warnings count)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing (Debian's systemd package; `make test` installs it)")
    here = str(Path(sys.executable).with_name("clueguard"))  # ExecStart must name a real program
    files = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/clueguard/.venv/bin/clueguard", here))
        files.append(str(copy))
    assert len(files) >= len(UNITS) + len(JOBS)
    result = subprocess.run([analyze, "verify", *files], capture_output=True, text=True, timeout=300, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_sync_run_runs_every_minute() -> None:
    timer = (DEPLOY / "systemd" / "clueguard-sync-run.timer").read_text()
    assert "OnCalendar=minutely" in timer
    assert "sync serve" in (DEPLOY / "systemd" / "clueguard-sync-serve.service").read_text()


def test_the_roles_file_is_what_the_command_prints(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["roles", "sql"], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0
    assert (DEPLOY / "postgres" / "roles.sql").read_text() == result.output


def test_the_onion_service_and_the_proxy_shed_floods_and_buffer() -> None:
    torrc = (DEPLOY / "tor" / "torrc").read_text().splitlines()
    assert "HiddenServicePoWDefensesEnabled 1" in torrc
    snippet = (DEPLOY / "nginx" / "clueguard-public.conf").read_text()
    for line in ("proxy_request_buffering on;", "proxy_buffering on;",
                 "proxy_set_header X-Forwarded-For $remote_addr;"):
        assert line in snippet


@pytest.mark.parametrize(("env", "role"), [("public", "clueguard_public"), ("bot", "clueguard_bot"),
                                           ("staff", "clueguard_staff"), ("jobs", "clueguard_staff")])
def test_each_process_connects_as_its_own_role(env: str, role: str) -> None:
    values = dict(line.split("=", 1) for line in (DEPLOY / "env" / f"{env}.env").read_text().splitlines()
                  if line and not line.startswith("#"))
    config = config_from_env(values)
    for url in (config.database_url, config.vault_url):
        assert url.startswith(f"postgresql+psycopg://{role}@")
    assert config.database_url.rsplit("/", 1)[1] != config.vault_url.rsplit("/", 1)[1]  # two databases
