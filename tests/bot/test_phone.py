"""Issue 16, items 5–8: language switch, the Telegram warning, deleting the report's messages, floods."""

from __future__ import annotations

import dataclasses

import pytest
from telegram.ext import AIORateLimiter

from bot.app import build_application
from tests.bot.conftest import Chat, RecordingRequest
from tests.bot.test_report import to_state

# (steps, a fragment of the question that state asks, in Chinese)
QUESTIONS_ZH = [(1, "类别"), (3, "描述"), (4, "您举报的是谁"), (11, "证据"), (12, "匿名"), (14, "诬告陷害")]


@pytest.mark.parametrize(("steps", "question"), QUESTIONS_ZH)
async def test_language_mid_report_resumes_the_same_question(chat: Chat, steps: int, question: str) -> None:
    await to_state(chat, steps)
    before = chat.draft()
    await chat.command("language")
    answer = await chat.press("lang:zh")
    assert answer[0] == "语言已切换。请回答刚才的问题：" and len(answer) == 2
    assert question in answer[1]
    assert chat.draft() == before


async def test_language_buttons_count_once(chat: Chat) -> None:
    await chat.command("language")
    button = chat.keyboard("lang:zh")
    await chat.tap(*button)
    assert "已失效" in (await chat.tap(*button))[0]


async def test_report_without_start_shows_the_telegram_warning_with_both_addresses(bot_rt) -> None:
    cfg = bot_rt.config.with_changes(public_url="https://jubao.example.org",
                                     onion_url="http://jubaoexample2xyz.onion")
    rec = RecordingRequest()
    app = build_application(dataclasses.replace(bot_rt, config=cfg), request=rec, updates_request=rec,
                            poll_seconds=None)
    async with app:
        await app.start()
        chat = Chat(app, rec)
        answer = " ".join(await chat.command("report"))
        await app.stop()
    assert "Telegram" in answer and "https://jubao.example.org" in answer
    assert "http://jubaoexample2xyz.onion" in answer


async def test_start_shows_the_warning_too(chat: Chat) -> None:
    assert any("Telegram itself knows" in p["text"] for p in chat.rec.sent())


async def test_after_the_receipt_the_report_can_be_deleted_from_the_chat(chat: Chat) -> None:
    await chat.command("report")
    report_command = chat.message_id
    await chat.press("cat:usury")
    await chat.say("高利贷逼债。")
    description_message = chat.message_id
    for payload in ("done", "skip", "skip", "skip", "skip", "skip", "conf"):
        await chat.press(payload)
    await chat.say("王五")
    name_message = chat.message_id
    await chat.say("13800000000")
    phone_message = chat.message_id
    for payload in ("notify:no", "accept"):
        await chat.press(payload)
    summary_id = chat.rec.sent()[-1]["_message_id"]
    answer = await chat.press("submit")
    if "custodians" in answer[0]:  # no ceremony here: go anonymous instead
        await chat.press("anon")
        await chat.press("notify:no")
        await chat.press("accept")
        answer = await chat.press("submit")
    receipt_id = next(p["_message_id"] for p in chat.rec.sent() if "Receipt code" in p["text"])
    assert "delete from this chat" in answer[-1]
    answer = await chat.press("cleanup:yes")
    deleted = [i for name, p in chat.rec.calls if name == "deleteMessages" for i in p["message_ids"]]
    for message_id in (report_command, description_message, name_message, phone_message, summary_id, receipt_id):
        assert message_id in deleted
    assert "Deleted" in answer[0]
    assert "no longer active" in (await chat.press("cleanup:no"))[0]


async def test_keeping_the_messages_deletes_nothing(chat: Chat) -> None:
    await to_state(chat, 15)
    await chat.press("submit")
    assert "Kept" in (await chat.press("cleanup:no"))[0]
    assert not [c for c in chat.rec.calls if c[0].startswith("deleteMessage")]


async def test_sending_goes_through_the_rate_limiter(chat: Chat) -> None:
    assert isinstance(chat.app.bot.rate_limiter, AIORateLimiter)


async def test_flood_is_answered_once_saying_what_was_kept(chat: Chat) -> None:
    await to_state(chat, 2)
    sent_ids, answers = [], []
    for i in range(40):
        answers.append(await chat.say(f"第{i}段。"))
        sent_ids.append(chat.message_id)
    flat = [p for answer in answers for p in answer]
    warnings = [p for p in chat.rec.sent() if "too quickly" in p["text"]]
    assert len(warnings) == 1 and sum("too quickly" in text for text in flat) == 1
    kept = list(chat.draft()["description"])
    first_dropped = sent_ids[len(kept)]
    # The warning answers the first message it did not read: everything before it was kept.
    assert warnings[0]["reply_parameters"]["message_id"] == first_dropped
    assert kept == [f"第{i}段。" for i in range(len(kept))]
    # A minute later the flood is over: the reporter hears how many were not read.
    bucket = chat.app.bot_data["flood"].bucket(chat.chat_id)
    bucket.at -= 60
    answer = await chat.say("继续。")
    assert f"{40 - len(kept)} of your messages were not read" in answer[0]


async def test_the_cleanup_offer_works_during_a_new_report(chat: Chat) -> None:
    await to_state(chat, 15)
    await chat.press("submit")
    offer = chat.keyboard("cleanup:yes")
    await chat.command("report")
    await chat.press("cat:usury")
    answer = await chat.tap(*offer)
    assert "Deleted" in answer[0]
    assert chat.draft()["category"] == "usury"  # the new report goes on


async def test_a_late_cleanup_says_what_telegram_skips(chat: Chat) -> None:
    await to_state(chat, 15)
    await chat.press("submit")
    chat.app.chat_data[chat.chat_id]["cleanup"]["since"] -= 49 * 3600  # the report began two days ago
    assert "older than 48 hours" in (await chat.press("cleanup:yes"))[0]
