"""/status: a receipt code gives the coarse status and the staff's messages (R5, R6).

See status.mmd. The message that carried the code can be deleted with one button; the code is
held in memory only while it is checked.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.common import (
    CONVERSATION_TIMEOUT,
    END,
    Context,
    answer_button,
    buttons,
    conversation_edges,
    draft,
    runtime,
    say,
    say_text,
    t,
    wipe,
)
from bot.guards import TokenBucket
from bot.notify import subscribe_chat
from models.reporting.intake import STATUS_LABELS, ReporterStatus, reporter_status
from models.store.errors import ClueGuardError, ReceiptNotFound

RECEIPT, SHOWN = range(2)
TELEGRAM_TEXT_LIMIT = 4000


async def ask_receipt(update: Update, context: Context) -> int:
    """Entry: ask for the 16-digit receipt code."""
    wipe(context)
    await say(update, context, "Send your 16-digit receipt code.")
    return RECEIPT


async def check_receipt(update: Update, context: Context) -> ReporterStatus | None:
    """Look the code up (rate-limited per chat); remember which message carried it."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return None
    limiter: TokenBucket = context.application.bot_data["receipts"]
    if limiter.take(chat.id) is None:
        await say(update, context, "Too many attempts. Please wait a few minutes and try again.")
        return None
    draft(context)["code_message"] = message.message_id
    try:
        return await asyncio.to_thread(reporter_status, runtime(context), message.text)
    except ReceiptNotFound as err:
        await say(update, context, err.message)
        return None


def status_texts(context: Context, status: ReporterStatus) -> list[str]:
    """The status and each message, split to fit Telegram's message size."""
    lines = [t(context, "Report %(registry_no)s: %(status)s", registry_no=status.registry_no,
               status=t(context, STATUS_LABELS[status.status]))]
    if not status.messages:
        lines.append(t(context, "No messages yet."))
    for msg in status.messages:
        who = t(context, "Staff") if msg.sender == "staff" else t(context, "You")
        lines.append(f"{who} ({msg.at:%Y-%m-%d %H:%M}):\n{msg.text}")
    return [chunk for line in lines
            for chunk in (line[i:i + TELEGRAM_TEXT_LIMIT] for i in range(0, len(line), TELEGRAM_TEXT_LIMIT))]


async def delete_code_message(update: Update, context: Context) -> None:
    """Delete the reporter's own message that carried the receipt code."""
    message_id = draft(context).pop("code_message", None)
    chat = update.effective_chat
    if message_id is None or chat is None:
        return
    try:
        await context.bot.delete_message(chat.id, message_id)
        await say(update, context, "Your message with the code was deleted from this chat.")
    except TelegramError:
        await say(update, context, "I could not delete that message; please delete it yourself.")


async def receipt(update: Update, context: Context) -> int:
    """RECEIPT: show status and messages, then offer to delete the code and to be notified."""
    status = await check_receipt(update, context)
    if status is None:
        return RECEIPT
    for text in status_texts(context, status):
        await say_text(update, context, text)
    draft(context)["report_id"] = status.report_id
    await say(update, context, "To answer, use /reply. What next?", buttons(
        context, [("Delete my message with the code", "del")], [("Notify me of new replies", "notify")],
        [("Done", "close")]))
    return SHOWN


async def shown(update: Update, context: Context) -> int:
    """SHOWN: delete the code message, subscribe to notices, or finish."""
    choice = await answer_button(update)
    if choice == "del":
        await delete_code_message(update, context)
        return SHOWN
    if choice == "notify" and update.effective_chat is not None:
        try:
            await subscribe_chat(context, draft(context).get("report_id", ""), update.effective_chat.id)
        except ClueGuardError:
            await say(update, context, "Notices are not available for a closed report.")
            return SHOWN
        await say(update, context, "I will tell you here when staff reply. Read replies with /status.")
        return SHOWN
    wipe(context)
    await say(update, context, "Done. Use /status again at any time.")
    return END


async def unexpected(update: Update, context: Context) -> None:
    """Anything else: say what this step expects."""
    await answer_button(update)
    await say(update, context, "Send the 16-digit receipt code, press a button, or send /cancel.")


def status_conversation() -> ConversationHandler:
    """The /status conversation."""
    on_timeout, fallbacks = conversation_edges(unexpected)
    return ConversationHandler(
        name="status",
        entry_points=[CommandHandler("status", ask_receipt)],
        states={
            RECEIPT: [MessageHandler(filters.TEXT & ~filters.COMMAND, receipt)],
            SHOWN: [CallbackQueryHandler(shown, pattern=r"^(del|notify|close)$")],
            ConversationHandler.TIMEOUT: on_timeout,
        },
        fallbacks=fallbacks,
        conversation_timeout=CONVERSATION_TIMEOUT,
    )
