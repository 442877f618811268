"""Handlers that run before every conversation: flood control, edits, and the error handler.

Logs carry update ids and exception types only, never what a reporter typed or who they are;
python-telegram-bot's own debug logs print whole updates, so its loggers are kept at WARNING.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.common import Context, say

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
    warned: bool = False


class TokenBucket:
    """Per-chat token buckets in memory: ``burst`` at once, then ``rate`` per second.

    Keys are chat ids held in memory only; the least recently used are dropped beyond
    ``max_keys`` so the table cannot grow without bound.
    """

    def __init__(self, burst: int, rate: float, max_keys: int = 50_000) -> None:
        self.burst, self.rate, self.max_keys = burst, rate, max_keys
        self._buckets: OrderedDict[int, Bucket] = OrderedDict()

    def take(self, key: int, now: float | None = None) -> Bucket | None:
        """Take one token; return the bucket if allowed, None if the chat is over its limit."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(key, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens < 1:
            return None
        bucket.tokens -= 1
        bucket.warned = False
        return bucket

    def warn_once(self, key: int) -> bool:
        """True the first time a chat hits the limit in a row (so we answer once, not per message)."""
        bucket = self._buckets.get(key)
        if bucket is None or bucket.warned:
            return False
        bucket.warned = True
        return True


async def flood_guard(update: Update, context: Context) -> None:
    """Drop updates from a chat that sends too fast, saying so once."""
    chat = update.effective_chat
    if chat is None:
        return
    limiter: TokenBucket = context.application.bot_data["flood"]
    if limiter.take(chat.id) is not None:
        return
    if limiter.warn_once(chat.id):
        await say(update, context, "You are sending messages too quickly. Please wait a minute, "
                                   "then continue where you left off.")
    raise ApplicationHandlerStop


async def edited_message(update: Update, context: Context) -> None:
    """Edits are not read: a changed message could silently change a clue already collected."""
    await say(update, context, "I do not read edited messages. Please send the correction as a new message.")
    raise ApplicationHandlerStop


async def on_error(update: object, context: Context) -> None:
    """Log the failure (update id and traceback, no content) and tell the reporter."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("bot handler failed (update %s, %s)", update_id, type(context.error).__name__,
              exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await say(update, context, "Something went wrong. Nothing has been sent yet; "
                                       "please try again or use /cancel.")
        except Exception:  # the reporter may be unreachable; the failure is logged above
            log.warning("could not tell the reporter about an error (update %s)", update_id)
