"""End to end over real HTTP: `clueguard bot` polling a local Bot API emulator (telegram-test-api).

The emulator runs from tests/peers (`make peers` installs it, pinned); the bot runs as its own
process with the public keys only; the staff reply goes through the staff workflow function.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from sqlalchemy import select

from benchmarks.bot import TO_SUMMARY, find_button, receipt_code, status_of, stop, walk
from benchmarks.served import free_port
from models.cases import casework
from models.reporting.tables import Report

PEERS = Path(__file__).resolve().parents[1] / "peers"
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "777000:E2E-TOKEN"
CHAT_ID = 31337
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "E2E"}
DEADLINE = 30.0  # seconds to wait for an answer before failing (not a timing assertion)

pytestmark = pytest.mark.slow


@pytest.fixture
def emulator() -> Iterator[str]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Telegram Bot API emulator (tests/peers) needs Node.js")
    if not (PEERS / "node_modules" / "telegram-test-api").is_dir():
        pytest.fail("the Telegram Bot API emulator is not installed: run `make peers`")
    for _attempt in range(3):
        port = free_port()
        proc = subprocess.Popen([node, "telegram-emulator.js", str(port)], cwd=PEERS,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = proc.stdout.readline().decode() if proc.stdout else ""
        if line.startswith("ready "):
            yield line.split()[1]
            stop(proc)
            return
        stop(proc)  # the port was taken between choosing and binding it: try another
    pytest.fail("the Telegram Bot API emulator did not start")


@pytest.fixture
def bot_process(emulator: str, config, stores, tmp_path: Path) -> Iterator[Path]:
    env = {**os.environ, "CLUEGUARD_DATA_DIR": str(config.data_dir), "CLUEGUARD_DATABASE_URL": config.database_url,
           "CLUEGUARD_VAULT_URL": config.vault_url, "CLUEGUARD_TELEGRAM_TOKEN": TOKEN,
           "CLUEGUARD_TELEGRAM_API_URL": emulator, "CLUEGUARD_PUBLIC_URL": "https://jubao.example.org",
           "CLUEGUARD_ONION_URL": "http://jubaoexample2xyz.onion"}
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "web.cli", "bot", "--poll-interval", "0.1"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    yield log
    stop(proc)


class Client:
    """The reporter's side, through the emulator's client API."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        self.seen: list[dict[str, Any]] = []
        self.cursor = 0  # messages before it were already waited for

    def _message(self, text: str, **extra: Any) -> dict[str, Any]:
        return {"botToken": TOKEN, "from": USER, "chat": {"id": CHAT_ID, "type": "private", "first_name": "E2E"},
                "date": int(time.time()), "text": text, **extra}

    def say(self, text: str) -> None:
        self.http.post("/sendMessage", json=self._message(text)).raise_for_status()

    def command(self, name: str) -> None:
        entities = [{"type": "bot_command", "offset": 0, "length": len(name) + 1}]
        self.http.post("/sendCommand", json=self._message(f"/{name}", entities=entities)).raise_for_status()

    def button(self, payload: str) -> tuple[int, str]:
        """(message id, callback data) of the newest bot message with a button for ``payload``."""
        try:
            return find_button(self.seen, payload)
        except click.ClickException:
            raise AssertionError(f"no button {payload!r} was shown") from None

    def press(self, payload: str) -> tuple[int, str]:
        """Tap the newest button for ``payload``; returns what was tapped (to tap it again)."""
        button = self.button(payload)
        self.tap(*button)
        return button

    def tap(self, message_id: int, data: str) -> None:
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": {"id": CHAT_ID, "type": "private"}, "text": "…"}
        self.http.post("/sendCallback", json={"botToken": TOKEN, "from": USER, "message": message,
                                              "data": data}).raise_for_status()

    def fail_next(self, method: str, contains: str, error_code: int = 429, retry_after: int = 1) -> None:
        """Make the emulator refuse the bot's next such call (tests/peers/telegram-emulator.js)."""
        self.http.post("/failNext", json={"method": method, "contains": contains, "error_code": error_code,
                                          "retry_after": retry_after}).raise_for_status()

    def refused(self) -> list[dict[str, Any]]:
        return list(self.http.get("/failures").json()["result"])

    def wait_for(self, fragment: str) -> str:
        """Collect the bot's messages until one contains ``fragment``; return its text."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            reply = self.http.post("/getUpdates", json={"token": TOKEN, "chatId": CHAT_ID}).json()
            self.seen.extend(reply.get("result", []))
            for index, item in enumerate(self.seen):
                if index >= self.cursor and fragment in item["message"].get("text", ""):
                    self.cursor = index + 1
                    return str(item["message"]["text"])
            time.sleep(0.1)
        said = [m["message"].get("text") for m in self.seen[self.cursor:]]
        raise AssertionError(f"the bot never said {fragment!r}; it said {said}")


@pytest.fixture
def client(emulator: str) -> Iterator[Client]:
    c = Client(emulator)
    yield c
    c.http.close()


def test_report_then_status_shows_staff_reply(client, bot_process, staff_rt, make_staff) -> None:
    client.command("start")
    client.wait_for("Choose your language")
    client.press("lang:en")
    assert "http://jubaoexample2xyz.onion" in client.wait_for("Tor Browser")
    client.command("report")
    assert "https://jubao.example.org" in client.wait_for("Telegram itself knows")
    client.wait_for("Choose a category")
    client.press("cat:market_bully")
    client.wait_for("Describe what happened")
    client.say("菜市场有人强收保护费。")
    client.wait_for("Added")
    # A double tap on Done: the second tap does nothing but say so; "Who are you reporting" is not skipped.
    done = client.press("done")
    client.wait_for("Who are you reporting")
    client.tap(*done)
    client.wait_for("no longer active")
    client.say("外号“黑狗”的男子，负责收过路费")
    client.wait_for("unit, position and place of 外号“黑狗”的男子，负责收过路费")
    walk(client, (("skip", "Added: 外号"), ("done", "shielding"), *TO_SUMMARY))
    # Telegram refuses the receipt once with a 429: the bot waits retry_after and sends it again.
    client.fail_next("sendMessage", "Receipt code", error_code=429, retry_after=1)
    submit = client.press("submit")
    receipt = client.wait_for("Receipt code")
    assert [r["error_code"] for r in client.refused()] == [429]
    client.tap(*submit)  # Submit again: nothing is submitted twice
    client.wait_for("no longer active")
    code = receipt_code(receipt)
    assert len(code) == 16

    assert "Received" in status_of(client, code)
    client.wait_for("What next")
    client.press("close")
    client.wait_for("Done.")
    client.press("cleanup:yes")  # the report's messages leave the chat (the emulator deletes them)
    client.wait_for("Deleted")

    with staff_rt.stores.case() as session:
        report = session.scalars(select(Report)).one()  # one report, though Submit was tapped twice
        assert report.channel == "telegram"
    clerk = make_staff("clerk", "intake")
    casework.reply_to_reporter(staff_rt, clerk.id, report.id, "谢谢，我们已开始核查。")

    client.command("status")
    client.wait_for("receipt code")
    client.say(code)
    assert "谢谢，我们已开始核查。" in client.wait_for("核查")
    client.wait_for("What next")
    client.press("del")
    client.wait_for("was deleted")
    assert "菜市场" not in bot_process.read_text(errors="replace")
