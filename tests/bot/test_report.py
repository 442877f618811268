"""/report driven through Application.process_update: every step, every cancel point, bad input."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from models.cases import casework
from models.reporting import intake
from models.reporting.tables import Attachment, Report
from tests.bot.conftest import Chat
from tests.public.helpers import PDF
from tests.reporting import samples


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


async def to_state(chat: Chat, steps: int) -> None:
    """Walk an anonymous report through its first ``steps`` steps."""
    acts = [
        lambda: chat.command("report"),
        lambda: chat.press("cat:village_bully"),
        lambda: chat.say("村主任带人强占集体土地。"),
        lambda: chat.press("done"),
        lambda: chat.say("张某\n某村委会\n主任\n某村"),
        lambda: chat.press("done"),
        lambda: chat.say("李某 | 某镇派出所 | 所长"),
        lambda: chat.press("done"),
        lambda: chat.say("某县某村"),
        lambda: chat.say("2026-10"),
        lambda: chat.send_file("photo", photo_bytes()),
        lambda: chat.press("done"),
        lambda: chat.press("anon"),
        lambda: chat.press("notify:no"),
        lambda: chat.press("accept"),
    ]
    for act in acts[:steps]:
        await act()


def count_reports(rt) -> int:
    with rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(Report)) or 0


async def test_anonymous_report_end_to_end_reaches_staff(chat, bot_rt, staff_rt, make_staff) -> None:
    await to_state(chat, 15)
    summary = chat.rec.sent()[-1]["text"]
    assert "Village bullies" in summary and "People reported: 1" in summary and "Files: 1" in summary
    assert "Anonymous" in summary
    answer = await chat.press("submit")
    assert "Registry number" in answer[0]
    digits = "".join(ch for ch in answer[0].split("Receipt code:")[1].split("\n")[0] if ch.isdigit())
    assert len(digits) == 16
    with bot_rt.stores.case() as session:
        report = session.scalars(select(Report)).one()
        assert (report.channel, report.confidential, report.identity_id) == ("telegram", False, None)
        assert session.scalar(select(func.count()).select_from(Attachment)) == 1
    clerk = make_staff("clerk", "intake")
    case = casework.open_case(staff_rt, clerk.id, report.id)
    assert case.clue["description"] == "村主任带人强占集体土地。"
    assert case.clue["reported"] == [{"name": "张某", "unit": "某村委会", "position": "主任", "place": "某村"}]
    assert case.clue["shielding"] == [{"name": "李某", "unit": "某镇派出所", "position": "所长"}]
    assert (case.clue["location"], case.clue["occurred_on"]) == ("某县某村", "2026-10")
    # The status works with the code the bot showed.
    assert intake.reporter_status(bot_rt, digits).registry_no == report.registry_no
    assert chat.forgotten()


async def test_skips_and_several_description_messages(chat, bot_rt, staff_rt, make_staff) -> None:
    await chat.command("report")
    await chat.press("cat:usury")
    await chat.say("第一段。")
    await chat.say("第二段。")
    for data in ("done", "skip", "skip", "skip", "skip", "skip", "anon", "notify:no", "accept", "submit"):
        await chat.press(data)
    clerk = make_staff("clerk", "intake")
    with bot_rt.stores.case() as session:
        report_id = session.scalars(select(Report.id)).one()
    clue = casework.open_case(staff_rt, clerk.id, report_id).clue
    assert clue["description"] == "第一段。\n\n第二段。"
    assert (clue["reported"], clue["shielding"], clue["location"]) == ([], [], "")


@pytest.mark.parametrize("steps", range(1, 16))
async def test_cancel_at_every_step_stores_nothing_and_forgets(chat, bot_rt, steps) -> None:
    await to_state(chat, steps)
    answer = await chat.command("cancel")
    assert any("Cancelled" in text for text in answer)
    assert chat.forgotten()
    assert count_reports(bot_rt) == 0
    # The conversation is over: plain text now gets the command list, not a report step.
    assert "/report" in (await chat.say("hello"))[0]


@pytest.mark.parametrize("button", ["cancel"])
@pytest.mark.parametrize("steps", [14, 15])
async def test_cancel_buttons_on_notice_and_summary(chat, bot_rt, steps, button) -> None:
    await to_state(chat, steps)
    assert any("Cancelled" in text for text in await chat.press(button))
    assert count_reports(bot_rt) == 0


async def test_notice_must_be_accepted(chat, bot_rt) -> None:
    await to_state(chat, 14)
    answer = await chat.say("ok")
    assert "not what I asked" in answer[0] and "诬告陷害" in answer[-1]
    assert chat.button_data() == ["accept", "cancel"]


@pytest.mark.parametrize(
    ("steps", "act", "expected"),
    [
        (1, lambda c: c.say("village"), "not what I asked"),
        (1, lambda c: c.forge("cat:nonsense"), "Choose a category"),
        (2, lambda c: c.press("done"), "Describe what happened"),
        (2, lambda c: c.feed(message=c._message(sticker={
            "file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
            "is_video": False, "type": "regular"})), "Stickers cannot"),
        (2, lambda c: c.say("x" * 20_001), "too long"),
        (2, lambda c: c.command("status"), "middle of a report"),
        (2, lambda c: c.send_file("photo", photo_bytes()), "evidence step"),
        (2, lambda c: c.say("转发的威胁短信", forward_origin={"type": "user", "date": 1, "sender_user": {
            "id": 99, "is_bot": False, "first_name": "Third"}}), "not who it came from"),
        (8, lambda c: c.say("x" * 201), "too long"),
        (11, lambda c: c.send_file("document", b"MZ\x90\x00" + b"\x00" * 300), "not accepted"),
        (11, lambda c: c.send_file("video", b"\x00" * 10, file_size=21 * 2**20), "larger than 20 MB"),
        (11, lambda c: c.say("a file"), "Send photos"),
        (12, lambda c: c.say("anonymous please"), "not what I asked"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_the_question_again(chat, bot_rt, steps, act, expected) -> None:
    await to_state(chat, steps)
    answer = " | ".join(await act(chat))
    assert expected in answer
    assert count_reports(bot_rt) == 0


async def test_edited_message_is_not_read(chat) -> None:
    await to_state(chat, 2)
    answer = await chat.feed(edited_message={**chat._message(text="changed"), "edit_date": 2})
    assert len(answer) == 1 and answer[0].startswith("I do not read edited messages")
    await chat.press("done")
    assert chat.draft()["description"] == []


async def test_too_many_files_are_refused(chat, bot_rt) -> None:
    await to_state(chat, 11)
    for _ in range(bot_rt.config.max_files - 1):
        await chat.send_file("photo", photo_bytes())
    answer = await chat.send_file("photo", photo_bytes())
    assert "At most 8 files" in answer[0]
    assert len(chat.draft()["files"]) == 8


async def test_voice_and_documents_are_accepted(chat) -> None:
    await to_state(chat, 10)
    assert "File received (1" in (await chat.send_file("voice", samples.media("ogg")))[0]
    assert "File received (2" in (await chat.send_file("document", PDF))[0]


async def test_timeout_wipes_the_draft(chat, bot_rt) -> None:
    await to_state(chat, 5)
    assert chat.draft()["description"]
    jobs = [j for j in chat.app.job_queue.jobs() if j.callback.__name__ == "_trigger_timeout"]
    before = len(chat.rec.sent())
    for job in jobs:
        await job.run(chat.app)
    assert any("timed out" in p["text"] for p in chat.rec.sent()[before:])
    assert chat.forgotten()
    assert "/report" in (await chat.say("more text"))[0]


async def test_stale_button_after_the_end(chat) -> None:
    await to_state(chat, 3)
    await chat.command("cancel")
    assert "no longer active" in (await chat.press("done"))[0]


async def test_chinese_is_the_default_language(chat) -> None:
    chat.app.user_data[chat.user["id"]].clear()
    answer = await chat.command("report")
    assert "/cancel" in answer[0] and "举报" in answer[0]


async def test_handler_failure_is_logged_without_content(chat, monkeypatch, caplog) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr("bot.report.submit_report", broken)
    caplog.set_level("DEBUG")
    await to_state(chat, 15)
    answer = await chat.press("submit")
    assert any("Something went wrong" in text for text in answer)
    assert "Please check your report" in answer[-1] and "submit" in chat.button_data()  # asked again
    failures = [r for r in caplog.records if r.getMessage().startswith("bot handler failed")]
    assert failures and failures[0].exc_info is not None
    assert "强占" not in caplog.text and "张某" not in caplog.text


async def test_flood_control_answers_once_then_drops(chat) -> None:
    answers = [await chat.say(f"hi {i}") for i in range(40)]
    flat = [text for answer in answers for text in answer]
    assert sum("too quickly" in text for text in flat) == 1
    assert answers[-1] == []
