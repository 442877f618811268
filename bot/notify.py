"""Optional "you have a reply" messages: the sealed chat id, and the job that polls for replies.

The chat id is encrypted with a key that only the bot holds (a file in the keys directory), so
the case store alone cannot link a Telegram chat to a report. Telegram learns that a reply exists
(never its content); the reporter reads it with /status and the receipt code. See docs/bot.md.
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

import vault
from bot.common import Context, locale, runtime, runtime_of
from models.reporting.notifications import (
    due_reply_notices,
    end_subscription,
    mark_reply_notified,
    subscribe_to_replies,
    unsubscribe_from_replies,
)
from models.store.i18n import N_, translate
from models.store.keys import load_or_create_secret
from models.store.runtime import Runtime

log = logging.getLogger("clueguard.bot")
CHANNEL = "telegram"
KEY_FILE = "telegram-notify.key"
POLL_SECONDS = 60
ALREADY = N_("You were already getting notices for this report.")
SUBSCRIBED = N_("I will tell you here when staff reply. Read replies with /status; send /stopnotices to stop.")
NOTICE = N_("You have a new reply about your report. Use /status with your receipt code to read it. "
            "Send /stopnotices to stop these messages.")


def _key(rt: Runtime) -> bytes:
    return load_or_create_secret(rt.config, KEY_FILE)


def seal_chat(rt: Runtime, report_id: str, chat_id: int, lang: str) -> bytes:
    """Encrypt where to send the notice, bound to the report it is for."""
    body = json.dumps({"chat": chat_id, "lang": lang}).encode()
    return vault.encrypt_blob(_key(rt), body, f"telegram-notify/{report_id}")


def open_chat(rt: Runtime, report_id: str, sealed: bytes) -> tuple[int, str]:
    body = json.loads(vault.decrypt_blob(_key(rt), sealed, f"telegram-notify/{report_id}"))
    return int(body["chat"]), str(body["lang"])


def _is_chat(rt: Runtime, report_id: str, sealed: bytes, chat_id: int) -> bool:
    try:
        return open_chat(rt, report_id, sealed)[0] == chat_id
    except (vault.VaultError, ValueError, KeyError):  # sealed with an older key: not ours to judge
        return False


async def subscribe_chat(context: Context, report_id: str, chat_id: int, lang: str | None = None) -> bool:
    """Store the sealed chat id so the reporter hears when staff reply; True if it already was."""
    rt = runtime(context)
    sealed = seal_chat(rt, report_id, chat_id, lang or locale(context))
    stored: list[str] = []

    def same(existing: bytes) -> bool:
        found = _is_chat(rt, report_id, existing, chat_id)
        if found:
            stored.append("yes")
        return found

    await asyncio.to_thread(subscribe_to_replies, rt, report_id, CHANNEL, sealed, same)
    return bool(stored)


async def unsubscribe_chat(context: Context, chat_id: int, report_id: str | None = None) -> int:
    """End this chat's notices (for one report, or all of them); returns how many ended."""
    rt = runtime(context)
    return await asyncio.to_thread(unsubscribe_from_replies, rt, CHANNEL,
                                   lambda rid, sealed: _is_chat(rt, rid, sealed, chat_id), report_id)


async def send_reply_notices(application: Application) -> int:
    """Tell subscribed reporters that staff replied; returns how many were told."""
    rt = runtime_of(application)
    sent = 0
    for notice in await asyncio.to_thread(due_reply_notices, rt, CHANNEL):
        try:
            chat_id, lang = open_chat(rt, notice.report_id, notice.sealed_address)
        except vault.VaultError:
            # Sealed with another bot key (the key file was replaced): it can never be delivered.
            log.warning("reply notice %s cannot be opened; ending it", notice.subscription_id)
            await asyncio.to_thread(end_subscription, rt, notice.subscription_id)
            continue
        try:
            await application.bot.send_message(chat_id, translate(lang, NOTICE))
        except Forbidden:  # the reporter blocked the bot or deleted the chat
            await asyncio.to_thread(end_subscription, rt, notice.subscription_id)
            continue
        except TelegramError as exc:
            log.warning("reply notice %s not sent (%s); will retry", notice.subscription_id, type(exc).__name__)
            continue
        await asyncio.to_thread(mark_reply_notified, rt, notice.subscription_id, notice.staff_messages)
        sent += 1
    return sent


async def poll_replies(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue job: look for new staff replies on subscribed reports."""
    await send_reply_notices(context.application)
