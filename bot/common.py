"""What every conversation shares: the reporter's language, sending translated text, buttons.

Conversation data lives in ``context.chat_data`` in memory only (no persistence) and is wiped
on submit, cancel and timeout. Only the chosen language ("zh"/"en") is kept in ``user_data``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from models.store.errors import ClueGuardError, InvalidInput
from models.store.i18n import pick_locale, translate
from models.store.runtime import Runtime

Context = ContextTypes.DEFAULT_TYPE
END = ConversationHandler.END
# An unfinished conversation is forgotten after this long (its draft is wiped, R8).
CONVERSATION_TIMEOUT = timedelta(minutes=30)
DRAFT = "draft"
STATE = "state"
# Commands that work in any state; conversations leave them to their own handlers.
GLOBAL_COMMANDS = ("help", "language", "start")
GLOBAL_COMMAND_PATTERN = r"^/(help|language|start)(@\w+)?(\s|$)"


def runtime(context: Context) -> Runtime:
    return cast(Runtime, context.application.bot_data["rt"])


def runtime_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    return cast(Runtime, application.bot_data["rt"])


def locale(context: Context) -> str:
    return pick_locale((context.user_data or {}).get("lang"))


def t(context: Context, msgid: str, **params: object) -> str:
    """Translate a msgid into the reporter's language."""
    return translate(locale(context), msgid, **params)


def error_text(context: Context, err: ClueGuardError) -> str:
    """A workflow error in the reporter's language, with each field's problem on its own line."""
    lines = [t(context, err.message, **err.params)]
    if isinstance(err, InvalidInput):
        lines = [t(context, msg, **err.params) for msg in err.errors.values()] or lines
    return "\n".join(lines)


def buttons(context: Context, *rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (msgid, callback data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(context, label), callback_data=data)
                                  for label, data in row] for row in rows])


async def say(update: Update, context: Context, msgid: str, markup: Any = None,
              **params: object) -> Message:
    """Send a translated message into the chat the update came from."""
    chat = update.effective_chat
    if chat is None:  # pragma: no cover - every update we handle has a chat
        raise RuntimeError("update without a chat")
    return await context.bot.send_message(chat.id, t(context, msgid, **params), reply_markup=markup)


async def say_text(update: Update, context: Context, text: str, markup: Any = None) -> Message:
    """Send already translated text."""
    chat = update.effective_chat
    if chat is None:  # pragma: no cover
        raise RuntimeError("update without a chat")
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def answer_button(update: Update) -> str | None:
    """Acknowledge a button press (stops the spinner) and return its data."""
    query = update.callback_query
    if query is None:
        return None
    await query.answer()
    return query.data


def draft(context: Context) -> dict[str, Any]:
    data = cast(dict[str, Any], context.chat_data)
    return cast(dict[str, Any], data.setdefault(DRAFT, {}))


def go(context: Context, state: int) -> int:
    """Remember the state (to re-prompt after unexpected input) and return it."""
    draft(context)[STATE] = state
    return state


def wipe(context: Context) -> None:
    """Forget everything the conversation collected (submit, cancel, timeout)."""
    if context.chat_data is not None:
        context.chat_data.clear()


async def cancel(update: Update, context: Context) -> int:
    """/cancel: forget the draft and end the conversation."""
    wipe(context)
    await answer_button(update)
    await say(update, context, "Cancelled. Nothing was sent. Use /report to start again.",
              ReplyKeyboardRemove())
    return END


async def timed_out(update: Update, context: Context) -> int:
    """Conversation timeout: wipe the draft and say so."""
    wipe(context)
    await say(update, context, "This conversation timed out and what you entered was deleted. "
                               "Use /report, /status or /reply to start again.", ReplyKeyboardRemove())
    return END


def conversation_edges(unexpected: Any) -> tuple[list[BaseHandler[Any, Any, Any]], list[BaseHandler[Any, Any, Any]]]:
    """The timeout handlers and fallbacks every reporter conversation shares.

    /cancel ends it; anything a step does not expect (stickers, stray buttons) gets ``unexpected``,
    except global commands and edits, which other handlers take.
    """
    taken_elsewhere = filters.Regex(GLOBAL_COMMAND_PATTERN) | filters.UpdateType.EDITED
    on_timeout: list[BaseHandler[Any, Any, Any]] = [MessageHandler(filters.ALL, timed_out),
                                                   CallbackQueryHandler(timed_out)]
    fallbacks: list[BaseHandler[Any, Any, Any]] = [CommandHandler("cancel", cancel),
                                                  MessageHandler(~taken_elsewhere, unexpected),
                                                  CallbackQueryHandler(unexpected)]
    return on_timeout, fallbacks
