"""One translation catalog for the whole project (web, bot and workflow messages).

Chinese is the default language, English on request. Message ids are English. The catalog's
.po files are the source; .mo files are compiled from them when missing or stale, so a fresh
clone needs no separate compile step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def ensure_compiled() -> None:
    """Compile each locale's messages.po to messages.mo if the .mo is missing or older."""
    for po in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)


def pick_locale(requested: str | None) -> str:
    if requested:
        tag = requested.lower().replace("_", "-")
        for loc in LOCALES:
            if tag == loc or tag.startswith(loc + "-"):
                return loc
    return DEFAULT_LOCALE


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog for a locale (for code outside Flask, such as the bot)."""
    ensure_compiled()
    return Translations.load(str(TRANSLATIONS_DIR), [pick_locale(locale)])


def translate(locale: str, message: str, **params: object) -> str:
    text = translations(locale).gettext(message)
    return text % params if params else text
