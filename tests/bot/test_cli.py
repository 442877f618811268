"""`clueguard bot`: registered on the main command, refuses to start without a token."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from models.store.config import Config
from web.cli.main import main


def test_bot_command_is_registered_and_documents_webhook_flags() -> None:
    result = CliRunner().invoke(main, ["bot", "--help"], obj=Config(data_dir=Path("x")))
    assert result.exit_code == 0
    assert "--webhook-url" in result.output and "--listen" in result.output


def test_bot_needs_a_token(tmp_path) -> None:
    result = CliRunner().invoke(main, ["bot"], obj=Config(data_dir=tmp_path))
    assert result.exit_code != 0
    assert "CLUEGUARD_TELEGRAM_TOKEN" in result.output


def test_bad_listen_address_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("bot.cli.open_runtime", lambda *a, **k: None)
    monkeypatch.setattr("bot.cli.build_application", lambda rt: None)
    result = CliRunner().invoke(main, ["bot", "--webhook-url", "https://x.example/p", "--listen", "nohost"],
                                obj=Config(data_dir=tmp_path, telegram_token="1:T"))
    assert result.exit_code != 0 and "host:port" in result.output
