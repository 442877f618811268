"""/status, /reply and the reply notices, through process_update and the staff workflow."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.notify import open_chat, send_reply_notices
from models.cases import casework
from models.reporting import intake
from models.reporting.notifications import ReplySubscription
from models.reporting.tables import Report
from tests.bot.conftest import Chat
from tests.bot.test_report import to_state
from tests.conftest import submission


async def report_via_bot(chat: Chat, notify: bool = False) -> tuple[str, str]:
    """Submit a report through the bot; returns (report id, receipt code)."""
    await to_state(chat, 13)
    await chat.press("notify:yes" if notify else "notify:no")
    await chat.press("accept")
    answer = await chat.press("submit")
    code = "".join(ch for ch in answer[0].split("Receipt code:")[1].split("\n")[0] if ch.isdigit())
    with chat.app.bot_data["rt"].stores.case() as session:
        report_id = session.scalars(select(Report.id)).one()
    return report_id, code


async def test_status_shows_state_and_staff_replies_and_deletes_the_code(chat, staff_rt, make_staff) -> None:
    report_id, code = await report_via_bot(chat)
    clerk = make_staff("clerk", "intake")
    casework.reply_to_reporter(staff_rt, clerk.id, report_id, "请补充具体时间。")
    await chat.command("status")
    answer = await chat.say(code)
    code_message_id = chat.message_id
    assert "Received" in answer[0]
    assert "Staff" in answer[1] and "请补充具体时间。" in answer[1]
    assert chat.button_data() == ["answer", "del", "notify", "stop", "close"]
    await chat.press("del")
    assert ("deleteMessage", {"chat_id": chat.chat_id, "message_id": code_message_id}) in chat.rec.calls
    assert "Done" in (await chat.press("close"))[0]
    assert chat.forgotten()


@pytest.mark.parametrize("wrong", ["1234", "0000 0000 0000 0000", "abc"])
async def test_wrong_receipt_gets_one_answer(chat, wrong) -> None:
    await report_via_bot(chat)
    await chat.command("status")
    answer = await chat.say(wrong)
    assert answer == [intake.ReceiptNotFound.message]


async def test_receipt_attempts_are_rate_limited(chat) -> None:
    await chat.command("status")
    answers = [(await chat.say("1111 2222 3333 4444"))[0] for _ in range(6)]
    assert answers[-1].startswith("Too many attempts")
    assert all(a == intake.ReceiptNotFound.message for a in answers[:5])


async def test_reply_reaches_staff(chat, staff_rt, make_staff) -> None:
    report_id, code = await report_via_bot(chat)
    await chat.command("reply")
    await chat.say(code)
    await chat.say("时间是十月三日晚上。")
    answer = await chat.press("send")
    assert "Sent" in answer[0]
    clerk = make_staff("clerk", "intake")
    case = casework.open_case(staff_rt, clerk.id, report_id)
    assert [(m.direction, m.text) for m in case.messages] == [("reporter", "时间是十月三日晚上。")]
    assert chat.forgotten()


async def test_empty_reply_is_refused_and_cancel_forgets_the_code(chat, bot_rt) -> None:
    _report_id, code = await report_via_bot(chat)
    await chat.command("reply")
    await chat.say(code)
    assert "Write a message" in (await chat.press("send"))[0]
    assert chat.draft()["code"] == code
    await chat.command("cancel")
    assert chat.forgotten()


async def test_reply_notice_is_sent_once_and_ends_when_the_case_closes(chat, bot_rt, staff_rt,
                                                                        make_staff) -> None:
    report_id, _code = await report_via_bot(chat, notify=True)
    with bot_rt.stores.case() as session:
        sub = session.scalars(select(ReplySubscription)).one()
        # The stored address is sealed: the chat id is not in it in any form.
        assert str(chat.chat_id).encode() not in sub.sealed_address
        assert chat.chat_id.to_bytes(8, "big") not in sub.sealed_address
    assert open_chat(bot_rt, report_id, sub.sealed_address) == (chat.chat_id, "en")
    assert await send_reply_notices(chat.app) == 0
    clerk = make_staff("clerk", "intake")
    casework.reply_to_reporter(staff_rt, clerk.id, report_id, "已收到。")
    before = len(chat.rec.sent())
    assert await send_reply_notices(chat.app) == 1
    notice = chat.rec.sent()[before]
    assert notice["chat_id"] == chat.chat_id and "/status" in notice["text"] and "已收到" not in notice["text"]
    assert await send_reply_notices(chat.app) == 0
    with staff_rt.stores.case() as session:
        session.get(Report, report_id).state = "closed"
    assert await send_reply_notices(chat.app) == 0
    with bot_rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ReplySubscription)) == 0


async def test_no_notice_without_opt_in(chat, bot_rt) -> None:
    await report_via_bot(chat, notify=False)
    with bot_rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ReplySubscription)) == 0


async def test_subscribe_from_status(chat, bot_rt) -> None:
    receipt = intake.submit_report(bot_rt, submission())
    await chat.command("status")
    await chat.say(receipt.code)
    assert "tell you here" in (await chat.press("notify"))[0]
    with bot_rt.stores.case() as session:
        assert session.scalars(select(ReplySubscription.report_id)).one() == receipt.report_id


async def test_notice_key_from_elsewhere_ends_the_subscription(chat, bot_rt, staff_rt, make_staff) -> None:
    report_id, _code = await report_via_bot(chat, notify=True)
    (bot_rt.config.keys_dir / "telegram-notify.key").unlink()  # the bot's key was replaced
    clerk = make_staff("clerk", "intake")
    casework.reply_to_reporter(staff_rt, clerk.id, report_id, "你好")
    assert await send_reply_notices(chat.app) == 0
    with bot_rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(ReplySubscription)) == 0


async def test_status_in_the_bot_tells_the_reporter_of_a_disclosure(chat, bot_rt, staff_rt, make_staff,
                                                                   custodians) -> None:
    """R10: once an identity is opened, the reporter learns it in the bot too (a sealed staff message)."""
    from models.protection import disclosure, unseal
    from models.staff.accounts import find_staff

    receipt = intake.submit_report(bot_rt, submission(identity={"name": "王五", "phone": "13800000000"}))
    officer = make_staff("officer", "protection_officer")
    request_id = unseal.request_unseal(staff_rt, officer.id, receipt.report_id, "评估报复风险", "reporter_at_risk")
    for name in list(custodians)[:2]:
        unseal.approve_unseal(staff_rt, find_staff(staff_rt, name).id, request_id, custodians[name])
    disclosure.open_unsealed_identity(staff_rt, officer.id, request_id, officer.password)
    await chat.command("status")
    answer = await chat.say(receipt.code)
    thread = "\n".join(answer)
    # The notice is in Chinese only, with a next step and 110 (issue #27 item 1).
    assert "向举报人保护部门披露" in thread and "110" in thread
    assert "王五" not in thread and "评估报复风险" not in thread
