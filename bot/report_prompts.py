"""The questions of /report, one per state; also asked again after unexpected input or /language."""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot.common import Context, buttons, draft, runtime, say, say_text, t
from bot.people import describe
from models.reporting import limits
from models.reporting.categories import CATEGORIES
from models.store.i18n import N_

DONE = [(N_("Done"), "done")]
SKIP = [(N_("Skip"), "skip")]
# Keyboards are module constants: babel does not extract N_() nested in a call inside say().
IDENTITY_ROWS = ([(N_("Anonymous"), "anon")], [(N_("Confidential (give my name)"), "conf")])
NOTIFY_ROWS = ([(N_("Yes, notify me"), "notify:yes")], [(N_("No"), "notify:no")])
NOTICE_ROWS = ([(N_("I have read this and accept"), "accept")], [(N_("Cancel"), "cancel")])
CONFIRM_ROWS = ([(N_("Submit"), "submit")], [(N_("Remove a part or person"), "review")], [(N_("Cancel"), "cancel")])
REMOVE_LABELS = (("description", N_("Remove description part %(i)s")),
                 ("reported", N_("Remove person reported %(i)s")), ("shielding", N_("Remove official %(i)s")))
TELEGRAM_TEXT_LIMIT = 4000
PREVIEW_CHARS = 300


async def prompt_category(update: Update, context: Context) -> None:
    rows = [[(label, f"cat:{key}")] for key, label in CATEGORIES.items()]
    await say(update, context, "What is the report about? Choose a category.", buttons(context, *rows))


async def prompt_description(update: Update, context: Context) -> None:
    await say(update, context, "Describe what happened: what, when, where, and who was harmed. You can send "
                               "several messages (at most %(n)s characters in all). Press Done when you have "
                               "finished.", buttons(context, DONE), n=runtime(context).config.max_text_chars)


async def prompt_reported(update: Update, context: Context) -> None:
    await say(update, context, "Who are you reporting? One message per person or organisation, starting with "
                               "the name or alias. You may put the unit, position and place on new lines (or "
                               "after |), or I will ask for them. At most %(n)s people, %(chars)s characters "
                               "per part. Press Done when finished, or Skip.",
              buttons(context, DONE, SKIP), n=limits.MAX_PEOPLE, chars=limits.MAX_FIELD)


async def prompt_shielding(update: Update, context: Context) -> None:
    await say(update, context, "Is an official suspected of shielding them (保护伞)? One message per official, "
                               "starting with the name; the unit and position on new lines (or after |), or I "
                               "will ask for them. Press Done or Skip.", buttons(context, DONE, SKIP))


def pending_person(context: Context) -> tuple[str, dict[str, str]]:
    key = draft(context).get("pending", "reported")
    people: list[dict[str, str]] = draft(context).get(key) or [{}]
    return key, people[-1]


async def prompt_details(update: Update, context: Context) -> None:
    key, person = pending_person(context)
    msgid = (N_("What are the unit, position and place of %(name)s? Send them in one message, in that order, one "
                "per line or separated by | or spaces (沙河村村委会 村主任); leave out what you do not know. Or "
                "press Skip.")
             if key == "reported" else
             N_("What are the unit and position of %(name)s? One per line or separated by | or a space "
                "(沙河村村委会 村主任). Or press Skip."))
    await say(update, context, msgid, buttons(context, SKIP), name=person.get("name", ""))


async def prompt_place(update: Update, context: Context) -> None:
    await say(update, context, "Where did it happen? (county, town, village or address)", buttons(context, SKIP))


async def prompt_time(update: Update, context: Context) -> None:
    await say(update, context, "When did it happen? (for example 2026-10, or \"since last spring\")",
              buttons(context, SKIP))


