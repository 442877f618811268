"""Building the bot's Application: handlers in order, no persistence, rate-limited sending.

Handler groups run in order: -6 flood control, -5 a pending receipt is delivered first, -4 the
button guard (a tap counts once, on its own question's keyboard), -3 message ids of a /report
are noted (to delete them afterwards), -2 edited messages, -1 /help, /stopnotices,
/start//language and the cleanup offer, 0 the conversations and then what is left (idle chat).
Nothing is persisted: a restart forgets unfinished drafts, which is what R8 wants.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot import reply, report, status
from bot.cleanup import cleanup_choice
from bot.common import GLOBAL_COMMAND_PATTERN, TRAIL, Context, chat_store, data_pattern, say
from bot.followup import followup_conversation
from bot.guards import TokenBucket, button_guard, edited_message, flood_guard, on_error, quiet_library_loggers
from bot.notify import POLL_SECONDS, poll_replies, unsubscribe_chat
from bot.receipt import receipt_guard
from bot.start import HELP_TEXT, RESUME, show_help, start_conversation
from models.store.i18n import N_
from models.store.runtime import Runtime

# Per chat: a burst of 30 updates (an album of photos arrives at once), then one every two seconds;
# receipt codes: 5 tries, then one a minute.
FLOOD_BURST, FLOOD_RATE = 30, 0.5
RECEIPT_BURST, RECEIPT_RATE = 5, 1 / 60
# The bot's own sending: Telegram's limits (30 messages a second overall, 20 a minute per group)
# are PTB's defaults; a 429 is retried once after its retry_after (the receipt more often).
SEND_RETRIES = 1

RESUME.update(report=report.resume, status=status.resume, reply=reply.resume)


async def idle(update: Update, context: Context) -> None:
    """Outside any conversation: point to the commands."""
    await say(update, context, HELP_TEXT)


async def note_message(update: Update, context: Context) -> None:
    """During /report, remember the id of each message the reporter sends (not its content)."""
    message = update.message
    trail = (chat_store(context) or {}).get(TRAIL)
    if message is not None and isinstance(trail, list):
        trail.append(message.message_id)


async def stop_notices(update: Update, context: Context) -> None:
    """/stopnotices: end every reply notice of this chat (no receipt code needed)."""
    chat = update.effective_chat
    ended = await unsubscribe_chat(context, chat.id) if chat is not None else 0
    await say(update, context, N_("Notices stopped for %(n)s reports.") if ended else
              N_("This chat is not getting any notices."), n=ended)
    raise ApplicationHandlerStop


def build_application(rt: Runtime, *, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None,
                      poll_seconds: float | None = POLL_SECONDS) -> Application:
    """The bot for a public-side runtime; tests pass a recording ``request``."""
    cfg = rt.config
    if not cfg.telegram_token:
        raise ValueError("CLUEGUARD_TELEGRAM_TOKEN is not set")
    quiet_library_loggers()
    api = cfg.telegram_api_url.rstrip("/")
    builder: Any = (Application.builder().token(cfg.telegram_token).base_url(f"{api}/bot")
                    .base_file_url(f"{api}/file/bot").rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES)))
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    app = builder.build()
    app.bot_data.update(rt=rt, flood=TokenBucket(FLOOD_BURST, FLOOD_RATE),
                        receipts=TokenBucket(RECEIPT_BURST, RECEIPT_RATE))

    app.add_handler(TypeHandler(Update, flood_guard), group=-6)
    app.add_handler(TypeHandler(Update, receipt_guard), group=-5)
    app.add_handler(CallbackQueryHandler(button_guard), group=-4)
    app.add_handler(TypeHandler(Update, note_message), group=-3)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, edited_message), group=-2)
    app.add_handler(CommandHandler("help", show_help), group=-1)
    app.add_handler(CommandHandler("stopnotices", stop_notices), group=-1)
    # Before the conversations: the offer stays good while a new /report or /status is under way.
    app.add_handler(CallbackQueryHandler(cleanup_choice, pattern=data_pattern(r"cleanup:(yes|no)$")), group=-1)
    # Keyboards are bound per message by the button guard's nonce; PTB warns about per_message.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*per_message", category=PTBUserWarning)
        app.add_handler(start_conversation(), group=-1)
        app.add_handler(report.report_conversation())
        app.add_handler(followup_conversation())
    app.add_handler(MessageHandler(~filters.Regex(GLOBAL_COMMAND_PATTERN) & ~filters.UpdateType.EDITED, idle))
    app.add_error_handler(on_error)
    if poll_seconds and app.job_queue is not None:
        app.job_queue.run_repeating(poll_replies, interval=poll_seconds, first=poll_seconds, name="reply-notices")
    return app
