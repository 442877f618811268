"""Less left on the phone: after the receipt, offer to delete the report's messages from the chat.

The ids of every message of the /report conversation (the reporter's, with the clue, names and
phone, and the bot's, with the summary) and of the receipt are kept in memory; one button deletes
them all. The Bot API lets a bot delete both sides of a private chat, up to 48 hours back and
100 messages a call; what it cannot delete is said.
"""

from __future__ import annotations

import secrets
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.common import CLEANUP, KEYBOARDS, SLOTS, Context, answer_button, chat_store, say
from models.store.i18n import translate

CHUNK = 100  # deleteMessages takes at most 100 ids
DELETABLE_SECONDS = 48 * 3600  # the Bot API deletes nothing older; deleteMessages skips it silently


async def offer_cleanup(context: Context, chat_id: int, message_ids: list[int], lang: str,
                        since: float | None = None) -> None:
    """Ask whether to delete this report's messages (sent from jobs too, so no Update needed)."""
    nonce = secrets.token_hex(4)
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(translate(lang, "Delete them now"), callback_data=f"{nonce}|cleanup:yes")],
        [InlineKeyboardButton(translate(lang, "Keep them"), callback_data=f"{nonce}|cleanup:no")]])
    sent = await context.bot.send_message(chat_id, translate(
        lang, "When you have written the receipt code down, I can delete from this chat the messages of this "
              "report: what you wrote (the clue, names, phone), the files, the summary and the receipt. "
              "Telegram lets me do this for 48 hours."), reply_markup=markup)
    store = chat_store(context)
    store.setdefault(KEYBOARDS, {})[nonce] = sent.message_id
    store.setdefault(SLOTS, {})[CLEANUP] = nonce
    # Ids and when the report began, nothing else: enough to delete, nothing to read.
    store[CLEANUP] = {"ids": [*message_ids, sent.message_id], "since": since or time.time()}


async def cleanup_choice(update: Update, context: Context) -> None:
    """The cleanup offer's buttons: delete the report's messages, or keep them (in any state)."""
    await _cleanup(update, context)
    raise ApplicationHandlerStop  # a conversation under way must not see this tap


async def _cleanup(update: Update, context: Context) -> None:
    choice = await answer_button(update)
    offer = chat_store(context).pop(CLEANUP, None) or {"ids": [], "since": time.time()}
    ids: list[int] = offer["ids"]
    chat = update.effective_chat
    if choice != "cleanup:yes" or chat is None:
        await say(update, context, "Kept. You can delete the chat yourself at any time.")
        return
    failed = 0
    for start in range(0, len(ids), CHUNK):
        try:
            await context.bot.delete_messages(chat.id, ids[start:start + CHUNK])
        except TelegramError:
            failed += len(ids[start:start + CHUNK])
    if time.time() - offer["since"] > DELETABLE_SECONDS:
        await say(update, context, "Telegram skips messages older than 48 hours: please check the chat and "
                                   "delete what is left yourself.")
    elif failed:
        await say(update, context, "%(n)s messages could not be deleted (older than 48 hours, or already "
                                   "gone); please delete them yourself.", n=failed)
    else:
        await say(update, context, "Deleted %(n)s messages of this report from this chat. Telegram's servers "
                                   "may keep their own copy.", n=len(ids))
