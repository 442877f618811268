"""/start and /language: choose Chinese or English, learn what the bot does and what it cannot hide.

See start.mmd for the state diagram.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.common import CONVERSATION_TIMEOUT, END, Context, answer_button, say
from models.store.i18n import LOCALES

CHOOSE_LANGUAGE = 0

LANGUAGE_BUTTONS = [[("中文", "lang:zh"), ("English", "lang:en")]]


async def ask_language(update: Update, context: Context) -> int:
    """Entry: offer the two languages (the labels are shown as they are, not translated)."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                   for row in LANGUAGE_BUTTONS])
    await say(update, context, "Choose your language / 请选择语言", markup)
    return CHOOSE_LANGUAGE


async def choose_language(update: Update, context: Context) -> int:
    """CHOOSE_LANGUAGE: remember the language, then explain the bot and its limits."""
    data = await answer_button(update) or ""
    lang = data.removeprefix("lang:")
    if lang in LOCALES and context.user_data is not None:
        context.user_data["lang"] = lang
    await say(update, context, "ClueGuard takes reports about organised crime and the officials who shield it "
                               "(扫黑除恶). You can report anonymously or confidentially; your identity, if you "
                               "give it, is sealed and kept apart from the report.")
    await say(update, context, "Please note: Telegram itself knows your account and phone number and that you "
                               "talk to this bot. If that worries you, use the web form through Tor Browser "
                               "instead: it is the safer choice.")
    await say(update, context, HELP_TEXT)
    return END


HELP_TEXT = ("Commands:\n/report - report a clue\n/status - see the status and replies with your receipt code\n"
             "/reply - answer staff or add information\n/language - change the language\n"
             "/cancel - stop and delete what you entered\n/help - this list")


async def show_help(update: Update, context: Context) -> None:
    """/help: list the commands (works in any state)."""
    await say(update, context, HELP_TEXT)
    raise ApplicationHandlerStop


def start_conversation() -> ConversationHandler:
    """The /start and /language conversation; language buttons work even after it ended."""
    return ConversationHandler(
        name="start",
        entry_points=[CommandHandler(["start", "language"], ask_language),
                      CallbackQueryHandler(choose_language, pattern=r"^lang:")],
        states={CHOOSE_LANGUAGE: [CallbackQueryHandler(choose_language, pattern=r"^lang:")]},
        fallbacks=[],
        conversation_timeout=CONVERSATION_TIMEOUT,
    )
