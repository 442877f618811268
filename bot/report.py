"""/report: a clue step by step, mostly buttons, then ``models.reporting.intake.submit_report`` (R2–R5, R7).

See report.mmd for the state diagram. The draft lives in chat_data (memory only) and is wiped on
submit, cancel and timeout. Telegram's user id, username and names are read only at submission
and only for a confidential report, and then go nowhere but into the vault (R8). The receipt is
handed over by bot/receipt.py, which keeps it in memory until Telegram has taken it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.common import (
    CONVERSATION_TIMEOUT,
    END,
    STATE,
    TRAIL,
    Context,
    answer_button,
    buttons,
    cancel,
    chat_store,
    conversation_edges,
    data_pattern,
    draft,
    error_text,
    locale,
    runtime,
    say,
    say_text,
    t,
    wipe,
)
from bot.files import ATTACHMENTS, has_attachment, take_file
from bot.receipt import hand_over_receipt
from bot.report_people import details, reported, review, shielding
from bot.report_prompts import DONE
from bot.report_states import (
    CATEGORY,
    CONFIRM,
    DESCRIPTION,
    DETAILS,
    FILES,
    IDENTITY,
    NAME,
    NOTICE,
    NOTIFY,
    PHONE,
    PLACE,
    PROMPTS,
    REPORTED,
    REVIEW,
    SHIELDING,
    TIME,
    ask,
    resume,
    short_text,
    too_long,
)
from bot.start import telegram_warning
from models.reporting import limits
from models.reporting.categories import CATEGORIES
from models.reporting.intake import Person, Submission, submit_report
from models.store.errors import ClueGuardError, ServiceUnavailable
from models.store.i18n import N_

__all__ = ["report_conversation", "resume"]
# The description's messages, as one text.
DESCRIPTION_JOIN = "\n\n"


# --- one handler per state -------------------------------------------------------------------

async def start_report(update: Update, context: Context) -> int:
    """/report: start a fresh draft, say what Telegram sees, and ask for the category."""
    wipe(context)
    message = update.effective_message
    chat_store(context)[TRAIL] = [message.message_id] if message is not None else []
    draft(context)["started"] = time.time()  # how far back the report's messages go (cleanup)
    await say(update, context, "Let us take your report. You can stop at any time with /cancel; "
                               "nothing is sent until you confirm at the end.", ReplyKeyboardRemove())
    # Every way into /report passes here, /start or not: the reporter learns what Telegram sees.
    await say_text(update, context, telegram_warning(context))
    return await ask(update, context, CATEGORY)


async def category(update: Update, context: Context) -> int:
    """CATEGORY: a category button."""
    key = (await answer_button(update) or "").removeprefix("cat:")
    if key not in CATEGORIES:
        return await ask(update, context, CATEGORY)
    draft(context)["category"] = key
    return await ask(update, context, DESCRIPTION)


async def description(update: Update, context: Context) -> int:
    """DESCRIPTION: any number of text messages, then Done."""
    d = draft(context)
    parts: list[str] = d.setdefault("description", [])
    if await answer_button(update) == "done":
        if not parts:
            await say(update, context, "Describe what happened.")
            return await ask(update, context, DESCRIPTION)
        return await ask(update, context, CONFIRM if d.pop("back_to_confirm", False) else REPORTED)
    text = short_text(update) or ""
    if not add_description(context, text):
        await say(update, context, "The description is too long: at most %(n)s characters in all. This message "
                                   "was not added; press Done or send a shorter one.", buttons(context, DONE),
                  n=runtime(context).config.max_text_chars)
        return DESCRIPTION
    if update.effective_message and update.effective_message.forward_origin is not None:
        await say(update, context, "A forwarded message: I kept its text only, not who it came from.")
    await say(update, context, "Added. Send more, or press Done.", buttons(context, DONE))
    return DESCRIPTION


def add_description(context: Context, text: str) -> bool:
    """Append a part if the whole description, as it will be sent, stays within the limit
    (``models.reporting.limits``; False: nothing added)."""
    parts: list[str] = draft(context).setdefault("description", [])
    whole = DESCRIPTION_JOIN.join([*parts, text])
    if limits.check_field(limits.DESCRIPTION, whole, runtime(context).config.max_text_chars):
        return False
    parts.append(text)
    return True


# Where each one-line answer goes in the submission, named as the web form names it (the limit's key).
FIELD_OF = {"place": "location", "time": "occurred_on", "name": "identity-name", "phone": "identity-phone"}


async def _one_line(update: Update, context: Context, key: str, state: int, next_state: int) -> int:
    if await answer_button(update) != "skip":
        text = short_text(update) or ""
        if problem := limits.check_field(FIELD_OF[key], text):
            await too_long(update, context, problem)
            return state
        draft(context)[key] = text
    return await ask(update, context, next_state)


async def place(update: Update, context: Context) -> int:
    """PLACE: where it happened (or Skip)."""
    return await _one_line(update, context, "place", PLACE, TIME)


async def when(update: Update, context: Context) -> int:
    """TIME: when it happened (or Skip)."""
    return await _one_line(update, context, "time", TIME, FILES)


async def files(update: Update, context: Context) -> int:
    """FILES: evidence files within the web form's limits, then Done or Skip."""
    if await answer_button(update) in {"done", "skip"}:
        return await ask(update, context, IDENTITY)
    if not has_attachment(update.effective_message):
        return await ask(update, context, FILES)
    if await take_file(update, context, add_description):
        cfg = runtime(context).config
        await say(update, context, "File received (%(n)s of at most %(max)s). Send more, or press Done.",
                  buttons(context, DONE), n=len(draft(context)["files"]), max=cfg.max_files)
    else:
        await say(update, context, "Send another file, or press Done.", buttons(context, DONE))
    return FILES


