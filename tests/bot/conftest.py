"""Bot fixtures: a recording Bot API request object and a chat driver over ``process_update``."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from models.store.runtime import Runtime

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "ClueGuard", "username": "clueguard_test_bot"}


@dataclasses.dataclass
class Failure:
    """A Bot API refusal to inject: ``times`` calls of ``endpoint`` whose text contains ``text``."""

    endpoint: str
    text: str
    times: int
    status: int = 429
    retry_after: int = 0

    def body(self) -> dict[str, Any]:
        if self.status == 429:
            return {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                    f"{self.retry_after}", "parameters": {"retry_after": self.retry_after}}
        return {"ok": False, "error_code": self.status, "description": "Bad Gateway"}


class RecordingRequest(BaseRequest):
    """Records every Bot API call and answers with canned JSON; serves files by path; can fail on cue."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused: list[tuple[str, dict[str, Any]]] = []
        self.failures: list[Failure] = []
        self.files: dict[str, bytes] = {}
        self.next_message_id = 1000

    def fail(self, endpoint: str, text: str = "", times: int = 1, status: int = 429, retry_after: int = 0) -> None:
        self.failures.append(Failure(endpoint, text, times, status, retry_after))

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return 200, self.files[url.rsplit("/", 1)[-1]]
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        for failure in self.failures:
            if failure.times and failure.endpoint == endpoint and failure.text in str(params.get("text", "")):
                failure.times -= 1
                self.refused.append((endpoint, params))
                return failure.status, json.dumps(failure.body()).encode()
        self.calls.append((endpoint, params))
        result = self._answer(endpoint, params)
        if endpoint == "sendMessage":
            params["_message_id"] = result["message_id"]
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return BOT_USER
        if endpoint == "sendMessage":
            self.next_message_id += 1
            return {"message_id": self.next_message_id, "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text", "")}
        if endpoint == "getFile":
            path = f"files_{params['file_id']}"
            return {"file_id": params["file_id"], "file_unique_id": params["file_id"],
                    "file_size": len(self.files.get(path, b"")), "file_path": path}
        return True

    def sent(self) -> list[dict[str, Any]]:
        return [p for name, p in self.calls if name == "sendMessage"]


@dataclasses.dataclass
class Chat:
    """One reporter talking to the bot; each act returns the texts the bot answered with."""

    app: Application  # type: ignore[type-arg]
    rec: RecordingRequest
    chat_id: int = 7001
    user: dict[str, Any] = dataclasses.field(default_factory=lambda: {
        "id": 7001, "is_bot": False, "first_name": "Test", "username": "reporter_test"})
    update_id: int = 0
    message_id: int = 0

    def _message(self, **fields: Any) -> dict[str, Any]:
        self.message_id += 1
        return {"message_id": self.message_id, "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private"}, "from": self.user, **fields}

    async def feed(self, **update: Any) -> list[str]:
        before = len(self.rec.sent())
        self.update_id += 1
        await self.app.process_update(Update.de_json({"update_id": self.update_id, **update}, self.app.bot))
        return [p["text"] for p in self.rec.sent()[before:]]

    async def say(self, text: str, **extra: Any) -> list[str]:
        return await self.feed(message=self._message(text=text, **extra))

    async def command(self, name: str) -> list[str]:
        text = f"/{name}"
        return await self.say(text, entities=[{"type": "bot_command", "offset": 0, "length": len(text)}])

    def keyboard(self, payload: str) -> tuple[int, str]:
        """(message id, callback data) of the newest bot message with a button for ``payload``."""
        for sent in reversed(self.rec.sent()):
            for row in (sent.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data", "").split("|", 1)[-1] == payload:
                        return sent["_message_id"], button["callback_data"]
        raise AssertionError(f"no button {payload!r} was ever shown")

    async def press(self, payload: str) -> list[str]:
        """Tap the button for ``payload`` on the newest keyboard that has one."""
        message_id, data = self.keyboard(payload)
        return await self.tap(message_id, data)

    async def forge(self, payload: str) -> list[str]:
        """Tap the newest keyboard with made-up data behind its nonce (a tampered client)."""
        sent = next(p for p in reversed(self.rec.sent()) if (p.get("reply_markup") or {}).get("inline_keyboard"))
        nonce = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split("|", 1)[0]
        return await self.tap(sent["_message_id"], f"{nonce}|{payload}")

    def draft(self) -> dict[str, Any]:
        return dict(self.app.chat_data[self.chat_id].get("draft", {}))

    def forgotten(self) -> bool:
        """Nothing of a report is left in memory: no draft, no pending receipt, no message trail."""
        data = self.app.chat_data[self.chat_id]
        return not ({"draft", "pending_receipt", "trail"} & set(data))

    async def tap(self, message_id: int, data: str) -> list[str]:
        """Tap exactly this button of this message (old ones too: Telegram keeps them tappable)."""
        return await self.feed(callback_query={
            "id": f"cb{self.update_id}", "from": self.user, "chat_instance": "ci", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": self.chat_id, "type": "private"}, "text": "…"}})

    async def send_file(self, kind: str, data: bytes, file_size: int | None = None, **extra: Any) -> list[str]:
        file_id = f"f{self.update_id}_{kind}"
        self.rec.files[f"files_{file_id}"] = data
        size = len(data) if file_size is None else file_size
        media = {"file_id": file_id, "file_unique_id": file_id, "file_size": size}
        if kind == "photo":
            return await self.feed(message=self._message(photo=[{**media, "width": 40, "height": 30}], **extra))
        if kind == "document":
            media["file_name"] = "evidence.pdf"
        if kind in {"voice", "video"}:
            media["duration"] = 3
        if kind == "video":
            media.update(width=10, height=10)
        return await self.feed(message=self._message(**{kind: media}, **extra))

    def markup(self) -> dict[str, Any]:
        return self.rec.sent()[-1].get("reply_markup") or {}

    def button_data(self) -> list[str]:
        """The payloads of the last message's buttons (without their keyboard's nonce)."""
        return [b.get("callback_data").split("|", 1)[-1] for row in self.markup().get("inline_keyboard", [])
                for b in row]


@pytest.fixture
def bot_rt(public_rt: Runtime) -> Runtime:
    """The public runtime with a bot token; the bot never gets the intake private key."""
    return dataclasses.replace(public_rt, config=public_rt.config.with_changes(telegram_token=TOKEN))


@pytest.fixture
async def chat(bot_rt: Runtime) -> AsyncIterator[Chat]:
    rec = RecordingRequest()
    app = build_application(bot_rt, request=rec, updates_request=rec, poll_seconds=None)
    async with app:
        await app.start()  # the job queue: conversation timeouts are scheduled on it
        c = Chat(app, rec)
        await c.command("start")
        await c.press("lang:en")
        yield c
        await app.stop()
