"""/report's states, the question each asks, and moving between them (shared by its handler modules)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.common import STATE, Context, draft, go, say
from bot.report_prompts import (
    prompt_category,
    prompt_confirm,
    prompt_description,
    prompt_details,
    prompt_files,
    prompt_identity,
    prompt_name,
    prompt_notice,
    prompt_notify,
    prompt_phone,
    prompt_place,
    prompt_reported,
    prompt_review,
    prompt_shielding,
    prompt_time,
)
from models.reporting.limits import TooLong

(CATEGORY, DESCRIPTION, REPORTED, DETAILS, SHIELDING, PLACE, TIME, FILES, IDENTITY, NAME, PHONE, NOTIFY,
 NOTICE, CONFIRM, REVIEW) = range(15)

PROMPTS: dict[int, Callable[[Update, Context], Awaitable[None]]] = {
    CATEGORY: prompt_category, DESCRIPTION: prompt_description, REPORTED: prompt_reported,
    DETAILS: prompt_details, SHIELDING: prompt_shielding, PLACE: prompt_place, TIME: prompt_time,
    FILES: prompt_files, IDENTITY: prompt_identity, NAME: prompt_name, PHONE: prompt_phone,
    NOTIFY: prompt_notify, NOTICE: prompt_notice, CONFIRM: prompt_confirm, REVIEW: prompt_review,
}


async def ask(update: Update, context: Context, state: int) -> int:
    """Move to a state and ask its question."""
    go(context, state)
    await PROMPTS[state](update, context)
    return state


async def resume(update: Update, context: Context) -> None:
    """Ask the current question again (after /language)."""
    await PROMPTS[draft(context).get(STATE, CATEGORY)](update, context)


def short_text(update: Update) -> str | None:
    message = update.effective_message
    return message.text.strip() if message is not None and message.text else None


async def too_long(update: Update, context: Context, problem: TooLong) -> None:
    """Say that the answer is over its limit (``models.reporting.limits``); the state asks again."""
    await say(update, context, "This is too long (at most %(n)s characters). Nothing was kept; please shorten "
                               "it and send it again.", n=problem.max)
