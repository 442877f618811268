"""Issue 16, items 3–5 and the survey: one notice subscription per report per chat, stopping them,
times in the site's zone, full-width receipt digits, and the follow-up survey answered with buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.notify import send_reply_notices
from models.cases import casework
from models.cases.survey import run_monthly_survey
from models.cases.tables import Survey
from models.reporting.notifications import ReplySubscription
from models.reporting.tables import Message, Report
from tests.bot.conftest import Chat
from tests.bot.test_followup import report_via_bot


def subscriptions(rt) -> int:
    with rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(ReplySubscription)) or 0


async def test_opting_in_twice_stores_one_subscription_and_sends_one_notice(chat: Chat, bot_rt, staff_rt,
                                                                            make_staff) -> None:
    report_id, code = await report_via_bot(chat, notify=True)
    await chat.command("status")
    await chat.say(code)
    assert "already getting notices" in (await chat.press("notify"))[0]
    assert subscriptions(bot_rt) == 1
    casework.reply_to_reporter(staff_rt, make_staff("clerk", "intake").id, report_id, "已收到。")
    assert await send_reply_notices(chat.app) == 1
    assert "/stopnotices" in chat.rec.sent()[-1]["text"]


async def test_a_second_chat_gets_its_own_subscription(chat: Chat, bot_rt) -> None:
    _report_id, code = await report_via_bot(chat, notify=True)
    chat.chat_id = chat.user["id"] = 7002  # another account: its language is the default, Chinese
    await chat.command("status")
    await chat.say(code)
    assert "提醒您" in (await chat.press("notify"))[0]
    assert subscriptions(bot_rt) == 2


async def test_stop_from_status_ends_only_this_chats_subscription(chat: Chat, bot_rt) -> None:
    _report_id, code = await report_via_bot(chat, notify=True)
    await chat.command("status")
    await chat.say(code)
    assert "Notices stopped" in (await chat.press("stop"))[0]
    assert subscriptions(bot_rt) == 0
    assert "was not getting notices" in (await chat.press("stop"))[0]


async def test_stopnotices_needs_no_receipt_and_works_anywhere(chat: Chat, bot_rt, staff_rt, make_staff) -> None:
    report_id, _code = await report_via_bot(chat, notify=True)
    await chat.command("report")
    await chat.press("cat:usury")
    answer = await chat.command("stopnotices")
    assert "Notices stopped for 1 reports" in answer[0]
    assert "draft" in chat.app.chat_data[chat.chat_id]  # the report in progress goes on
    assert subscriptions(bot_rt) == 0
    casework.reply_to_reporter(staff_rt, make_staff("clerk", "intake").id, report_id, "你好")
    assert await send_reply_notices(chat.app) == 0
    assert "not getting any notices" in (await chat.command("stopnotices"))[0]


async def test_staff_reply_times_are_shown_in_the_sites_time_zone(chat: Chat, bot_rt, staff_rt,
                                                                  make_staff) -> None:
    report_id, code = await report_via_bot(chat)
    casework.reply_to_reporter(staff_rt, make_staff("clerk", "intake").id, report_id, "请补充。")
    with staff_rt.stores.case() as session:
        message = session.scalars(select(Message).where(Message.report_id == report_id)).one()
        message.created_at = datetime(2026, 11, 30, 8, 26, tzinfo=UTC)
    await chat.command("status")
    answer = await chat.say(code)
    assert bot_rt.config.timezone == "Asia/Shanghai"
    assert "(2026-11-30 16:26)" in answer[1] and "08:26" not in answer[1]
    assert datetime(2026, 11, 30, 8, 26, tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).hour == 16


async def test_full_width_receipt_digits_are_read(chat: Chat) -> None:
    _report_id, code = await report_via_bot(chat)
    full_width = " ".join("".join(chr(ord(c) + 0xFEE0) for c in code[i:i + 4]) for i in range(0, 16, 4))
    await chat.command("status")
    assert "Received" in (await chat.say(full_width))[0]
    await chat.command("reply")
    await chat.say(full_width)
    await chat.say("补充。")
    assert "Sent" in (await chat.press("send"))[0]


async def test_the_survey_is_answered_with_buttons_once(chat: Chat, bot_rt, staff_rt) -> None:
    report_id, code = await report_via_bot(chat)
    with staff_rt.stores.case() as session:
        session.get(Report, report_id).state = "closed"
    assert run_monthly_survey(staff_rt, "2026-11", 1) == [report_id]
    await chat.command("status")
    await chat.say(code)
    assert {"survey:satisfied", "survey:basically", "survey:dissatisfied"} <= set(chat.button_data())
    satisfied = chat.keyboard("survey:satisfied")
    assert "Thank you for your answer" in (await chat.tap(*satisfied))[0]
    assert "survey:dissatisfied" not in chat.button_data()
    assert "no longer active" in (await chat.tap(*satisfied))[0]
    with staff_rt.stores.case() as session:
        assert session.scalars(select(Survey.satisfaction)).one() == "satisfied"


async def test_no_survey_buttons_without_a_survey(chat: Chat) -> None:
    _report_id, code = await report_via_bot(chat)
    await chat.command("status")
    await chat.say(code)
    assert not [b for b in chat.button_data() if b.startswith("survey:")]


async def test_reply_right_after_status_needs_no_second_code(chat: Chat, staff_rt, make_staff) -> None:
    report_id, code = await report_via_bot(chat)
    await chat.command("status")
    await chat.say(code)
    assert "Write your answer" in (await chat.command("reply"))[0]
    await chat.say("补充时间。")
    assert "Sent" in (await chat.press("send"))[0]
    await chat.command("status")
    await chat.say(code)
    assert "Write your answer" in (await chat.press("answer"))[0]
    await chat.say("再补充。")
    await chat.press("send")
    case = casework.open_case(staff_rt, make_staff("clerk", "intake").id, report_id)
    assert [m.text for m in case.messages] == ["补充时间。", "再补充。"]
