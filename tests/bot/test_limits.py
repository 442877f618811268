"""The bot refuses every over-long answer with the limit, asks for it again and stores nothing; it
follows the one rule in ``models.reporting.limits`` when it changes (issue 23)."""

from __future__ import annotations

import re

import pytest

from models.reporting import limits
from tests.bot.conftest import Chat
from tests.bot.test_report import to_state
from tests.reporting.limits_cases import OVER_LONG, counts, over_long, refusal

# Where the bot asks for each field: the steps of ``to_state`` before it, the buttons to press, and
# the message that carries it (the person's other parts within their limits).
STEPS: dict[str, tuple[int, tuple[str, ...], str]] = {
    "description": (2, (), "{}"),
    "location": (8, (), "{}"),
    "reported-0-name": (4, (), "{}"),
    "reported-0-unit": (4, (), "张某\n{}"),
    "shielding-0-position": (6, (), "李某|某镇派出所|{}"),
    "identity-name": (12, ("conf",), "{}"),
    "identity-phone": (12, ("conf", "skip"), "{}"),
}


async def answer_with(chat: Chat, field: str, text: str) -> str:
    steps, presses, message = STEPS[field]
    await to_state(chat, steps)
    for button in presses:
        await chat.press(button)
    return " | ".join(await chat.say(message.format(text)))


def test_the_table_is_the_shared_one() -> None:
    assert set(STEPS) == set(OVER_LONG)


@pytest.mark.parametrize("field", OVER_LONG)
async def test_the_bot_refuses_an_over_long_answer_and_asks_again(chat, bot_rt, field) -> None:
    max_chars = bot_rt.config.max_text_chars
    answer = await answer_with(chat, field, over_long(field, max_chars))
    assert f"at most {refusal(field, max_chars)['max']}" in answer
    assert re.search(r"(Nothing was|was not) (added|kept)", answer), answer
    state = chat.draft()
    assert all(over_long(field, max_chars) not in str(value) for value in state.values())
    assert counts(bot_rt) == (0, 0)


@pytest.mark.parametrize("field", ["location", "reported-0-unit", "identity-phone"])
async def test_the_bot_follows_the_limit_in_the_models(monkeypatch, chat, bot_rt, field) -> None:
    monkeypatch.setattr(limits, "MAX_FIELD", 12)
    answer = await answer_with(chat, field, "字" * 13)
    assert "at most 12 characters" in answer
    assert counts(bot_rt) == (0, 0)
