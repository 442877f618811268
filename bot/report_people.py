"""/report's people steps (被举报人, 保护伞) and the corrections before the summary."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.common import Context, answer_button, buttons, draft, error_text, go, say, say_text
from bot.people import describe, parse_details, parse_person
from bot.report_prompts import DONE
from bot.report_states import CONFIRM, DESCRIPTION, DETAILS, PLACE, REPORTED, REVIEW, SHIELDING, ask, short_text
from models.reporting import limits
from models.store.errors import InvalidInput


async def _people(update: Update, context: Context, key: str, state: int, next_state: int) -> int:
    if await answer_button(update) in {"done", "skip"}:
        return await ask(update, context, next_state)
    d = draft(context)
    people: list[dict[str, str]] = d.setdefault(key, [])
    if len(people) >= limits.MAX_PEOPLE:
        await say(update, context, "At most %(n)s people can be listed; this one was not added. Press Done.",
                  buttons(context, DONE), n=limits.MAX_PEOPLE)
        return state
    try:
        person = parse_person(short_text(update) or "", key)
    except InvalidInput as err:
        await say_text(update, context, error_text(context, err), buttons(context, DONE))
        return state
    people.append(person)
    if len(person) == 1:  # a name only: ask for the rest rather than guess it from commas
        d["pending"] = key
        return await ask(update, context, DETAILS)
    return await _added(update, context, key, person, state)


async def _added(update: Update, context: Context, key: str, person: dict[str, str], state: int) -> int:
    await say(update, context, "Added: %(who)s. Send another, or press Done.", buttons(context, DONE),
              who=describe(person, key))
    return go(context, state)


async def reported(update: Update, context: Context) -> int:
    """REPORTED: people or organisations reported (optional, several)."""
    return await _people(update, context, "reported", REPORTED, SHIELDING)


async def shielding(update: Update, context: Context) -> int:
    """SHIELDING: officials suspected of shielding them (optional, several)."""
    return await _people(update, context, "shielding", SHIELDING, PLACE)


async def details(update: Update, context: Context) -> int:
    """DETAILS: unit, position (and place) of the person just named, or Skip."""
    d = draft(context)
    key = d.get("pending", "reported")
    people: list[dict[str, str]] = d.get(key) or [{}]
    back = REPORTED if key == "reported" else SHIELDING
    if await answer_button(update) != "skip":
        try:
            people[-1] = parse_details(short_text(update) or "", key, people[-1])
        except InvalidInput as err:
            await say_text(update, context, error_text(context, err))
            return await ask(update, context, DETAILS)
    d.pop("pending", None)
    return await _added(update, context, key, people[-1], back)


async def review(update: Update, context: Context) -> int:
    """REVIEW: remove one description part or person, or go back to the summary."""
    choice = await answer_button(update) or ""
    d = draft(context)
    if choice.startswith("rm:"):
        _rm, key, index = choice.split(":")
        items: list[Any] = d.get(key, [])
        if key in {"description", "reported", "shielding"} and index.isdigit() and int(index) < len(items):
            items.pop(int(index))
            await say(update, context, "Removed.")
        return await ask(update, context, REVIEW)
    if not d.get("description"):
        d["back_to_confirm"] = True
        await say(update, context, "The description is empty now.")
        return await ask(update, context, DESCRIPTION)
    return await ask(update, context, CONFIRM)
