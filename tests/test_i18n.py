"""Every user-visible string has its Chinese translation; the catalog is well-formed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from models.store.i18n import TRANSLATIONS_DIR, translate

ROOT = Path(__file__).resolve().parent.parent
PO = TRANSLATIONS_DIR / "zh" / "LC_MESSAGES" / "messages.po"


def test_every_extracted_string_has_a_chinese_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "-F",
         str(ROOT / "babel.cfg"), "-k", "N_", "-k", "_", "-k", "gettext", "-k", "lazy_gettext",
         # the bot's helpers: t(context, msgid) and say(update, context, msgid)
         "-k", "t:2", "-k", "say:3",
         "-o", str(pot), "models", "web", "bot"],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        have = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(str(i) for i in wanted if not have.get(i))
    assert missing == [], f"{len(missing)} strings lack a Chinese translation: {missing[:20]}"


def test_catalog_has_no_duplicate_ids() -> None:
    ids: list[str] = []
    lines = PO.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith('msgid "') and line != 'msgid ""':
            ids.append(line)
        elif line == 'msgid ""' and i + 1 < len(lines) and lines[i + 1].startswith('"') and i > 0:
            ids.append(lines[i + 1])
    duplicates = sorted({x for x in ids if ids.count(x) > 1})
    assert duplicates == []


def test_chinese_is_default_and_english_on_request() -> None:
    assert translate("zh", "Sign in") == "登录"
    assert translate("en", "Sign in") == "Sign in"
    assert translate("", "Sign in") == "登录"


def test_catalog_entries_are_well_formed() -> None:
    """Each entry is msgid then one msgstr: a union merge can leave a stray msgstr behind."""
    expect = "msgid"
    for number, line in enumerate(PO.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith('"'):
            continue  # continuation of the line before
        keyword = line.split(" ", 1)[0] if line.strip() and not line.startswith("#") else ""
        if keyword == "msgid":
            assert expect == "msgid", f"line {number}: msgid without the msgstr before it"
            expect = "msgstr"
        elif keyword == "msgstr":
            assert expect == "msgstr", f"line {number}: a second msgstr for one msgid"
            expect = "msgid"
        else:
            assert keyword == "", f"line {number}: unexpected {line[:30]!r}"
    assert expect == "msgid", "the last msgid has no msgstr"
