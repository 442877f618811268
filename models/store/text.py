"""One text-normalisation step for every front end (web form, JSON APIs, bot, staff pages).

Text the user typed is stored as typed (no NFKC: a Chinese reporter's full-width punctuation is
part of what they wrote), but a NUL or a lone surrogate is refused as unreadable: neither can be
encoded as UTF-8 or stored in PostgreSQL, so letting one through ends in a 500. Receipt codes
and other digit strings are NFKC-normalised, so ``４１３３…`` typed with a Chinese input method
is the same receipt as ``4133…``. File names lose control characters instead of being refused.
"""

from __future__ import annotations

import re
import unicodedata

from models.store.errors import InvalidInput
from models.store.i18n import N_

UNREADABLE = N_("This text contains characters that could not be read. Please type it again.")
# Lone surrogates (U+D800–U+DFFF survive only unpaired in a str) and NUL.
_BAD = re.compile("[\x00\ud800-\udfff]")
# C0/C1 controls, DEL, and the format characters that can hide or reorder a file name (RTL override).
_NAME_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
# Far more than a receipt written with spaces and dashes; anything longer is not a receipt, and
# normalising it must not cost more than the Argon2 run every lookup pays anyway.
MAX_RECEIPT_INPUT = 200
MAX_FILENAME = 120
# Ids are INTEGER columns: PostgreSQL refuses a larger number with an error, SQLite one past 2**63.
ID_MAX = 2**31 - 1


def tidy(value: object) -> str:
    """Free text a staff member typed, as it is kept: a non-string is empty, a NUL is dropped, the
    ends are stripped. Nothing is cut: a limit is checked by ``clean_text`` (or by the caller)."""
    return (value if isinstance(value, str) else "").replace("\x00", "").strip()


def clean_text(value: object, field: str, limit: int, required: bool | str = False,
               too_long: str = N_("The text is too long.")) -> str:
    """The one cleaner of staff free text (issue 23): ``tidy``, then refused — never cut — when over
    ``limit``; when ``required`` (True, or the message to show), refused when empty."""
    text = tidy(value)
    if required and not text:
        raise InvalidInput({field: required if isinstance(required, str) else N_("Write the text.")})
    if len(text) > limit:
        raise InvalidInput({field: too_long}, max=limit)
    return text


def is_readable(text: str) -> bool:
    """False if ``text`` holds a NUL or a lone surrogate."""
    return _BAD.search(text) is None


def unreadable_paths(value: object, path: str = "") -> list[str]:
    """Where in a decoded JSON value (keys included) a string is not readable, as dotted paths."""
    found: list[str] = []
    if isinstance(value, str):
        if not is_readable(value):
            found.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not is_readable(str(key)):
                found.append(path or "body")
            else:
                found.extend(unreadable_paths(item, where))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(unreadable_paths(item, f"{path}.{i}" if path else str(i)))
    return found


def json_depth(value: object) -> int:
    """How deeply a decoded JSON value nests (a scalar is 0)."""
    depth, level = 0, [(value, 0)]
    while level:
        item, d = level.pop()
        depth = max(depth, d)
        if isinstance(item, dict):
            level.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            level.extend((v, d + 1) for v in item)
    return depth


def as_id(value: object) -> int | None:
    """A number typed or sent for a row's id, as an INTEGER column can hold it; None for anything
    else (words, 0, a negative, a number beyond the column): the caller says "no such" or "choose"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 10:
            return None
        value = int(value)
    return value if isinstance(value, int) and 1 <= value <= ID_MAX else None


def digits(text: str, limit: int = MAX_RECEIPT_INPUT) -> str:
    """The ASCII digits of ``text`` after NFKC (full-width and other compatibility digits count)."""
    folded = unicodedata.normalize("NFKC", text[:limit])
    return "".join(ch for ch in folded if "0" <= ch <= "9")


def clean_filename(name: str | None) -> str:
    """A file name safe to store and to send back in Content-Disposition: no controls, no paths."""
    cleaned = _NAME_JUNK.sub("", unicodedata.normalize("NFC", name or ""))
    cleaned = cleaned.replace("/", "_").replace("\\", "_").strip().lstrip(".")
    return cleaned[-MAX_FILENAME:] or "file"
