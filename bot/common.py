"""What every conversation shares: the reporter's language, translated sending, bound keyboards.

Conversation data lives in ``context.chat_data`` in memory only (no persistence) and is wiped
on submit, cancel and timeout. Only the chosen language ("zh"/"en") is kept in ``user_data``.

Every inline keyboard belongs to one question: its callback data carries a random nonce that
``bot.buttons.button_guard`` checks against the live keyboards of the chat (and the message the
tap came from) before any conversation sees the tap; a keyboard is used once.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
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
from models.store.i18n import N_, pick_locale, translate
from models.store.runtime import Runtime

Context = ContextTypes.DEFAULT_TYPE
END = ConversationHandler.END
# An unfinished conversation is forgotten after this long (its draft is wiped, R8).
CONVERSATION_TIMEOUT = timedelta(minutes=30)
DRAFT = "draft"
STATE = "state"
CONV = "conv"
KEYBOARDS = "keyboards"  # nonce -> message id of every live keyboard
SLOTS = "slots"  # slot ("q" the current question, "lang", "cleanup") -> nonce
TRAIL = "trail"  # message ids of the current /report, both ways, for deleting them afterwards
PENDING_RECEIPT = "pending_receipt"
CLEANUP = "cleanup"  # message ids of a submitted report, and the slot of the offer to delete them
GLOBAL_COMMAND_PATTERN = r"^/(help|language|start|stopnotices)(@\w+)?(\s|$)"
NONCE_LEN = 8
NONCE_PATTERN = rf"^[0-9a-f]{{{NONCE_LEN}}}\|"


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


def data_pattern(pattern: str) -> str:
    """A CallbackQueryHandler pattern for a button payload behind its keyboard's nonce."""
    return NONCE_PATTERN + pattern.removeprefix("^")


def chat_store(context: Context) -> dict[str, Any]:
    return cast(dict[str, Any], context.chat_data)


class Keyboard:
    """An inline keyboard about to be sent: its rows and the nonce that binds it to one question."""

    def __init__(self, context: Context, rows: tuple[list[tuple[str, str]], ...], slot: str,
                 translate_labels: bool = True) -> None:
        self.slot, self.nonce = slot, secrets.token_hex(NONCE_LEN // 2)
        self.markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            t(context, label) if translate_labels else label, callback_data=f"{self.nonce}|{data}")
            for label, data in row] for row in rows])


def buttons(context: Context, *rows: list[tuple[str, str]], slot: str = "q",
            translate_labels: bool = True) -> Keyboard:
    """An inline keyboard from rows of (msgid, payload), bound to ``slot`` once sent."""
    return Keyboard(context, rows, slot, translate_labels)


async def _send(update: Update, context: Context, text: str, markup: Any = None,
                reply_to: int | None = None) -> Message:
    chat = update.effective_chat
    if chat is None:  # pragma: no cover - every update we handle has a chat
        raise RuntimeError("update without a chat")
    keyboard = markup if isinstance(markup, Keyboard) else None
    if keyboard is not None:
        await retire_slot(context, chat.id, keyboard.slot)
    sent = await context.bot.send_message(chat.id, text, reply_to_message_id=reply_to,
                                          reply_markup=keyboard.markup if keyboard else markup)
    store = chat_store(context)
    if keyboard is not None:
        store.setdefault(KEYBOARDS, {})[keyboard.nonce] = sent.message_id
        store.setdefault(SLOTS, {})[keyboard.slot] = keyboard.nonce
    if isinstance(store.get(TRAIL), list):
        store[TRAIL].append(sent.message_id)
    return sent


async def say(update: Update, context: Context, msgid: str, markup: Any = None,
              **params: object) -> Message:
    """Send a translated message into the chat the update came from."""
    return await _send(update, context, t(context, msgid, **params), markup)


async def say_text(update: Update, context: Context, text: str, markup: Any = None,
                   reply_to: int | None = None) -> Message:
    """Send already translated text."""
    return await _send(update, context, text, markup, reply_to)


