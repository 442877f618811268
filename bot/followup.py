"""/status and /reply as one conversation: look with the receipt code, then answer without typing it again.

See followup.mmd. One ConversationHandler holds both, so /reply right after /status (or its
Answer button) goes straight to the answer, and /status or /reply can start over at any step.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot import reply, status
from bot.common import (
    CONV,
    CONVERSATION_TIMEOUT,
    GLOBAL_COMMAND_PATTERN,
    Context,
    cancel,
    draft,
    timed_out,
)


async def cancel_here(update: Update, context: Context) -> int:
    """/cancel: forget the code and what was written."""
    conv = draft(context).get(CONV)
    return await cancel(update, context, reply.CANCELLED if conv == "reply" else status.CANCELLED)


async def unexpected(update: Update, context: Context) -> None:
    """Anything a step does not take: say what this step expects."""
    if draft(context).get(CONV) == "reply":
        await reply.unexpected(update, context)
    else:
        await status.unexpected(update, context)


def followup_conversation() -> ConversationHandler:
    """The /status and /reply conversation."""
    taken_elsewhere = filters.Regex(GLOBAL_COMMAND_PATTERN) | filters.UpdateType.EDITED
    states: dict[object, list[Any]] = {**status.status_states(reply.answer_from_status), **reply.reply_states(),
                                       ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out),
                                                                     CallbackQueryHandler(timed_out)]}
    return ConversationHandler(
        name="followup",
        entry_points=[CommandHandler("status", status.ask_receipt), CommandHandler("reply", reply.ask_receipt)],
        states=states,
        fallbacks=[CommandHandler("cancel", cancel_here), CommandHandler("status", status.ask_receipt),
                   CommandHandler("reply", reply.ask_receipt),
                   MessageHandler(~taken_elsewhere, unexpected), CallbackQueryHandler(unexpected)],
        conversation_timeout=CONVERSATION_TIMEOUT,
    )
