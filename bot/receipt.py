"""Handing over the receipt: the report is stored, so the code must reach the reporter (R5).

Submitting and receiving the receipt are one step for the reporter. The receipt message goes
through the rate limiter with extra retries that wait the Bot API's ``retry_after``; if Telegram
still refuses it (or the network fails), the registry number and code stay in ``chat_data``
(memory only, never persisted or logged) until they are delivered: a job tries again after
``retry_after``, and the next thing the reporter sends or taps gets the receipt first.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop

import vault
from bot.cleanup import offer_cleanup
from bot.common import PENDING_RECEIPT, Context, chat_store
from bot.notify import ALREADY, SUBSCRIBED, subscribe_chat
from models.reporting.intake import Receipt
from models.store.errors import ClueGuardError
from models.store.i18n import N_, translate

log = logging.getLogger("clueguard.bot")
# Retries of the rate limiter on a 429 for the receipt alone (each waits retry_after + 0.1 s).
RECEIPT_RETRIES = 3
NETWORK_RETRY_SECONDS = 5.0
RECEIPT_TEXT = N_("Your report has been registered.\nRegistry number: %(registry_no)s\nReceipt code: %(code)s\n\n"
                  "Write the receipt code down and keep it safe: with it you can see the status, read "
                  "replies (/status) and answer (/reply). It is shown only this once.")


def _seconds(exc: RetryAfter) -> float:
    value: Any = exc.retry_after  # a timedelta (bot/__init__.py opts in), an int before that
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def hand_over_receipt(context: Context, chat_id: int, receipt: Receipt, lang: str, notify: bool,
                            trail: list[int], since: float) -> bool:
    """Keep the receipt in memory, then try to deliver it; True once the reporter has it."""
    chat_store(context)[PENDING_RECEIPT] = {
        "registry_no": receipt.registry_no, "code": receipt.code, "report_id": receipt.report_id,
        "lang": lang, "notify": notify, "trail": trail, "since": since}
    return await deliver_receipt(context, chat_id)


def _retry_later(context: Context, chat_id: int, seconds: float) -> None:
    if context.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        return
    name = f"receipt:{chat_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(retry_receipt, when=max(seconds, 0.0), chat_id=chat_id, name=name)


async def deliver_receipt(context: Context, chat_id: int) -> bool:
    """Send the pending receipt; on failure keep it and try again later. True if delivered."""
    store = chat_store(context)
    pending = store.get(PENDING_RECEIPT)
    if pending is None:
        return True
    lang = pending["lang"]
    text = translate(lang, RECEIPT_TEXT, registry_no=pending["registry_no"],
                     code=vault.format_receipt(pending["code"]))
    try:
        # Context types say ExtBot[None]; the application is built with AIORateLimiter (int args).
        sent = await context.bot.send_message(chat_id, text, rate_limit_args=RECEIPT_RETRIES)  # type: ignore[arg-type]  # PTB types rate_limit_args as its limiter's own dict type
    except RetryAfter as exc:
        log.warning("receipt not delivered (flood control); kept in memory, retrying")
        _retry_later(context, chat_id, _seconds(exc))
        return False
    except NetworkError:
        log.warning("receipt not delivered (network); kept in memory, retrying")
        _retry_later(context, chat_id, NETWORK_RETRY_SECONDS)
        return False
    except TelegramError as exc:  # e.g. the reporter blocked the bot: kept until they come back
        log.warning("receipt not delivered (%s); kept in memory", type(exc).__name__)
        return False
    del store[PENDING_RECEIPT]
    await _after_receipt(context, chat_id, pending, sent.message_id)
    return True


async def _after_receipt(context: Context, chat_id: int, pending: dict[str, Any], receipt_message: int) -> None:
    lang = pending["lang"]
    try:
        if pending["notify"]:
            try:
                already = await subscribe_chat(context, pending["report_id"], chat_id, lang)
            except ClueGuardError:  # the report is stored; only the optional notice failed
                await context.bot.send_message(chat_id, translate(
                    lang, "Notices are not available for a closed report."))
            else:
                await context.bot.send_message(chat_id, translate(lang, ALREADY if already else SUBSCRIBED))
        await offer_cleanup(context, chat_id, [*pending["trail"], receipt_message], lang, pending["since"])
    except TelegramError as exc:  # the receipt itself arrived; these extras are optional
        log.warning("after the receipt: %s", type(exc).__name__)


async def retry_receipt(context: Context) -> None:
    """JobQueue job: try the pending receipt again after Telegram's retry_after."""
    if context.job is not None and context.job.chat_id is not None:
        await deliver_receipt(context, context.job.chat_id)


async def receipt_guard(update: Update, context: Context) -> None:
    """Before anything else: a reporter whose receipt is pending gets it first."""
    chat = update.effective_chat
    if chat is None or not (chat_store(context) or {}).get(PENDING_RECEIPT):
        return
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    await deliver_receipt(context, chat.id)
    # Whatever was sent (often Submit again) was a request for the receipt; it is not read further.
    raise ApplicationHandlerStop
