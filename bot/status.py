"""/status: a receipt code gives the coarse status and the staff's messages (R5, R6, R28).

See followup.mmd. The message that carried the code can be deleted with one button; the code is
held in memory only while this conversation lasts (to answer the follow-up survey), then wiped.
Times are shown in the site's time zone.
"""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.common import (
    END,
    STATE,
    Context,
    answer_button,
    buttons,
    data_pattern,
    draft,
    error_text,
    go,
    runtime,
    say,
    say_text,
    t,
    wipe,
)
from bot.guards import TokenBucket
from bot.notify import ALREADY, SUBSCRIBED, subscribe_chat, unsubscribe_chat
from models.cases.survey import QUESTION, SATISFACTION, answer_survey
from models.reporting.intake import STATUS_LABELS, ReporterStatus, reporter_status
from models.store.db import as_utc
from models.store.errors import ClueGuardError, ReceiptNotFound
from models.store.i18n import N_, translate

RECEIPT, SHOWN = range(2)
TELEGRAM_TEXT_LIMIT = 4000
SHOWN_ROWS = ([(N_("Answer"), "answer")], [(N_("Delete my message with the code"), "del")],
              [(N_("Notify me of new replies"), "notify")], [(N_("Stop notices for this report"), "stop")],
              [(N_("Done"), "close")])
CANCELLED = N_("Cancelled. Your receipt code was forgotten. Use /status to look again.")


def receipt_digits(text: str) -> str:
    """Full-width digits (a Chinese input method's default) read as ASCII; intake does the rest."""
    return unicodedata.normalize("NFKC", text)


async def ask_receipt(update: Update, context: Context) -> int:
    """Entry: ask for the 16-digit receipt code."""
    wipe(context)
    go(context, RECEIPT, "status")
    await resume(update, context)
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
        return await asyncio.to_thread(reporter_status, runtime(context), receipt_digits(message.text))
    except ReceiptNotFound as err:
        await say(update, context, err.message)
        return None


def local_time(context: Context, at: datetime) -> datetime:
    """A stored time (UTC; naive from SQLite) in the site's time zone."""
    return as_utc(at).astimezone(ZoneInfo(runtime(context).config.timezone))


def status_texts(context: Context, status: ReporterStatus) -> list[str]:
    """The status and each message, split to fit Telegram's message size."""
    lines = [t(context, "Report %(registry_no)s: %(status)s", registry_no=status.registry_no,
               status=t(context, STATUS_LABELS[status.status]))]
    if not status.messages:
        lines.append(t(context, "No messages yet."))
    for msg in status.messages:
        who = t(context, "Staff") if msg.sender == "staff" else t(context, "You")
        lines.append(f"{who} ({local_time(context, msg.at):%Y-%m-%d %H:%M}):\n{msg.text}")
    return [chunk for line in lines
            for chunk in (line[i:i + TELEGRAM_TEXT_LIMIT] for i in range(0, len(line), TELEGRAM_TEXT_LIMIT))]


def survey_asked(status: ReporterStatus) -> bool:
    """Whether the follow-up survey's question is among the staff messages (answer_survey decides)."""
    asked = {translate(lang, QUESTION, registry_no=status.registry_no) for lang in ("zh", "en")}
    return any(m.sender == "staff" and m.text in asked for m in status.messages)


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
    d = draft(context)
    d.update(report_id=status.report_id, survey=survey_asked(status),
             code=receipt_digits(update.effective_message.text or "") if update.effective_message else "")
    go(context, SHOWN, "status")
    await resume(update, context)
    return SHOWN


async def resume(update: Update, context: Context) -> None:
    """Ask this conversation's current question (again)."""
    if draft(context).get(STATE) != SHOWN:
        await say(update, context, "Send your 16-digit receipt code.")
        return
    rows = [[(label, f"survey:{key}")] for key, label in SATISFACTION.items()] if draft(context).get("survey") else []
    await say(update, context, "What next? (To answer staff, press Answer or send /reply.)",
              buttons(context, *rows, *SHOWN_ROWS))


async def shown(update: Update, context: Context) -> int:
    """SHOWN: delete the code message, subscribe to or stop notices, answer the survey, or finish."""
    choice = await answer_button(update) or ""
    chat = update.effective_chat
    d = draft(context)
    if choice == "close" or chat is None:
        wipe(context)
        await say(update, context, "Done. Use /status again at any time.")
        return END
    if choice == "del":
        await delete_code_message(update, context)
    elif choice == "notify":
        try:
            already = await subscribe_chat(context, d.get("report_id", ""), chat.id)
        except ClueGuardError:
            await say(update, context, "Notices are not available for a closed report.")
        else:
            await say(update, context, ALREADY if already else SUBSCRIBED)
    elif choice == "stop":
        ended = await unsubscribe_chat(context, chat.id, d.get("report_id", ""))
        await say(update, context, N_("Notices stopped.") if ended else
                  N_("This chat was not getting notices for this report."))
    elif choice.startswith("survey:"):
        try:
            await asyncio.to_thread(answer_survey, runtime(context), d.get("code", ""),
                                    choice.removeprefix("survey:"))
        except ClueGuardError as err:
            await say_text(update, context, error_text(context, err))
        else:
            d["survey"] = False
            await say(update, context, "Thank you for your answer. To add words, use /reply.")
    await resume(update, context)
    return SHOWN


async def unexpected(update: Update, context: Context) -> None:
    """Anything else: say what this step expects."""
    await say(update, context, "Send the 16-digit receipt code, press a button, or send /cancel.")


def status_states(answer: Any) -> dict[object, list[Any]]:
    """The /status states, for the follow-up conversation; ``answer`` goes on to /reply's answer."""
    return {
        RECEIPT: [MessageHandler(filters.TEXT & ~filters.COMMAND, receipt)],
        SHOWN: [CallbackQueryHandler(answer, pattern=data_pattern(r"answer$")),
                CommandHandler("reply", answer),
                CallbackQueryHandler(shown, pattern=data_pattern(r"(del|notify|stop|close|survey:\w+)$"))],
    }
