"""The bot as deployed: its own database role (deploy/env/bot.env), started as its systemd unit
starts it (`--webhook-url .../telegram/updates --listen 127.0.0.1:PORT`), behind nginx's
`/telegram/` location; the local Bot API emulator (tests/peers) calls the webhook over TLS with
the secret token, as Telegram does."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from benchmarks.bot import TO_SUMMARY, receipt_code, status_of, stop, walk
from tests.bot.test_e2e import PEERS, TOKEN, Client
from tests.production.stack import CLUEGUARD, Stack
from tests.sync.procs import free_port


@pytest.fixture
def emulator(stack: Stack) -> Iterator[str]:
    node = shutil.which("node")
    if node is None or not (PEERS / "node_modules" / "telegram-test-api").is_dir():
        pytest.skip("the Telegram Bot API emulator is not installed (`make peers`; it needs Node.js)")
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(stack.tls["ca"])}
    proc = subprocess.Popen([node, "telegram-emulator.js", str(free_port())], cwd=PEERS, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    line = proc.stdout.readline().decode() if proc.stdout else ""
    try:
        assert line.startswith("ready "), line
        yield line.split()[1]
    finally:
        stop(proc)


def test_a_reporter_on_telegram(stack: Stack, emulator: str) -> None:
    env = stack.env("bot", stack.data_dirs["bot"], CLUEGUARD_TELEGRAM_TOKEN=TOKEN,
                    CLUEGUARD_TELEGRAM_API_URL=emulator, CLUEGUARD_PUBLIC_URL="https://report.example.org")
    webhook = f"https://127.0.0.1:{stack.ports['https']}/telegram/updates"
    bot = stack.start("bot", [CLUEGUARD, "bot", "--webhook-url", webhook, "--listen",
                              f"127.0.0.1:{stack.ports['bot']}"], env, stack.ports["bot"])
    client = Client(emulator)
    try:
        client.command("start")
        client.wait_for("Choose your language")
        client.press("lang:en")
        client.command("report")
        client.wait_for("Choose a category")
        client.press("cat:market_bully")
        client.wait_for("Describe what happened")
        client.say("菜市场有人强收保护费。")
        client.wait_for("Added")
        client.press("done")
        client.wait_for("Who are you reporting")
        client.say("外号“黑狗”的男子")
        client.wait_for("unit, position and place")
        walk(client, (("skip", "Added: 外号"), ("done", "shielding"), *TO_SUMMARY))
        client.press("submit")
        receipt = client.wait_for("Receipt code")
        code = receipt_code(receipt)
        assert len(code) == 16
        assert "Received" in status_of(client, code)
    finally:
        client.http.close()
        bot.stop()