async def identity(update: Update, context: Context) -> int:
    """IDENTITY: anonymous or confidential (R2)."""
    choice = await answer_button(update)
    if choice == "anon":
        d = draft(context)
        d["confidential"] = False
        d.pop("name", None)
        d.pop("phone", None)
        return await ask(update, context, NOTIFY)
    if choice == "conf":
        draft(context)["confidential"] = True
        return await ask(update, context, NAME)
    return await ask(update, context, IDENTITY)


async def name(update: Update, context: Context) -> int:
    """NAME: the reporter's name (confidential only; or Skip)."""
    return await _one_line(update, context, "name", NAME, PHONE)


async def phone(update: Update, context: Context) -> int:
    """PHONE: typed, shared with Telegram's contact button (own contact only), or Skip."""
    message = update.effective_message
    user = update.effective_user
    if message is not None and message.contact is not None:
        if user is None or message.contact.user_id != user.id:
            await say(update, context, "Please share your own contact, not someone else's.")
            return PHONE
        draft(context)["phone"] = message.contact.phone_number
    elif (text := short_text(update)) and text != t(context, "Skip"):
        if problem := limits.check_field(FIELD_OF["phone"], text):
            await too_long(update, context, problem)
            return PHONE
        draft(context)["phone"] = text
    await say(update, context, N_("Phone number noted.") if draft(context).get("phone") else
              N_("No phone number."), ReplyKeyboardRemove())
    return await ask(update, context, NOTIFY)


async def notify(update: Update, context: Context) -> int:
    """NOTIFY: opt in to "you have a reply" messages, or not."""
    choice = await answer_button(update)
    if choice not in {"notify:yes", "notify:no"}:
        return await ask(update, context, NOTIFY)
    draft(context)["notify"] = choice == "notify:yes"
    return await ask(update, context, NOTICE)


async def notice(update: Update, context: Context) -> int:
    """NOTICE: the protection promise and the liability notice must be accepted (R4)."""
    choice = await answer_button(update)
    if choice == "cancel":
        return await cancel(update, context)
    if choice != "accept":
        return await ask(update, context, NOTICE)
    draft(context)["notice_accepted"] = True
    return await ask(update, context, CONFIRM)


def build_submission(d: dict[str, Any], update: Update) -> Submission:
    identity_fields = None
    if d.get("confidential"):
        user = update.effective_user
        identity_fields = {"name": d.get("name", ""), "phone": d.get("phone", "")}
        if user is not None:
            identity_fields.update({"telegram_user_id": str(user.id), "telegram_username": user.username or "",
                                    "telegram_name": user.full_name})
    return Submission(
        category=d.get("category", ""),
        description=DESCRIPTION_JOIN.join(d.get("description", [])),
        notice_accepted=bool(d.get("notice_accepted")),
        location=d.get("place", ""),
        occurred_on=d.get("time", ""),
        reported=[Person(**p) for p in d.get("reported", [])],
        shielding=[Person(**p) for p in d.get("shielding", [])],
        identity=identity_fields,
        files=list(d.get("files", [])),
        channel="telegram",
    )


