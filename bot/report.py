"""/report: a clue step by step, mostly buttons, then ``models.intake.submit_report`` (R2–R5, R7).

See report.mmd for the state diagram. The draft lives in chat_data (memory only) and is wiped on
submit, cancel and timeout. Telegram's user id, username and names are read only at submission
and only for a confidential report, and then go nowhere but into the vault (R8).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

import vault
from bot.common import (
    CONVERSATION_TIMEOUT,
    END,
    STATE,
    Context,
    answer_button,
    buttons,
    cancel,
    conversation_edges,
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
from bot.notify import subscribe_chat
from bot.report_prompts import (
    DONE,
    prompt_category,
    prompt_confirm,
    prompt_description,
    prompt_files,
    prompt_identity,
    prompt_name,
    prompt_notice,
    prompt_notify,
    prompt_phone,
    prompt_place,
    prompt_reported,
    prompt_shielding,
    prompt_time,
)
from models.reporting.categories import CATEGORIES
from models.reporting.intake import MAX_FIELD, MAX_PEOPLE, Person, Submission, submit_report
from models.store.errors import ClueGuardError, InvalidInput, ServiceUnavailable

(CATEGORY, DESCRIPTION, REPORTED, SHIELDING, PLACE, TIME, FILES, IDENTITY, NAME, PHONE, NOTIFY, NOTICE,
 CONFIRM) = range(13)

PERSON_SPLIT = re.compile(r"[\n,，;；、]+")


PROMPTS: dict[int, Callable[[Update, Context], Awaitable[None]]] = {
    CATEGORY: prompt_category, DESCRIPTION: prompt_description, REPORTED: prompt_reported,
    SHIELDING: prompt_shielding, PLACE: prompt_place, TIME: prompt_time, FILES: prompt_files,
    IDENTITY: prompt_identity, NAME: prompt_name, PHONE: prompt_phone, NOTIFY: prompt_notify,
    NOTICE: prompt_notice, CONFIRM: prompt_confirm,
}


async def ask(update: Update, context: Context, state: int) -> int:
    """Move to a state and ask its question."""
    await PROMPTS[state](update, context)
    return go(context, state)


def short_text(update: Update) -> str | None:
    message = update.effective_message
    return message.text.strip() if message is not None and message.text else None


async def too_long(update: Update, context: Context) -> None:
    await say(update, context, "This is too long (at most %(n)s characters). Please shorten it.", n=MAX_FIELD)


# --- one handler per state -------------------------------------------------------------------

async def start_report(update: Update, context: Context) -> int:
    """/report: start a fresh draft and ask for the category."""
    wipe(context)
    await say(update, context, "Let us take your report. You can stop at any time with /cancel; "
                               "nothing is sent until you confirm at the end.", ReplyKeyboardRemove())
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
        return await ask(update, context, REPORTED)
    text = short_text(update) or ""
    limit = runtime(context).config.max_text_chars
    if sum(len(p) + 2 for p in parts) + len(text) > limit:
        await say(update, context, "The description is too long: at most %(n)s characters in all. This message "
                                   "was not added; press Done or send a shorter one.", buttons(context, DONE),
                  n=limit)
        return DESCRIPTION
    parts.append(text)
    if update.effective_message and update.effective_message.forward_origin is not None:
        await say(update, context, "A forwarded message: I kept its text only, not who it came from.")
    await say(update, context, "Added. Send more, or press Done.", buttons(context, DONE))
    return DESCRIPTION


def parse_person(text: str) -> Person:
    parts = [p.strip()[:MAX_FIELD] for p in PERSON_SPLIT.split(text) if p.strip()]
    name, unit, position = (parts + ["", "", ""])[:3]
    return Person(name, unit, position, "，".join(parts[3:])[:MAX_FIELD])


async def _people(update: Update, context: Context, key: str, state: int, next_state: int) -> int:
    data = await answer_button(update)
    if data in {"done", "skip"}:
        return await ask(update, context, next_state)
    people: list[dict[str, str]] = draft(context).setdefault(key, [])
    text = short_text(update) or ""
    if len(text) > 4 * MAX_FIELD:
        await too_long(update, context)
        return state
    if len(people) >= MAX_PEOPLE:
        await say(update, context, "Too many people listed.")
        return await ask(update, context, next_state)
    people.append(parse_person(text).as_dict())
    await say(update, context, "Added. Send another, or press Done.", buttons(context, DONE))
    return state


async def reported(update: Update, context: Context) -> int:
    """REPORTED: people or organisations reported (optional, several)."""
    return await _people(update, context, "reported", REPORTED, SHIELDING)


async def shielding(update: Update, context: Context) -> int:
    """SHIELDING: officials suspected of shielding them (optional, several)."""
    return await _people(update, context, "shielding", SHIELDING, PLACE)


async def _one_line(update: Update, context: Context, key: str, state: int, next_state: int) -> int:
    if await answer_button(update) != "skip":
        text = short_text(update) or ""
        if len(text) > MAX_FIELD:
            await too_long(update, context)
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
    cfg = runtime(context).config
    stored: list[Any] = draft(context).setdefault("files", [])
    message = update.effective_message
    if message is None or not has_attachment(message):
        return await ask(update, context, FILES)
    if len(stored) >= cfg.max_files:
        await say(update, context, "At most %(n)s files per submission.", buttons(context, DONE), n=cfg.max_files)
        return FILES
    try:
        stored.append(await fetch_upload(message, cfg))
    except InvalidInput as err:
        await say_text(update, context, error_text(context, err) + "\n" + t(context, "This file was not added."),
                       buttons(context, DONE))
        return FILES
    await say(update, context, "File received (%(n)s of at most %(max)s). Send more, or press Done.",
              buttons(context, DONE), n=len(stored), max=cfg.max_files)
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
        if len(text) > MAX_FIELD:
            await too_long(update, context)
            return PHONE
        draft(context)["phone"] = text
    await say(update, context, "Thank you.", ReplyKeyboardRemove())
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
        description="\n\n".join(d.get("description", [])),
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
    """CONFIRM: submit through the intake workflow, then show the registry number and receipt."""
    choice = await answer_button(update)
    if choice == "cancel":
        return await cancel(update, context)
    if choice != "submit":
        return await ask(update, context, CONFIRM)
    d = draft(context)
    rt = runtime(context)
    try:
        receipt = await asyncio.to_thread(submit_report, rt, build_submission(d, update))
    except ServiceUnavailable as err:
        await say_text(update, context, error_text(context, err))
        return await ask(update, context, IDENTITY)
    except ClueGuardError as err:
        await say_text(update, context, error_text(context, err))
        return await ask(update, context, CONFIRM)
    wants_notice = bool(d.get("notify"))
    wipe(context)
    await say(update, context, "Your report has been registered.\nRegistry number: %(registry_no)s\n"
                               "Receipt code: %(code)s\n\nWrite the receipt code down and keep it safe: with it "
                               "you can see the status, read replies (/status) and answer (/reply). It is shown "
                               "only this once. You may delete this chat afterwards.",
              registry_no=receipt.registry_no, code=vault.format_receipt(receipt.code))
    if wants_notice and update.effective_chat is not None:
        try:
            await subscribe_chat(context, receipt.report_id, update.effective_chat.id)
        except ClueGuardError:  # the report is stored; only the optional notice failed
            await say(update, context, "Notices are not available for a closed report.")
            return END
        await say(update, context, "I will tell you here when staff reply. Read replies with /status.")
    return END


# --- unexpected input --------------------------------------------------------------------------

async def unexpected(update: Update, context: Context) -> int | None:
    """Anything a state does not take: say what is wrong and ask the state's question again."""
    await answer_button(update)
    message = update.effective_message
    state = draft(context).get(STATE, CATEGORY)
    if message is not None and message.sticker is not None:
        await say(update, context, "Stickers cannot be used here.")
    elif message is not None and message.text and message.text.startswith("/"):
        await say(update, context, "You are in the middle of a report. Finish it, or send /cancel to stop.")
    elif has_attachment(message):
        await say(update, context, "Files can be sent at the evidence step; I will ask for them.")
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
            handlers.append(CallbackQueryHandler(callback, pattern=pattern))
        return handlers

    return ConversationHandler(
        name="report",
        entry_points=[CommandHandler("report", start_report)],
        states={
            CATEGORY: step(category, r"^cat:", None),
            DESCRIPTION: step(description, r"^done$"),
            REPORTED: step(reported, r"^(done|skip)$"),
            SHIELDING: step(shielding, r"^(done|skip)$"),
            PLACE: step(place, r"^skip$"),
            TIME: step(when, r"^skip$"),
            FILES: step(files, r"^(done|skip)$", ATTACHMENTS),
            IDENTITY: step(identity, r"^(anon|conf)$", None),
            NAME: step(name, r"^skip$"),
            PHONE: step(phone, None, text | filters.CONTACT),
            NOTIFY: step(notify, r"^notify:", None),
            NOTICE: step(notice, r"^(accept|cancel)$", None),
            CONFIRM: step(confirm, r"^(submit|cancel)$", None),
            ConversationHandler.TIMEOUT: on_timeout,
        },
        fallbacks=fallbacks,
        conversation_timeout=CONVERSATION_TIMEOUT,
    )
