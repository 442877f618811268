"""Issue 16, item 11: every string the bot shows has its Chinese translation, and a Chinese run shows no English."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from models.store.i18n import TRANSLATIONS_DIR
from tests.bot.conftest import Chat
from tests.bot.test_report import photo_bytes

ROOT = Path(__file__).resolve().parents[2]
# Where the bot's texts come from: its own modules and the workflow messages it passes on.
SOURCES = ["bot", "models/reporting", "models/cases/survey.py", "models/store/errors.py"]
KEYWORDS = ["N_", "t:2", "say:3", "translate:2"]


def bot_msgids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "bot.pot"
    args = [arg for k in KEYWORDS for arg in ("-k", k)]
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location",
                    "--no-default-keywords", *args, "-o", str(pot), *SOURCES],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        return {str(m.id) for m in read_po(fh) if m.id}


# Where each helper takes its msgid: N_(msgid), t(context, msgid), say(update, context, msgid), translate(lang, msgid).
POSITION = {"N_": 0, "t": 1, "say": 2, "translate": 1}


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def ast_msgids() -> set[str]:
    """The same strings read from the syntax tree: a check on babel, which skips some nestings."""
    found: set[str] = set()
    for path in (ROOT / "bot").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in POSITION:
                index = POSITION[node.func.id]
                if len(node.args) > index:
                    found.update(_strings(node.args[index]))
    return found


def test_babel_extracts_every_bot_string(tmp_path: Path) -> None:
    """tests/test_i18n.py relies on babel's extraction: it must see what the syntax tree holds."""
    missed = sorted(ast_msgids() - bot_msgids(tmp_path))
    assert missed == [], f"babel does not extract these (move N_() out of nested calls): {missed}"


def test_every_bot_string_has_a_chinese_translation(tmp_path: Path) -> None:
    wanted = bot_msgids(tmp_path) | ast_msgids()
    assert "That is not what I asked for." in wanted and "Remove a part or person" in wanted
    with (TRANSLATIONS_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        have = {str(m.id): str(m.string) for m in read_po(fh) if m.id}
    missing = sorted(i for i in wanted if not have.get(i))
    assert missing == [], f"{len(missing)} bot strings lack a Chinese translation: {missing}"
    # One word for the receipt, as on the web: 查询码, never 回执码.
    assert not [i for i in wanted if "回执码" in have.get(i, "")]


ENGLISH = re.compile(r"\b[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){2,}")
ALLOWED = re.compile(r"/\w+|https?://\S+|Tor Browser|Telegram|ClueGuard|English")


async def test_a_chinese_report_shows_no_english(chat: Chat) -> None:
    chat.app.user_data[chat.user["id"]]["lang"] = "zh"
    acts = [chat.command("report"), chat.say("x"), chat.press("cat:usury"), chat.press("done"),
            chat.say("x" * 20_001), chat.say("放高利贷。"), chat.press("done"), chat.say("张某"),
            chat.say("a|b|c|d"), chat.press("skip"), chat.press("done"), chat.press("skip"),
            chat.say("x" * 300), chat.press("skip"), chat.press("skip"),
            chat.send_file("document", b"MZ\x90\x00" + b"\x00" * 300),
            chat.send_file("video", b"\x00" * 10, file_size=21 * 2**20),
            chat.send_file("photo", photo_bytes(), caption="现场"), chat.press("done"), chat.press("conf"),
            chat.press("skip"), chat.say("跳过"), chat.press("notify:no"), chat.press("accept"),
            chat.press("review"), chat.press("rm:reported:0"), chat.press("back"), chat.command("status"),
            chat.command("cancel"), chat.say("0439 7779 0000 0000"), chat.command("stopnotices")]
    shown: list[str] = []
    for act in acts:
        shown += await act
    english = [m.group(0) for text in shown for m in ENGLISH.finditer(ALLOWED.sub("", text))]
    assert english == []
