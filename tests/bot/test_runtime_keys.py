"""R26: the bot faces the internet, so its runtime holds the intake public key only, and the
process never even opens the private key file. Run through the real ``clueguard bot`` command."""

from __future__ import annotations

import sys
from typing import Any

from click.testing import CliRunner
from telegram.ext import Application

from models.store.config import Config
from models.store.keys import PRIVATE_FILE
from models.store.runtime import Runtime
from web.cli.main import main

_opened: list[str] = []
_watching = [False]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watching[0] and event == "open" and isinstance(args[0], str | bytes):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only while _watching


def test_the_bot_runtime_has_no_private_key(config: Config, stores, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert (config.keys_dir / PRIVATE_FILE).exists()
    seen: dict[str, Runtime] = {}

    def run_polling(self: Application, **_kwargs: Any) -> None:  # type: ignore[type-arg]
        seen["rt"] = self.bot_data["rt"]

    # Telegram's polling loop is the library's; everything of ours runs for real.
    monkeypatch.setattr(Application, "run_polling", run_polling)
    cfg = config.with_changes(telegram_token="1:TEST", telegram_api_url="http://127.0.0.1:9")
    _opened.clear()
    _watching[0] = True
    try:
        result = CliRunner().invoke(main, ["bot"], obj=cfg)
    finally:
        _watching[0] = False
    rt = seen["rt"]
    rt.stores.dispose()  # the command opened its own stores
    assert result.exit_code == 0, result.output
    assert rt.intake_private is None
    assert rt.intake_public
    assert not [p for p in _opened if p.endswith(PRIVATE_FILE)]
    assert any(p.endswith("intake.pub") for p in _opened)
