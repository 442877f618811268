"""R8 through the bot: Telegram identity reaches the vault only when confidential, nowhere else."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from models.reporting import intake
from tests.bot.conftest import Chat
from tests.bot.test_report import to_state

CANARY = "CANARY-tg-5e1d"
CANARY_ID = 987654321987
CANARY_PHONE = "+8613912345678"


async def canary_chat(chat: Chat) -> Chat:
    """The same driver, now as a Telegram user whose every identifying field carries the canary."""
    chat.user = {"id": CANARY_ID, "is_bot": False, "first_name": CANARY, "last_name": "名",
                 "username": f"{CANARY}_user"}
    chat.chat_id = CANARY_ID
    await chat.command("start")
    await chat.press("lang:en")
    return chat


async def confidential_report(chat: Chat, notify: bool = True) -> list[str]:
    await to_state(chat, 12)
    await chat.press("conf")
    await chat.say(f"{CANARY} 王")
    await chat.say("x", contact={"phone_number": CANARY_PHONE, "first_name": CANARY, "user_id": CANARY_ID})
    await chat.press("notify:yes" if notify else "notify:no")
    await chat.press("accept")
    return await chat.press("submit")


async def test_confidential_identity_goes_to_the_vault_with_telegram_fields(chat, custodians, monkeypatch) -> None:
    sealed: list[dict[str, object]] = []
    original = intake.store_identity

    def spy(stores, report_id, identity):
        sealed.append(identity)
        return original(stores, report_id, identity)

    monkeypatch.setattr(intake, "store_identity", spy)
    answer = await confidential_report(await canary_chat(chat))
    assert "Registry number" in answer[0]
    for fields in sealed:
        fields.pop("addition_key", None)  # the key follow-ups seal their files' metadata to
    assert sealed == [{"name": f"{CANARY} 王", "phone": CANARY_PHONE, "telegram_user_id": str(CANARY_ID),
                       "telegram_username": f"{CANARY}_user", "telegram_name": f"{CANARY} 名"}]
    summary = [p["text"] for p in chat.rec.sent() if "Please check" in p["text"]][0]
    assert CANARY not in summary and CANARY_PHONE not in summary


async def test_anonymous_report_seals_no_identity(chat, custodians, monkeypatch) -> None:
    called: list[object] = []
    monkeypatch.setattr(intake, "store_identity", lambda *a: called.append(a))
    await to_state(await canary_chat(chat), 15)
    await chat.press("submit")
    assert called == []


async def test_someone_elses_contact_is_refused(chat) -> None:
    await to_state(chat, 12)
    await chat.press("conf")
    await chat.press("skip")
    answer = await chat.say("x", contact={"phone_number": "+8613000000000", "first_name": "Other", "user_id": 1})
    assert "your own contact" in answer[0]
    assert "phone" not in chat.draft()


async def test_confidential_needs_a_ready_vault_and_offers_anonymous(chat, bot_rt) -> None:
    answer = await confidential_report(await canary_chat(chat))
    assert "custodians" in answer[0] and "anonymously" in answer[0]
    assert chat.button_data() == ["anon", "conf"]


async def test_canary_identity_in_zero_bytes_of_case_store_logs_and_persistence(chat, bot_rt, custodians, config,
                                                                                 backend, caplog) -> None:
    caplog.set_level("DEBUG")
    answer = await confidential_report(await canary_chat(chat), notify=True)
    # What the bot keeps in memory after submitting (receipt hand-over, cleanup ids) holds no identity.
    assert not [n for n in (CANARY, CANARY_PHONE) if n in repr(chat.app.chat_data[CANARY_ID])]
    code = "".join(ch for ch in answer[0].split("Receipt code:")[1].split("\n")[0] if ch.isdigit())
    await chat.command("status")
    await chat.say(code)
    await chat.press("close")
    await chat.command("reply")
    await chat.say(code)
    await chat.say("补充一点。")
    await chat.press("send")

    needles = [CANARY.encode(), CANARY_PHONE.encode(), str(CANARY_ID).encode()]
    assert chat.app.persistence is None  # nothing is persisted at all
    if backend == "sqlite":
        with sqlite3.connect(config.data_dir / "case.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in config.data_dir.rglob("*"):
            if path.is_file() and not path.name.startswith("vault.db"):
                data = path.read_bytes()
                assert not [n for n in needles if n in data], path
    else:
        with bot_rt.stores.case_engine.connect() as conn:
            tables = conn.execute(text(
                "select table_name from information_schema.tables where table_schema = current_schema()"
            )).scalars().all()
            for table in tables:
                dump = "".join(conn.execute(text(f'select t::text from "{table}" t')).scalars().all())
                assert not [n for n in needles if n.decode() in dump], table
    for needle in needles:
        assert needle.decode() not in caplog.text
    assert chat.forgotten()
