"""Issue 16, item 2: each keyboard belongs to one question; a second tap or an old button does nothing."""

from __future__ import annotations

import pytest

from tests.bot.conftest import Chat
from tests.bot.test_report import to_state

STALE = "no longer active"
# (steps walked by to_state, the payload its next act presses) for every step that is a tap.
TAP_STEPS = [(1, "cat:village_bully"), (3, "done"), (5, "done"), (7, "done"), (11, "done"), (12, "anon"),
             (13, "notify:no"), (14, "accept")]


def snapshot(chat: Chat) -> dict:
    d = chat.draft()
    return {k: (list(v) if isinstance(v, list) else v) for k, v in d.items()}


@pytest.mark.parametrize(("steps", "payload"), TAP_STEPS)
async def test_double_tap_counts_once(chat: Chat, steps: int, payload: str) -> None:
    await to_state(chat, steps)
    message_id, data = chat.keyboard(payload)
    await chat.tap(message_id, data)
    after_first = snapshot(chat)
    answer = await chat.tap(message_id, data)
    assert len(answer) == 1 and STALE in answer[0]
    assert snapshot(chat) == after_first
    # The used keyboard was taken off its message.
    assert ("editMessageReplyMarkup", {"chat_id": chat.chat_id, "message_id": message_id}) in [
        (name, {k: p[k] for k in ("chat_id", "message_id") if k in p}) for name, p in chat.rec.calls]


async def test_double_done_does_not_skip_who_you_report(chat: Chat) -> None:
    """The issue's case: two taps on one Done jumped past "Who are you reporting?"."""
    await to_state(chat, 3)
    message_id, data = chat.keyboard("done")
    assert "Who are you reporting" in (await chat.tap(message_id, data))[0]
    await chat.tap(message_id, data)
    assert "Where did it happen" not in " ".join(await chat.say("王某"))
    assert chat.draft()["reported"] == [{"name": "王某"}]


@pytest.mark.parametrize("steps", range(2, 16))
async def test_a_button_of_an_earlier_question_changes_nothing(chat: Chat, steps: int) -> None:
    await to_state(chat, steps)
    before = snapshot(chat)
    old_message, old_data = chat.keyboard("cat:usury")  # the very first question's keyboard
    answer = await chat.tap(old_message, old_data)
    assert len(answer) == 1 and STALE in answer[0]
    assert snapshot(chat) == before


async def test_old_skip_does_not_skip_the_time(chat: Chat) -> None:
    """The issue's case: an old Skip skipped both place and time."""
    await to_state(chat, 8)
    place_skip = chat.keyboard("skip")
    await chat.tap(*place_skip)  # PLACE skipped: now TIME
    assert STALE in (await chat.tap(*place_skip))[0]
    assert "When did it happen" in chat.rec.sent()[-2]["text"]
    assert "Send photos" in (await chat.say("2026-10"))[0]
    assert chat.draft()["time"] == "2026-10"


async def test_current_nonce_on_another_message_is_refused(chat: Chat) -> None:
    await to_state(chat, 3)
    _message_id, data = chat.keyboard("done")
    old_message, _ = chat.keyboard("cat:usury")
    assert STALE in (await chat.tap(old_message, data))[0]
    assert "description" in chat.draft() and chat.draft()["description"] == ["村主任带人强占集体土地。"]


async def test_a_new_keyboard_for_the_same_question_retires_the_old(chat: Chat) -> None:
    await to_state(chat, 3)
    first_done = chat.keyboard("done")
    await chat.say("第二段。")  # "Added … press Done" comes with a fresh keyboard
    assert chat.keyboard("done") != first_done
    assert STALE in (await chat.tap(*first_done))[0]
    assert "Who are you reporting" in (await chat.press("done"))[0]


async def test_buttons_of_a_finished_report_are_stale(chat: Chat) -> None:
    await to_state(chat, 15)
    summary = chat.keyboard("submit")
    await chat.tap(*summary)
    assert STALE in (await chat.tap(*summary))[0]
    assert STALE in (await chat.tap(*chat.keyboard("cancel")))[0]


@pytest.mark.parametrize("payload", ["del", "close"])
async def test_status_buttons_count_once(chat: Chat, payload: str) -> None:
    from tests.bot.test_followup import report_via_bot

    _report_id, code = await report_via_bot(chat)
    await chat.command("status")
    await chat.say(code)
    button = chat.keyboard(payload)
    await chat.tap(*button)
    assert STALE in (await chat.tap(*button))[0]


async def test_another_chats_button_does_nothing_here(chat: Chat) -> None:
    """The insider's shortcut: replaying one chat's callback data from another chat."""
    await to_state(chat, 3)
    done = chat.keyboard("done")
    victim, before = chat.chat_id, snapshot(chat)
    chat.chat_id = chat.user["id"] = 7100  # a new account: Chinese, the default
    assert "已失效" in (await chat.tap(*done))[0]
    chat.chat_id = chat.user["id"] = victim
    assert snapshot(chat) == before
