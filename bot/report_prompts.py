"""The questions of /report, one per state; also asked again after unexpected input."""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot.common import Context, buttons, draft, runtime, say, say_text, t
from models.reporting.categories import CATEGORIES

DONE = [("Done", "done")]
SKIP = [("Skip", "skip")]


async def prompt_category(update: Update, context: Context) -> None:
    rows = [[(label, f"cat:{key}")] for key, label in CATEGORIES.items()]
    await say(update, context, "What is the report about? Choose a category.", buttons(context, *rows))


async def prompt_description(update: Update, context: Context) -> None:
    await say(update, context, "Describe what happened: what, when, where, and who was harmed. You can send "
                               "several messages. Press Done when you have finished.", buttons(context, DONE))


async def prompt_reported(update: Update, context: Context) -> None:
    await say(update, context, "Who are you reporting? Send one message per person or organisation: name or "
                               "alias, unit, position, place, separated by commas. Press Done when finished, "
                               "or Skip.", buttons(context, DONE, SKIP))


async def prompt_shielding(update: Update, context: Context) -> None:
    await say(update, context, "Is an official suspected of shielding them (保护伞)? Send one message per "
                               "official: name, unit, position, separated by commas. Press Done or Skip.",
              buttons(context, DONE, SKIP))


async def prompt_place(update: Update, context: Context) -> None:
    await say(update, context, "Where did it happen? (county, town, village or address)", buttons(context, SKIP))


async def prompt_time(update: Update, context: Context) -> None:
    await say(update, context, "When did it happen? (for example 2026-10, or \"since last spring\")",
              buttons(context, SKIP))


async def prompt_files(update: Update, context: Context) -> None:
    cfg = runtime(context).config
    await say(update, context, "Send photos, documents, voice messages or videos as evidence (at most %(n)s "
                               "files, %(mb)s MB each). Press Done when finished, or Skip.",
              buttons(context, DONE, SKIP), n=cfg.max_files, mb=cfg.max_file_bytes // 2**20)


async def prompt_identity(update: Update, context: Context) -> None:
    await say(update, context, "Report anonymously, or confidentially with your name? A confidential identity "
                               "is sealed in a vault that only several custodians together can open.",
              buttons(context, [("Anonymous", "anon")], [("Confidential (give my name)", "conf")]))


async def prompt_name(update: Update, context: Context) -> None:
    await say(update, context, "Your name (or press Skip):", buttons(context, SKIP))


def phone_keyboard(context: Context) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(t(context, "Share my phone number"), request_contact=True)],
                                [KeyboardButton(t(context, "Skip"))]], one_time_keyboard=True,
                               resize_keyboard=True)


async def prompt_phone(update: Update, context: Context) -> None:
    await say(update, context, "Your phone number: type it, share it with the button below, or press Skip.",
              phone_keyboard(context))


async def prompt_notify(update: Update, context: Context) -> None:
    await say(update, context, "Shall I send you a short message here when staff reply? Telegram would then "
                               "learn that a reply exists (never its content).",
              buttons(context, [("Yes, notify me", "notify:yes")], [("No", "notify:no")]))


async def prompt_notice(update: Update, context: Context) -> None:
    await say(update, context, "Your identity and your report are kept confidential, and reporters are "
                               "protected against retaliation. Deliberately fabricating facts to frame "
                               "someone (诬告陷害) is punishable by law.",
              buttons(context, [("I have read this and accept", "accept")], [("Cancel", "cancel")]))


async def prompt_confirm(update: Update, context: Context) -> None:
    d = draft(context)
    label = t(context, CATEGORIES.get(d.get("category", ""), "Other"))
    text = "\n".join(t(context, m, **p) for m, p in summary_lines(d, label))
    preview = " ".join(d.get("description", []))[:500]
    await say_text(update, context, f"{t(context, 'Please check your report:')}\n\n{text}\n\n{preview}",
                   buttons(context, [("Submit", "submit")], [("Cancel", "cancel")]))


def summary_lines(d: dict[str, Any], category_label: str) -> list[tuple[str, dict[str, object]]]:
    """What the summary shows. The identity itself is not echoed, only whether it was given."""
    lines: list[tuple[str, dict[str, object]]] = [
        ("Category: %(category)s", {"category": category_label}),
        ("People reported: %(n)s", {"n": len(d.get("reported", []))}),
        ("Officials shielding them: %(n)s", {"n": len(d.get("shielding", []))}),
        ("Place: %(place)s", {"place": d.get("place") or "-"}),
        ("Time: %(time)s", {"time": d.get("time") or "-"}),
        ("Files: %(n)s", {"n": len(d.get("files", []))}),
        ("Confidential (name sealed)" if d.get("confidential") else "Anonymous", {}),
        ("Reply notices: yes" if d.get("notify") else "Reply notices: no", {}),
    ]
    return lines
