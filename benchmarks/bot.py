"""``clueguard bench bot``: the bot's round trip through the local Bot API emulator (tests/peers).

The emulator (telegram-test-api, pinned in tests/peers; ``make peers``) plays Telegram; the bot
runs as ``clueguard bot`` does, in its own process with the public keys only and production
Argon2id. Measured from the reporter's side: /help sent until the bot's answer can be read,
and the whole report conversation's last step (submit, one Argon2id) until the receipt arrives.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # starts our own interpreter and the local emulator only # nosec B404
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import click

import vault
from benchmarks import CHECKOUT
from benchmarks.report import JSON_OPTION, Report, Row
from benchmarks.served import free_port
from models.datadir.setup import init_site
from models.store.config import Config

# The Bot API emulator's folder (`make peers` installs it): --peers or CLUEGUARD_BENCH_PEERS, else the
# checkout's tests/peers beside this package.
PEERS = CHECKOUT / "tests" / "peers"
TOKEN = "777000:BENCH-TOKEN"  # noqa: S105 - the emulator's, not Telegram's # nosec B105
CHAT = 4242
USER = {"id": CHAT, "is_bot": False, "first_name": "Bench"}
WAIT_SECONDS = 60.0


def _post(url: str, body: dict[str, Any]) -> Any:
    if not url.startswith("http://127.0.0.1:"):
        raise click.ClickException("the Bot API emulator runs on loopback only")
    req = urllib.request.Request(url, data=json.dumps(body).encode(),  # noqa: S310 - checked above
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - checked above # a loopback http URL built here # nosec B310
        return json.loads(resp.read() or b"null")


def find_button(seen: list[dict[str, Any]], payload: str) -> tuple[int, str]:
    """(message id, callback data) of the newest bot message with a button for ``payload``."""
    for item in reversed(seen):
        markup = item["message"].get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if button["callback_data"].split("|", 1)[-1] == payload:
                    return int(item["messageId"]), str(button["callback_data"])
    raise click.ClickException(f"the bot showed no button {payload!r}")


class Reporter:
    """The reporter's side, through the emulator's client API."""

    def __init__(self, url: str, chat: int = CHAT) -> None:
        self.url = url
        self.chat = chat
        self.user = {**USER, "id": chat}
        self.seen: list[dict[str, Any]] = []
        self.mark = 0  # messages before this one have been answered already

    def _message(self, text: str, **extra: Any) -> dict[str, Any]:
        chat = {"id": self.chat, "type": "private", "first_name": "Bench"}
        return {"botToken": TOKEN, "from": self.user, "chat": chat,
                "date": int(time.time()), "text": text, **extra}

    def say(self, text: str) -> None:
        _post(f"{self.url}/sendMessage", self._message(text))

    def command(self, name: str) -> None:
        entities = [{"type": "bot_command", "offset": 0, "length": len(name) + 1}]
        _post(f"{self.url}/sendCommand", self._message(f"/{name}", entities=entities))

    def press(self, data: str) -> None:
        """Tap the newest button for ``data``: buttons carry their message's nonce (bot/common.py)."""
        message_id, callback_data = find_button(self.seen, data)
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": {"id": self.chat, "type": "private"}, "text": "…"}
        _post(f"{self.url}/sendCallback", {"botToken": TOKEN, "from": self.user, "message": message,
                                           "data": callback_data})

    def wait_for(self, fragment: str) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            reply = _post(f"{self.url}/getUpdates", {"token": TOKEN, "chatId": self.chat})
            self.seen.extend(reply.get("result", []))
            for index in range(self.mark, len(self.seen)):
                item = self.seen[index]
                if fragment in item["message"].get("text", ""):
                    self.mark = index + 1
                    return str(item["message"]["text"])
            time.sleep(0.01)
        said = [m["message"].get("text", "")[:40] for m in self.seen[max(0, self.mark - 2):]]
        raise click.ClickException(f"the bot never answered {fragment!r}; it said {said}")


# From the place to the summary: an anonymous report with no place, time or file. The bench and the
# end-to-end tests (tests/bot/test_e2e.py, tests/production/test_bot.py) walk it alike.
TO_SUMMARY = (("skip", "Where"), ("skip", "When"), ("skip", "evidence"), ("skip", "anonymously"),
              ("anon", "staff reply"), ("notify:no", "诬告陷害"), ("accept", "check your report"))


