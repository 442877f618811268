"""/reply: answer staff or add information and files, through ``models.intake.add_follow_up`` (R5, R6).

See followup.mmd. The receipt code is held in memory until the answer is sent, then wiped.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

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
from bot.files import ATTACHMENTS, fetch_upload, has_attachment
from bot.status import check_receipt, delete_code_message, receipt_digits, status_texts
from models.reporting.intake import add_follow_up
from models.store.errors import ClueGuardError, InvalidInput
from models.store.i18n import N_

# Numbered apart from /status's states: both live in one conversation (bot/followup.py).
RECEIPT, MESSAGE = 10, 11
SEND = [(N_("Send"), "send")]
DELETE_CODE = [(N_("Delete my message with the code"), "del")]
CANCELLED = N_("Cancelled. Nothing was sent and your receipt code was forgotten. Use /reply to start again.")


async def ask_receipt(update: Update, context: Context) -> int:
    """Entry: ask for the receipt code."""
    wipe(context)
    go(context, RECEIPT, "reply")
    await resume(update, context)
    return RECEIPT


async def resume(update: Update, context: Context) -> None:
    """Ask this conversation's current question (again)."""
    if draft(context).get(STATE) != MESSAGE:
        await say(update, context, "Send your 16-digit receipt code to answer or add information.")
        return
    await say(update, context, "Write your answer or add information; you can send several messages and "
                               "files. Press Send when finished.",
              buttons(context, SEND, DELETE_CODE))


async def receipt(update: Update, context: Context) -> int:
    """RECEIPT: check the code, show the latest staff message, ask for the answer."""
    status = await check_receipt(update, context)
    if status is None:
        return RECEIPT
    message_text = update.effective_message.text if update.effective_message else ""
    draft(context)["code"] = receipt_digits(message_text or "")
    staff = [m for m in status.messages if m.sender == "staff"]
    if staff:
        for text in status_texts(context, status)[-1:]:
            await say_text(update, context, text)
    go(context, MESSAGE, "reply")
    await resume(update, context)
    return MESSAGE


async def message(update: Update, context: Context) -> int:
    """MESSAGE: collect text and files until Send, then hand them to the follow-up workflow."""
    d = draft(context)
    choice = await answer_button(update)
    if choice == "del":
        await delete_code_message(update, context)
        await resume(update, context)
        return MESSAGE
    rt = runtime(context)
    if choice == "send":
        return await send(update, context, d)
    msg = update.effective_message
    if has_attachment(msg) and msg is not None:
        uploads: list[Any] = d.setdefault("files", [])
        if len(uploads) >= rt.config.max_files:
            await say(update, context, "At most %(n)s files per submission; this one was not added.",
                      n=rt.config.max_files)
            return MESSAGE
        try:
            uploads.append(await fetch_upload(msg, rt.config, len(uploads) + 1))
        except InvalidInput as err:
            await say_text(update, context, error_text(context, err) + "\n" + t(context, "This file was not added."))
            return MESSAGE
        if msg.caption:  # kept with its file, under the file's name
            d.setdefault("text", []).append(t(context, "Caption of %(file)s: %(caption)s",
                                              file=uploads[-1].filename, caption=msg.caption.strip()))
    elif msg is not None and msg.text:
        parts: list[str] = d.setdefault("text", [])
        if sum(len(p) + 2 for p in parts) + len(msg.text) > rt.config.max_text_chars:
            await say(update, context, "The message is too long: at most %(n)s characters in all. This part was "
                                       "not added.", n=rt.config.max_text_chars)
            return MESSAGE
        parts.append(msg.text)
    await say(update, context, "Added. Send more, or press Send.", buttons(context, SEND))
    return MESSAGE


async def send(update: Update, context: Context, d: dict[str, Any]) -> int:
    try:
        registry_no = await asyncio.to_thread(add_follow_up, runtime(context), d.get("code", ""),
                                              "\n\n".join(d.get("text", [])), list(d.get("files", [])))
    except ClueGuardError as err:
        await say_text(update, context, error_text(context, err), buttons(context, SEND))
        return MESSAGE
    wipe(context)
    await say(update, context, "Sent. Staff will see your message with report %(registry_no)s.",
              registry_no=registry_no)
    return END


async def unexpected(update: Update, context: Context) -> None:
    """Anything else (stickers, commands): say what this step expects."""
    await say(update, context, "Send text or files, press a button, or send /cancel.")


async def answer_from_status(update: Update, context: Context) -> int:
    """/reply (or Answer) right after /status: the code was just checked, so go straight to the answer."""
    d = draft(context)
    code, code_message = d.get("code"), d.get("code_message")
    if not code:
        return await ask_receipt(update, context)
    wipe(context)
    draft(context).update(code=code, code_message=code_message)
    go(context, MESSAGE, "reply")
    await resume(update, context)
    return MESSAGE


def reply_states() -> dict[object, list[Any]]:
    """The /reply states, for the follow-up conversation."""
    return {
        RECEIPT: [MessageHandler(filters.TEXT & ~filters.COMMAND, receipt)],
        MESSAGE: [MessageHandler((filters.TEXT & ~filters.COMMAND) | ATTACHMENTS, message),
                  CallbackQueryHandler(message, pattern=data_pattern(r"(send|del)$"))],
    }
