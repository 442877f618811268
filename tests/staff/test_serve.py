"""`clueguard serve`, `demo` and `totp`: option parsing, the demo's setup, and a real start/stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

import vault
from models.identities.sealing import vault_threshold
from models.reporting.tables import Message, Report
from models.staff import accounts
from models.store.config import Config
from models.store.runtime import open_runtime
from web.cli import serve
from web.cli.demo import CREDENTIALS_FILE
from web.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    """Capture what `serve` would hand to gunicorn instead of starting it."""
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(serve, "check_app", lambda kind, config: None)
    monkeypatch.setattr(serve, "run_server", lambda kind, config, options: calls.append((kind, options)))
    return calls


@pytest.mark.parametrize(
    ("args", "kind", "bind", "workers"),
    [
        (["staff"], "staff", "127.0.0.1:5001", serve.DEFAULT_WORKERS),
        (["public"], "public", "127.0.0.1:5000", serve.DEFAULT_WORKERS),
        (["public", "--host", "0.0.0.0", "--port", "8080", "--workers", "4"], "public", "0.0.0.0:8080", 4),
    ],
)
def test_serve_options(tmp_path, served, args, kind, bind, workers) -> None:
    result = CliRunner().invoke(main, ["serve", *args], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    [(got_kind, options)] = served
    assert (got_kind, options["bind"], options["workers"]) == (kind, bind, workers)
    assert options["accesslog"] is None


@pytest.mark.parametrize("args", [[], ["bot"], ["staff", "--port", "70000"], ["staff", "--workers", "0"]])
def test_serve_refuses_bad_arguments(tmp_path, served, args) -> None:
    result = CliRunner().invoke(main, ["serve", *args], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 2
    assert served == []


def test_default_workers_one_per_core() -> None:
    """As many workers as cores (one hashing slot each: as many Argon2id runs as cores), at least two."""
    assert max(2, len(os.sched_getaffinity(0))) == serve.DEFAULT_WORKERS
    assert Config(data_dir=Path("unused")).hash_slots == 1


def test_serve_without_init_says_what_to_do(tmp_path) -> None:
    result = CliRunner().invoke(main, ["serve", "staff"], obj=Config(data_dir=tmp_path / "empty"))
    assert result.exit_code == 1
    assert "clueguard init" in result.output


@pytest.mark.parametrize("kind", ["staff", "public"])
def test_gunicorn_application_builds_each_app(config, stores, kind) -> None:
    server = serve.ClueGuardServer(kind, config, serve.gunicorn_options(kind, "127.0.0.1", 0, 3))
    assert server.cfg.bind == ["127.0.0.1:0"] and server.cfg.workers == 3
    app = server.load()
    # Each side is its own app (R26): the public one has none of the staff endpoints.
    assert ("cases.inbox" in app.view_functions) == (kind == "staff")
    serve.close_stores(app)


def test_totp_prints_the_current_code(tmp_path) -> None:
    secret = pyotp.random_base32()
    with time_machine.travel("2026-11-28 10:00:00 +0000", tick=False):
        result = CliRunner().invoke(main, ["totp", secret], obj=Config(data_dir=tmp_path))
        expected = pyotp.TOTP(secret).now()
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == expected
    bad = CliRunner().invoke(main, ["totp", "not base32!"], obj=Config(data_dir=tmp_path))
    assert bad.exit_code == 1


def test_demo_without_serving_sets_everything_up(tmp_path) -> None:
    from models.administration.units import list_units
    from models.cases.transfer import list_authorities

    demo_dir = tmp_path / "demo"
    # The demo moves the config's default SQLite files into its own directory.
    config = Config(data_dir=tmp_path / "elsewhere", argon2=vault.CHEAP)
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(demo_dir), "--no-serve"], obj=config)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "DEMO" in out and "NOT FOR REAL CLUES" in out
    assert not (tmp_path / "elsewhere").exists()
    rt = open_runtime(config.with_changes(data_dir=demo_dir, database_url=f"sqlite:///{demo_dir / 'case.db'}",
                                          vault_url=f"sqlite:///{demo_dir / 'vault.db'}"), staff_side=True)
    try:
        # Every role has an account whose printed password and TOTP secret sign in.
        rows = {line.split()[0]: line.split() for line in out.splitlines()
                if line.startswith("  ") and len(line.split()) == 5 and line.split()[1] in accounts.ROLES}
        assert {r[1] for r in rows.values()} == set(accounts.ROLES)
        assert set(rows) == {"clerk", "head", "protector", "keeper1", "keeper2", "keeper3", "auditor", "admin"}
        _user, _role, password, secret, _code = rows["head"]
        assert accounts.authenticate(rt, "head", password, pyotp.TOTP(secret).now()).role == "unit_head"
        assert vault_threshold(rt.stores) == 2
        with rt.stores.case() as session:
            reports = session.scalars(select(Report).order_by(Report.registry_no)).all()
            assert [(r.channel, r.source, r.confidential) for r in reports] == [
                ("web", "public", False), ("telegram", "public", True), ("phone", "phone", False)]
            assert session.scalar(select(func.count()).select_from(Message)) == 2
        # Units and receiving authorities are seeded, so a transfer needs no typing.
        assert len(list_authorities(rt)) == 3
        assert {u.name for u in list_units(rt)} == {"第一科（演示）", "第二科（演示）"}
        assert oct((demo_dir / CREDENTIALS_FILE).stat().st_mode & 0o777) == "0o600"
        # A second run reuses the directory: same secrets, no new clues.
        again = CliRunner().invoke(main, ["demo", "--data-dir", str(demo_dir), "--no-serve"], obj=config)
        assert again.exit_code == 0 and "(reused)" in again.output
        assert password in again.output and secret in again.output
        with rt.stores.case() as session:
            assert session.scalar(select(func.count()).select_from(Report)) == 3
    finally:
        rt.stores.dispose()


def test_demo_refuses_a_directory_that_is_not_a_demo(tmp_path, config, stores, make_staff) -> None:
    make_staff("someone", "intake")
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(config.data_dir), "--no-serve"], obj=config)
    assert result.exit_code == 1
    assert "not a demo directory" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url_port: int, proc: subprocess.Popen, path: str = "/login", attempts: int = 200) -> int:
    import http.client

    for _ in range(attempts):
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=2)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not answer")


@pytest.mark.slow
def test_demo_serves_and_stops_cleanly(tmp_path) -> None:
    """The real thing: gunicorn masters in child processes, answering, then SIGTERM stops all."""
    staff_port, public_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUEGUARD_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "demo", "--data-dir", str(tmp_path / "demo"),
         "--staff-port", str(staff_port), "--public-port", str(public_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group: a failed stop is cleaned up whole below
    )
    try:
        assert _wait_for(staff_port, proc) == 200
        assert _wait_for(public_port, proc, path="/") == 200
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None or proc.stdout and not proc.stdout.closed:
            # The apps' processes hold the output pipe: kill them all, or communicate() waits forever.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "stopped" in output
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", staff_port)) != 0  # nothing left listening