class Chat(Protocol):
    """The reporter's side of a chat with the bot: ``Reporter`` here, the end-to-end tests' client."""

    def say(self, text: str) -> None: ...

    def command(self, name: str) -> None: ...

    def press(self, payload: str) -> object: ...

    def wait_for(self, fragment: str) -> str: ...


def walk(chat: Chat, steps: Iterable[tuple[str, str]]) -> None:
    """Press each button and wait for the answer that follows it."""
    for data, expect in steps:
        chat.press(data)
        chat.wait_for(expect)


def receipt_code(receipt: str) -> str:
    """The 16 digits of the bot's receipt message."""
    return "".join(ch for ch in receipt.split("Receipt code:")[1].split("\n")[0] if ch.isdigit())


def status_of(chat: Chat, code: str) -> str:
    """/status with a receipt code: the bot's answer, the report's status."""
    chat.command("status")
    chat.wait_for("receipt code")
    chat.say(code)
    return chat.wait_for("Report ")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process we started (the bot, the emulator): politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


@contextmanager
def _process(args: list[str], **kwargs: Any) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, **kwargs)  # noqa: S603 - our own interpreter and node, fixed arguments # nosec B603
    try:
        yield proc
    finally:
        stop(proc)


def measure_bot(report: Report, rounds: int, peers: Path = PEERS) -> None:
    """Round trips of /start and of a whole anonymous report, through the emulator in ``peers``."""
    node = shutil.which("node")
    if node is None or not (peers / "node_modules" / "telegram-test-api").is_dir():
        raise click.ClickException("the Bot API emulator needs Node.js and `make peers`")
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(data_dir=Path(tmp), argon2=vault.PRODUCTION)
        init_site(config)
        with _process([node, "telegram-emulator.js", str(free_port())], cwd=peers, stdout=subprocess.PIPE,
                      stderr=subprocess.DEVNULL) as emulator:
            line = emulator.stdout.readline().decode() if emulator.stdout else ""
            if not line.startswith("ready "):
                raise click.ClickException("the Bot API emulator did not start")
            url = line.split()[1]
            env = {**os.environ, "CLUEGUARD_DATA_DIR": str(config.data_dir), "CLUEGUARD_TELEGRAM_TOKEN": TOKEN,
                   "CLUEGUARD_TELEGRAM_API_URL": url}
            with _process([sys.executable, "-m", "web.cli", "bot", "--poll-interval", "0.01"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                reporter = Reporter(url)
                reporter.command("start")
                reporter.wait_for("Choose your language")  # the bot is up
                reporter.press("lang:en")
                reporter.wait_for("Tor Browser")
                starts = []
                for _ in range(rounds):
                    t0 = time.perf_counter()
                    reporter.command("help")
                    reporter.wait_for("/report")
                    starts.append((time.perf_counter() - t0) * 1000)
                # The bot limits how fast one user may send: each report from its own user.
                submits = [_one_report(Reporter(url, CHAT + 1 + i)) for i in range(rounds)]
        report.add(Row.of("bot round trip: /help answered", starts))
        report.add(Row.of("bot round trip: submit → receipt", submits, note="one Argon2id inside"))


def _one_report(reporter: Reporter) -> float:
    reporter.command("start")
    reporter.wait_for("Choose your language")
    reporter.press("lang:en")
    reporter.wait_for("Tor Browser")
    reporter.command("report")
    reporter.wait_for("Choose a category")
    reporter.press("cat:market_bully")
    reporter.wait_for("Describe what happened")
    reporter.say("菜市场有人强收保护费。")
    reporter.wait_for("Added")
    walk(reporter, (("done", "Who are you reporting"), ("skip", "shielding"), *TO_SUMMARY))
    t0 = time.perf_counter()
    reporter.press("submit")
    reporter.wait_for("Receipt code")
    return (time.perf_counter() - t0) * 1000


@click.command("bot")
@click.option("--rounds", default=10, show_default=True)
@click.option("--peers", type=click.Path(file_okay=False, path_type=Path), default=PEERS,
              envvar="CLUEGUARD_BENCH_PEERS", show_default=True,
              help="The folder where `make peers` installed the Bot API emulator.")
@JSON_OPTION
def bot_bench(rounds: int, json_path: Path | None, peers: Path = PEERS) -> None:
    """The bot's round trip through the local Bot API emulator (production Argon2id)."""
    report = Report()
    measure_bot(report, rounds, peers)
    report.write(json_path)