async def prompt_files(update: Update, context: Context) -> None:
    cfg = runtime(context).config
    have = len(draft(context).get("files", []))
    await say(update, context, "Send photos, documents, voice messages or videos as evidence (at most %(n)s "
                               "files, %(mb)s MB each); a caption is kept with its file. Files so far: "
                               "%(have)s. Press Done when finished, or Skip.",
              buttons(context, DONE, SKIP), n=cfg.max_files, mb=cfg.max_file_bytes // 2**20, have=have)


async def prompt_identity(update: Update, context: Context) -> None:
    await say(update, context, "Report anonymously, or confidentially with your name? A confidential identity "
                               "is sealed in a vault that only several custodians together can open.",
              buttons(context, *IDENTITY_ROWS))


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
              buttons(context, *NOTIFY_ROWS))


async def prompt_notice(update: Update, context: Context) -> None:
    await say(update, context, "Your identity and your report are kept confidential, and reporters are "
                               "protected against retaliation. Deliberately fabricating facts to frame "
                               "someone (诬告陷害) is punishable by law.",
              buttons(context, *NOTICE_ROWS))


def _shown(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def collected(context: Context) -> list[str]:
    """The description parts and people as collected, numbered as the Remove buttons name them."""
    d = draft(context)
    lines = [t(context, "Description, part %(i)s: %(text)s", i=i, text=_shown(text))
             for i, text in enumerate(d.get("description", []), 1)]
    lines += [t(context, "Person reported %(i)s: %(who)s", i=i, who=describe(p, "reported"))
              for i, p in enumerate(d.get("reported", []), 1)]
    lines += [t(context, "Official %(i)s: %(who)s", i=i, who=describe(p, "shielding"))
              for i, p in enumerate(d.get("shielding", []), 1)]
    return lines


async def send_long(update: Update, context: Context, text: str, markup: Any) -> None:
    """Text beyond one Telegram message goes in several; the keyboard rides on the last."""
    chunks = [text[i:i + TELEGRAM_TEXT_LIMIT] for i in range(0, len(text), TELEGRAM_TEXT_LIMIT)] or [""]
    for chunk in chunks[:-1]:
        await say_text(update, context, chunk)
    await say_text(update, context, chunks[-1], markup)


async def prompt_confirm(update: Update, context: Context) -> None:
    d = draft(context)
    label = t(context, CATEGORIES.get(d.get("category", ""), "Other"))
    head = "\n".join(t(context, m, **p) for m, p in summary_lines(d, label))
    body = "\n".join(collected(context))
    note = t(context, "(Long parts are shortened here; the whole text is kept.)")
    heading = t(context, "Please check your report:")
    await send_long(update, context, f"{heading}\n\n{head}\n\n{body}\n{note}",
                    buttons(context, *CONFIRM_ROWS))


async def prompt_review(update: Update, context: Context) -> None:
    d = draft(context)
    rows: list[list[tuple[str, str]]] = []
    for key, msgid in REMOVE_LABELS:
        rows += [[(t(context, msgid, i=i), f"rm:{key}:{i - 1}")] for i in range(1, len(d.get(key, [])) + 1)]
    rows.append([(t(context, "Back to the summary"), "back")])
    await send_long(update, context, "\n".join([t(context, "What should be removed?"), *collected(context)]),
                    buttons(context, *rows, translate_labels=False))


def summary_lines(d: dict[str, Any], category_label: str) -> list[tuple[str, dict[str, object]]]:
    """What the summary shows. The identity itself is not echoed, only whether it will be given."""
    return [
        (N_("Category: %(category)s"), {"category": category_label}),
        (N_("People reported: %(n)s"), {"n": len(d.get("reported", []))}),
        (N_("Officials shielding them: %(n)s"), {"n": len(d.get("shielding", []))}),
        # A place or time not given is left out rather than shown as "-" (issue #27 item 13).
        *([(N_("Place: %(place)s"), {"place": d["place"]})] if d.get("place") else []),
        *([(N_("Time: %(time)s"), {"time": d["time"]})] if d.get("time") else []),
        (N_("Files: %(n)s"), {"n": len(d.get("files", []))}),
        (N_("Confidential (your name will be sealed on submission)") if d.get("confidential")
         else N_("Anonymous"), {}),
        (N_("Reply notices: yes") if d.get("notify") else N_("Reply notices: no"), {}),
    ]
