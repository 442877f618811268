"""Handlers that run before every conversation: flood control, button binding, edits, errors.

Logs carry update ids and exception types only, never what a reporter typed or who they are;
python-telegram-bot's own debug logs print whole updates, so its loggers are kept at WARNING.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.common import (
    CONV,
    DRAFT,
    KEYBOARDS,
    PENDING_RECEIPT,
    SLOTS,
    Context,
    chat_store,
    remove_keyboard,
    say,
    say_text,
    t,
)
from bot.start import RESUME

log = logging.getLogger("clueguard.bot")
# These libraries log request parameters and whole updates (text, user ids, names) at DEBUG.
CHATTY_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "tornado")


def quiet_library_loggers() -> None:
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


@dataclass
class Bucket:
    tokens: float
    at: float
    dropped: int = 0


class TokenBucket:
    """Per-chat token buckets in memory: ``burst`` at once, then ``rate`` per second.

    Keys are chat ids held in memory only; the least recently used are dropped beyond
    ``max_keys`` so the table cannot grow without bound.
    """

    def __init__(self, burst: int, rate: float, max_keys: int = 50_000) -> None:
        self.burst, self.rate, self.max_keys = burst, rate, max_keys
        self._buckets: OrderedDict[int, Bucket] = OrderedDict()

    def bucket(self, key: int, now: float | None = None) -> Bucket:
        """The chat's bucket, refilled up to now."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(key, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return bucket

    def take(self, key: int, now: float | None = None) -> Bucket | None:
        """Take one token; return the bucket if allowed, None if the chat is over its limit."""
        bucket = self.bucket(key, now)
        if bucket.tokens < 1:
            bucket.dropped += 1
            return None
        bucket.tokens -= 1
        return bucket


async def flood_guard(update: Update, context: Context) -> None:
    """Drop updates from a chat that sends too fast; say once which message was the first not read."""
    chat = update.effective_chat
    if chat is None:
        return
    limiter: TokenBucket = context.application.bot_data["flood"]
    bucket = limiter.take(chat.id)
    if bucket is not None:
        if bucket.dropped:
            # The flood is over: say how many were not read, so nothing is lost without a word.
            dropped, bucket.dropped = bucket.dropped, 0
            await say(update, context, "While you were sending too quickly, %(n)s of your messages were not "
                                       "read. Please send them again if they mattered.", n=dropped)
        return
    if limiter.bucket(chat.id).dropped == 1:
        message = update.effective_message
        reply_to = message.message_id if message is not None and update.callback_query is None else None
        await say_text(update, context, t(
            context, "You are sending messages too quickly. Everything before this message was kept; this "
                     "one and those you send in the next minute are not read. Please wait a minute, then "
                     "send them again."), reply_to=reply_to)
    if update.callback_query is not None:
        await _answer_quietly(update)
    raise ApplicationHandlerStop


async def _answer_quietly(update: Update, text: str | None = None) -> None:
    query = update.callback_query
    if query is None:
        return
    # An old query cannot be answered any more; nothing depends on it.
    with contextlib.suppress(TelegramError):
        await query.answer(text)


async def button_guard(update: Update, context: Context) -> None:
    """A tap counts only on the live keyboard it came from, and only once (then its buttons go)."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    store = chat_store(context)
    nonce, _sep, _payload = (query.data or "").partition("|")
    live = store.get(KEYBOARDS, {})
    message_id = query.message.message_id if query.message is not None else None
    if nonce not in live or (message_id is not None and live[nonce] != message_id):
        stale = t(context, "This button is no longer active: it was already used or belongs to an earlier "
                           "question. Nothing was changed.")
        await _answer_quietly(update, stale)
        await say_text(update, context, stale)
        raise ApplicationHandlerStop
    # Used up before anything else runs: a second tap on it finds nothing live.
    keyboard_message = live.pop(nonce)
    slots = store.get(SLOTS, {})
    for slot, value in list(slots.items()):
        if value == nonce:
            del slots[slot]
    await _answer_quietly(update)
    await remove_keyboard(context, update.effective_chat.id, keyboard_message)


async def edited_message(update: Update, context: Context) -> None:
    """Edits are not read: a changed message could silently change a clue already collected."""
    await say(update, context, "I do not read edited messages; what you first sent is kept. Send the "
                               "correction as a new message; before submitting you can remove the old one "
                               "from the summary.")
    raise ApplicationHandlerStop


async def on_error(update: object, context: Context) -> None:
    """Log the failure (update id and traceback, no content) and tell the reporter, if reachable."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("bot handler failed (update %s, %s)", update_id, type(context.error).__name__,
              exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # Never "nothing was sent" here: the failure may come after a report was stored.
    store = chat_store(context) or {}
    msgid = ("Something went wrong while sending your receipt. Your report is stored; send any message "
             "and I will show the receipt again." if store.get(PENDING_RECEIPT) else
             "Something went wrong. Please try the last step again, or use /cancel.")
    try:
        await say(update, context, msgid)
        # The tap that failed used up its keyboard: ask the same question again, with fresh buttons.
        resume = RESUME.get(store.get(DRAFT, {}).get(CONV, ""))
        if resume is not None and not store.get(PENDING_RECEIPT):
            await resume(update, context)
    except Exception:  # the reporter may be unreachable; the failure is logged above
        log.warning("could not tell the reporter about an error (update %s)", update_id)
