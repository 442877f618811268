"""Issue 16, item 1: the receipt is delivered or recoverable, never lost behind "nothing was sent"."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.receipt import RECEIPT_RETRIES
from models.reporting import intake
from models.reporting.tables import Report
from tests.bot.conftest import Chat
from tests.bot.test_report import to_state


def receipt_code(text: str) -> str:
    return "".join(ch for ch in text.split("Receipt code:")[1].split("\n")[0] if ch.isdigit())


@pytest.fixture(autouse=True)
def no_background_retry(monkeypatch) -> None:
    """After a network failure the retry job waits an hour, so only the reporter's next act delivers."""
    monkeypatch.setattr("bot.receipt.NETWORK_RETRY_SECONDS", 3600.0)


def reports(rt) -> int:
    with rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(Report)) or 0


async def test_a_429_at_the_receipt_is_retried_after_retry_after(chat: Chat, bot_rt) -> None:
    await to_state(chat, 15)
    chat.rec.fail("sendMessage", "Receipt code", times=1, status=429, retry_after=1)
    answer = await chat.press("submit")
    assert len(chat.rec.refused) == 1  # Telegram refused it once ...
    receipts = [text for text in answer if "Receipt code" in text]
    assert len(receipts) == 1  # ... and the same step brought it
    assert intake.reporter_status(bot_rt, receipt_code(receipts[0])).registry_no
    assert chat.forgotten()


async def test_a_receipt_refused_beyond_the_retries_is_sent_by_the_job_after_retry_after(chat: Chat,
                                                                                           bot_rt) -> None:
    await to_state(chat, 15)
    chat.rec.fail("sendMessage", "Receipt code", times=RECEIPT_RETRIES + 1, status=429, retry_after=1)
    answer = await chat.press("submit")
    assert not any("Receipt code" in text for text in answer)
    assert len(chat.rec.refused) == RECEIPT_RETRIES + 1
    assert reports(bot_rt) == 1
    for _ in range(200):  # wait for the job (due after retry_after); not a timing assertion
        if "pending_receipt" not in chat.app.chat_data[chat.chat_id]:
            break
        await asyncio.sleep(0.05)
    delivered = [p["text"] for p in chat.rec.sent() if "Receipt code" in p["text"]]
    assert len(delivered) == 1 and intake.reporter_status(bot_rt, receipt_code(delivered[0]))


async def test_a_receipt_telegram_keeps_refusing_waits_in_memory_for_the_next_message(chat: Chat, bot_rt,
                                                                                       caplog) -> None:
    caplog.set_level("DEBUG")
    await to_state(chat, 15)
    chat.rec.fail("sendMessage", "Receipt code", times=1, status=429, retry_after=1)
    chat.rec.fail("sendMessage", "Receipt code", times=1, status=502)
    answer = await chat.press("submit")
    assert reports(bot_rt) == 1
    assert not any("Receipt code" in text for text in answer)
    assert not any("Nothing" in text or "nothing" in text for text in answer)
    pending = chat.app.chat_data[chat.chat_id]["pending_receipt"]
    assert "draft" not in chat.app.chat_data[chat.chat_id]  # the clue itself is already gone from memory
    # The reporter taps Submit again (what they did in the issue): they get the receipt, not a summary.
    again = await chat.tap(*chat.keyboard("submit"))
    assert "Receipt code" in again[0] and "Category" not in " ".join(again)
    assert receipt_code(again[0]) == pending["code"]
    assert intake.reporter_status(bot_rt, pending["code"]).registry_no == pending["registry_no"]
    assert chat.forgotten() and reports(bot_rt) == 1
    assert pending["code"] not in caplog.text


async def test_a_network_failure_at_the_receipt_then_the_retry_job_delivers(chat: Chat, bot_rt) -> None:
    await to_state(chat, 15)
    chat.rec.fail("sendMessage", "Receipt code", times=1, status=502)
    assert not any("Receipt code" in text for text in await chat.press("submit"))
    jobs = [j for j in chat.app.job_queue.jobs() if j.name == f"receipt:{chat.chat_id}"]
    assert jobs
    before = len(chat.rec.sent())
    await jobs[0].run(chat.app)
    assert any("Receipt code" in p["text"] for p in chat.rec.sent()[before:])
    assert chat.forgotten()


async def test_any_message_gets_the_pending_receipt_first(chat: Chat, bot_rt) -> None:
    await to_state(chat, 15)
    chat.rec.fail("sendMessage", "Receipt code", times=1, status=502)
    await chat.press("submit")
    answer = await chat.command("report")
    assert "Receipt code" in answer[0]
    assert "Choose a category" not in " ".join(answer)  # the command was a request for the receipt
    assert "Choose a category" in " ".join(await chat.command("report"))


async def test_error_after_the_report_is_stored_does_not_say_nothing_was_sent(chat: Chat, monkeypatch) -> None:
    async def broken(*_args, **_kwargs):
        raise RuntimeError("offer failed")

    await to_state(chat, 15)
    chat.rec.fail("sendMessage", "Receipt code", times=1, status=502)
    monkeypatch.setattr("bot.receipt.deliver_receipt", broken)
    answer = await chat.press("submit")
    assert any("Your report is stored" in text for text in answer)
    assert not any("Nothing has been sent" in text for text in answer)