async def confirm(update: Update, context: Context) -> int:
    """CONFIRM: submit through the intake workflow, then hand the registry number and receipt over."""
    choice = await answer_button(update)
    if choice == "cancel":
        return await cancel(update, context)
    if choice == "review":
        return await ask(update, context, REVIEW)
    if choice != "submit" or update.effective_chat is None:
        return await ask(update, context, CONFIRM)
    d = draft(context)
    try:
        receipt = await asyncio.to_thread(submit_report, runtime(context), build_submission(d, update))
    except ServiceUnavailable as err:
        await say_text(update, context, error_text(context, err))
        return await ask(update, context, IDENTITY)
    except ClueGuardError as err:
        await say_text(update, context, error_text(context, err))
        return await ask(update, context, CONFIRM)
    trail = list(chat_store(context).get(TRAIL, []))
    lang, wants_notice = locale(context), bool(d.get("notify"))
    wipe(context)
    # From here the report exists: the receipt is kept in memory until Telegram takes it.
    await hand_over_receipt(context, update.effective_chat.id, receipt, lang, wants_notice, trail,
                            float(d.get("started") or time.time()))
    return END


# --- unexpected input --------------------------------------------------------------------------

async def unexpected(update: Update, context: Context) -> int | None:
    """Anything a state does not take: say what is wrong and ask the state's question again."""
    message = update.effective_message
    state = draft(context).get(STATE, CATEGORY)
    if message is not None and message.sticker is not None:
        await say(update, context, "Stickers cannot be used here.")
    elif message is not None and message.text and message.text.startswith("/"):
        await say(update, context, "You are in the middle of a report. Finish it, or send /cancel to stop.")
    elif has_attachment(message) and update.callback_query is None:
        # A file sent before the evidence step is kept for it, not thrown away.
        if await take_file(update, context, add_description):
            await say(update, context, "File kept for the evidence step (%(n)s so far).",
                      n=len(draft(context)["files"]))
    elif update.callback_query is not None:
        await say(update, context, "That button does not answer this question.")
    else:
        await say(update, context, "That is not what I asked for.")
    await PROMPTS[state](update, context)
    return None


def report_conversation() -> ConversationHandler:
    """The /report conversation."""
    text = filters.TEXT & ~filters.COMMAND
    on_timeout, fallbacks = conversation_edges(unexpected)

    def step(callback: Callable[[Update, Context], Coroutine[Any, Any, int]], pattern: str | None,
             message_filter: filters.BaseFilter | None = text) -> list[Any]:
        handlers: list[Any] = []
        if message_filter is not None:
            handlers.append(MessageHandler(message_filter, callback))
        if pattern is not None:
            handlers.append(CallbackQueryHandler(callback, pattern=data_pattern(pattern)))
        return handlers

    return ConversationHandler(
        name="report",
        entry_points=[CommandHandler("report", start_report)],
        states={
            CATEGORY: step(category, r"cat:", None),
            DESCRIPTION: step(description, r"done$"),
            REPORTED: step(reported, r"(done|skip)$"),
            DETAILS: step(details, r"skip$"),
            SHIELDING: step(shielding, r"(done|skip)$"),
            PLACE: step(place, r"skip$"),
            TIME: step(when, r"skip$"),
            FILES: step(files, r"(done|skip)$", ATTACHMENTS),
            IDENTITY: step(identity, r"(anon|conf)$", None),
            NAME: step(name, r"skip$"),
            PHONE: step(phone, None, text | filters.CONTACT),
            NOTIFY: step(notify, r"notify:", None),
            NOTICE: step(notice, r"(accept|cancel)$", None),
            CONFIRM: step(confirm, r"(submit|review|cancel)$", None),
            REVIEW: step(review, r"(rm:\w+:\d+|back)$", None),
            ConversationHandler.TIMEOUT: on_timeout,
        },
        fallbacks=fallbacks,
        conversation_timeout=CONVERSATION_TIMEOUT,
    )
