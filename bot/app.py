"""Building the bot's Application: handlers in order, no persistence, the reply-notice job.

Handler groups run in order: -3 flood control, -2 edited messages, -1 /help and /start//language,
0 the three conversations and then what is left (idle chat, stale buttons). Nothing is persisted: a
restart forgets unfinished drafts, which is what R8 wants.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.common import GLOBAL_COMMAND_PATTERN, Context, answer_button, say
from bot.guards import TokenBucket, edited_message, flood_guard, on_error, quiet_library_loggers
from bot.notify import POLL_SECONDS, poll_replies
from bot.reply import reply_conversation
from bot.report import report_conversation
from bot.start import HELP_TEXT, show_help, start_conversation
from bot.status import status_conversation
from models.store.runtime import Runtime

# Per chat: a burst of 30 updates (an album of photos arrives at once), then one every two seconds;
# receipt codes: 5 tries, then one a minute.
FLOOD_BURST, FLOOD_RATE = 30, 0.5
RECEIPT_BURST, RECEIPT_RATE = 5, 1 / 60


async def idle(update: Update, context: Context) -> None:
    """Outside any conversation: point to the commands."""
    await say(update, context, HELP_TEXT)


async def stale_button(update: Update, context: Context) -> None:
    """A button from a finished conversation."""
    await answer_button(update)
    await say(update, context, "This button is no longer active. Use /report, /status or /reply.")


def build_application(rt: Runtime, *, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None,
                      poll_seconds: float | None = POLL_SECONDS) -> Application:  # type: ignore[type-arg]
    """The bot for a public-side runtime; tests pass a recording ``request``."""
    cfg = rt.config
    if not cfg.telegram_token:
        raise ValueError("CLUEGUARD_TELEGRAM_TOKEN is not set")
    quiet_library_loggers()
    api = cfg.telegram_api_url.rstrip("/")
    builder: Any = (Application.builder().token(cfg.telegram_token).base_url(f"{api}/bot")
                    .base_file_url(f"{api}/file/bot"))
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    app = builder.build()
    app.bot_data.update(rt=rt, flood=TokenBucket(FLOOD_BURST, FLOOD_RATE),
                        receipts=TokenBucket(RECEIPT_BURST, RECEIPT_RATE))

    app.add_handler(TypeHandler(Update, flood_guard), group=-3)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, edited_message), group=-2)
    app.add_handler(CommandHandler("help", show_help), group=-1)
    # Buttons inside conversations are per chat, not per message: PTB warns about that by design.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*per_message", category=PTBUserWarning)
        app.add_handler(start_conversation(), group=-1)
        for conversation in (report_conversation(), status_conversation(), reply_conversation()):
            app.add_handler(conversation)
    # Same group as the conversations: reached only when none of them took the update.
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^(?!lang:)"))
    app.add_handler(MessageHandler(~filters.Regex(GLOBAL_COMMAND_PATTERN) & ~filters.UpdateType.EDITED, idle))
    app.add_error_handler(on_error)
    if poll_seconds and app.job_queue is not None:
        app.job_queue.run_repeating(poll_replies, interval=poll_seconds, first=poll_seconds, name="reply-notices")
    return app