async def retire_slot(context: Context, chat_id: int, slot: str) -> None:
    """The slot's keyboard no longer answers anything: forget its nonce and take the buttons away."""
    store = chat_store(context)
    nonce = store.get(SLOTS, {}).pop(slot, None)
    message_id = store.get(KEYBOARDS, {}).pop(nonce, None) if nonce else None
    if message_id is not None:
        await remove_keyboard(context, chat_id, message_id)


async def remove_keyboard(context: Context, chat_id: int, message_id: int) -> None:
    # Too old or already gone: the nonce check refuses its buttons all the same.
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def answer_button(update: Update) -> str | None:
    """The payload of a button press (already checked and acknowledged by the button guard)."""
    query = update.callback_query
    if query is None or query.data is None:
        return None
    return query.data.split("|", 1)[-1]


def draft(context: Context) -> dict[str, Any]:
    return cast(dict[str, Any], chat_store(context).setdefault(DRAFT, {}))


def go(context: Context, state: int, conv: str = "report") -> int:
    """Remember the state (to re-ask after unexpected input or a language change) and return it."""
    d = draft(context)
    d[STATE], d[CONV] = state, conv
    return state


def wipe(context: Context) -> None:
    """Forget everything the conversation collected (submit, cancel, timeout).

    Kept: a receipt not yet delivered (the report is stored and the reporter must still get its
    code, bot/receipt.py) and the offer to delete a submitted report's messages (bot/cleanup.py),
    message ids only, which stays good while the reporter looks at /status.
    """
    store = chat_store(context)
    if store is None:
        return
    kept = {key: store[key] for key in (PENDING_RECEIPT, CLEANUP) if key in store}
    cleanup_nonce = store.get(SLOTS, {}).get(CLEANUP)
    cleanup_keyboard = store.get(KEYBOARDS, {}).get(cleanup_nonce) if cleanup_nonce else None
    store.clear()
    store.update(kept)
    if cleanup_nonce and cleanup_keyboard is not None:
        store[KEYBOARDS] = {cleanup_nonce: cleanup_keyboard}
        store[SLOTS] = {CLEANUP: cleanup_nonce}


CANCELLED = N_("Cancelled. Nothing was sent. Use /report to start again.")


async def cancel(update: Update, context: Context, msgid: str = CANCELLED) -> int:
    """/cancel: forget the draft and end the conversation."""
    wipe(context)
    await say(update, context, msgid, ReplyKeyboardRemove())
    return END


async def timed_out(update: Update, context: Context) -> int:
    """Conversation timeout: wipe the draft and say so."""
    wipe(context)
    await say(update, context, "This conversation timed out and what you entered was deleted. "
                               "Use /report, /status or /reply to start again.", ReplyKeyboardRemove())
    return END


def conversation_edges(unexpected: Any, cancelled: str = CANCELLED) -> tuple[
        list[BaseHandler[Any, Any, Any]], list[BaseHandler[Any, Any, Any]]]:
    """The timeout handlers and fallbacks every reporter conversation shares.

    /cancel ends it; anything a step does not expect (stickers, stray buttons) gets ``unexpected``,
    except global commands and edits, which other handlers take.
    """
    async def cancel_here(update: Update, context: Context) -> int:
        return await cancel(update, context, cancelled)

    taken_elsewhere = filters.Regex(GLOBAL_COMMAND_PATTERN) | filters.UpdateType.EDITED
    on_timeout: list[BaseHandler[Any, Any, Any]] = [MessageHandler(filters.ALL, timed_out),
                                                   CallbackQueryHandler(timed_out)]
    fallbacks: list[BaseHandler[Any, Any, Any]] = [CommandHandler("cancel", cancel_here),
                                                  MessageHandler(~taken_elsewhere, unexpected),
                                                  CallbackQueryHandler(unexpected)]
    return on_timeout, fallbacks
