"""/start and /language: choose Chinese or English, learn what the bot does and what it cannot hide.

See start.mmd. /language in the middle of a conversation changes the language and asks the same
question again, in the new language; nothing collected is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.common import (
    CONV,
    CONVERSATION_TIMEOUT,
    END,
    Context,
    answer_button,
    buttons,
    data_pattern,
    draft,
    runtime,
    say,
    say_text,
    t,
)
from models.store.i18n import LOCALES, N_

CHOOSE_LANGUAGE = 0
LANGUAGE_BUTTONS = [("中文", "lang:zh"), ("English", "lang:en")]
# Each conversation registers how to ask its current question again (bot/app.py).
Resume = Callable[[Update, Context], Awaitable[None]]
RESUME: dict[str, Resume] = {}

HELP_TEXT = N_("Commands:\n/report - report a clue\n/status - see the status and replies with your receipt code\n"
               "/reply - answer staff or add information\n/stopnotices - stop reply notices in this chat\n"
               "/language - change the language\n/cancel - stop and delete what you entered\n/help - this list")


def telegram_warning(context: Context) -> str:
    """What Telegram learns, and where the safer web form is (addresses from the configuration)."""
    cfg = runtime(context).config
    lines = [t(context, "Please note: Telegram itself knows your account and phone number, sees this "
                        "conversation and knows that you talk to this bot. If that worries you, use the web "
                        "form instead, in Tor Browser if you can: it is the safer choice.")]
    if cfg.onion_url:
        lines.append(t(context, "In Tor Browser: %(url)s", url=cfg.onion_url))
    if cfg.public_url:
        lines.append(t(context, "On the web: %(url)s", url=cfg.public_url))
    return "\n".join(lines)


async def ask_language(update: Update, context: Context) -> int:
    """Entry: offer the two languages (the labels are shown as they are, not translated)."""
    await say(update, context, "Choose your language / 请选择语言",
              buttons(context, LANGUAGE_BUTTONS, slot="lang", translate_labels=False))
    return CHOOSE_LANGUAGE


async def choose_language(update: Update, context: Context) -> int:
    """CHOOSE_LANGUAGE: remember the language; resume a conversation in progress, or introduce the bot."""
    lang = (await answer_button(update) or "").removeprefix("lang:")
    if lang in LOCALES and context.user_data is not None:
        context.user_data["lang"] = lang
    resume = RESUME.get(draft(context).get(CONV, ""))
    if resume is not None:
        await say(update, context, "Language changed. Here is the question again:")
        await resume(update, context)
        raise ApplicationHandlerStop(END)  # the conversation in progress must not see this tap
    await say(update, context, "ClueGuard takes reports about organised crime and the officials who shield it "
                               "(扫黑除恶). You can report anonymously or confidentially; your identity, if you "
                               "give it, is sealed and kept apart from the report.")
    await say_text(update, context, telegram_warning(context))
    await say(update, context, HELP_TEXT)
    return END


async def show_help(update: Update, context: Context) -> None:
    """/help: list the commands (works in any state)."""
    await say(update, context, HELP_TEXT)
    raise ApplicationHandlerStop


def start_conversation() -> ConversationHandler:
    """The /start and /language conversation; a language keyboard works once, even after it ended."""
    pattern = data_pattern(r"lang:")
    return ConversationHandler(
        name="start",
        entry_points=[CommandHandler(["start", "language"], ask_language),
                      CallbackQueryHandler(choose_language, pattern=pattern)],
        states={CHOOSE_LANGUAGE: [CallbackQueryHandler(choose_language, pattern=pattern)]},
        fallbacks=[],
        conversation_timeout=CONVERSATION_TIMEOUT,
    )
